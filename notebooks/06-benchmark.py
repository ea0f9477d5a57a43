# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Measure the package managers yourself
#
# Speed claims about conda front ends travel without their method: "ten times
# faster", "half the time", a single stopwatch reading on somebody's laptop. Published
# figures disagree because they measure different things: a solve or a full create,
# with an empty or a filled package cache, against a small channel or all of
# conda-forge. This page does not repeat any of them. It shows the numbers that the
# machine which built this handbook measured, with `labtools bench`, and says how.
#
# **The method.** Every contestant gets the same request and channel. Three scenarios:
#
# - `solve`: resolve the request only (a dry run), metadata already cached;
# - `cold`: create an environment with a brand-new, empty package cache;
# - `warm`: create it again with a package cache that the warm-up filled.
#
# One warm-up round is thrown away, then every contestant runs in turn, round after
# round (A B C A B C ...), so that a slowly changing machine (other jobs, a filling
# page cache, CPU clocks) affects all of them alike. Only the tool's own work is
# timed; making and deleting folders happens outside the clock. The report gives the
# median, the 95th percentile, the range, each tool's version, the ratio of each
# median to the built-in engine's, and whether the tools resolved the same packages.
# A tool that is not installed is listed as absent, with the reason.

# %%
import json
import os
import shutil
import subprocess
from pathlib import Path

from IPython.display import Image, Markdown, display

from labtools.channel.lab import demo_wheels


def labtools(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the labtools CLI the way a user would type it."""
    return subprocess.run(["labtools", *args], capture_output=True, text=True, check=True)


channel = os.environ["LABTOOLS_CHANNELS"]
print("lab channel:", Path(channel).name)

# %% [markdown]
# ## A request every contestant can serve
#
# The lab channel carries two tiny demo packages, `labdemo` and `labdemo-extra` (which
# depends on `labdemo`), as conda packages. pip and uv install from PyPI-style
# sources, so the same two packages also go into a local wheel folder; `--find-links`
# makes pip and uv install from it offline. Asking for `labdemo-extra` alone is a
# *PyPI-only* request, so pip and uv join the conda-style tools. (A request that names
# `python` itself, such as `python=3.11 numpy`, leaves them out: they cannot install
# an interpreter, and the report says so.)

# %%
wheels = Path("wheels")
for wheel in demo_wheels(wheels):
    print(wheel.name)

# %% [markdown]
# ## Run it
#
# No contestant is named, so all are asked: the built-in engine, conda with its
# classic solver, conda with libmamba, mamba, micromamba, pixi, pip and uv. To keep
# this page quick it measures two scenarios with the minimum of five counted runs.
# The table's `x base` column is each median divided by the built-in engine's.

# %% tags=["volatile-output"]
done = labtools("bench", "--spec", "labdemo-extra", "--find-links", str(wheels),
                "--scenarios", "solve,warm", "--repeats", "5",
                "--json", "--markdown", "bench.md", "--plot", "bench.png")
result = json.loads(done.stdout)
display(Markdown(Path("bench.md").read_text()))

# %% [markdown]
# The same numbers as box plots (note the logarithmic axis: each box spans the middle
# half of the five runs):

# %% tags=["volatile-output"]
Image(filename="bench.png")

# %% [markdown]
# ## Who was measured, who was absent
#
# Every contestant appears in the result: either with measurements, or as absent
# with the reason. On the machine that builds this handbook, conda, mamba,
# micromamba and pixi cannot be installed (no conda channel is reachable from it),
# so they are reported absent; the built-in engine, pip and uv are measured. The
# next cell checks this bookkeeping rather than trusting it.

# %% tags=["volatile-output"]
run = result["run"]
contestants = {c["name"]: c for c in run["contestants"]}
measured = {m["contestant"] for m in run["measurements"]}
for name, info in contestants.items():
    state = f"measured (version {info['version']})" if info["available"] else "ABSENT"
    print(f"{name:<15} {state}  {'' if info['available'] else info['detail']}")

assert set(contestants) == {"engine", "conda-classic", "conda-libmamba", "mamba",
                            "micromamba", "pixi", "pip", "uv"}
for name, info in contestants.items():
    tool = name.split("-")[0]
    if tool in ("conda", "mamba", "micromamba", "pixi"):
        assert info["available"] == (shutil.which(tool) is not None), name
    assert info["available"] == (name in measured), name
    assert info["available"] or "not on PATH" in info["detail"]
assert {"engine", "pip", "uv"} <= measured

# %% [markdown]
# Each measurement carries its counted runs, and the statistics are consistent with
# them. pip and uv solved the same request independently; the harness compares the
# package sets they resolved and records whether they agree.

# %%
for m in run["measurements"]:
    assert m["status"] == "ok", m["error"]
    stats = m["stats"]
    assert len(m["samples"]) == stats["runs"] == 5
    assert stats["min"] <= stats["median"] <= stats["p95"] <= stats["max"]
pypi = [a for a in run["agreements"] if a["family"] == "pypi"]
assert pypi and all(a["agree"] for a in pypi)
print("pip and uv resolved the same packages in:", ", ".join(a["scenario"] for a in pypi))
engine_solve = next(m for m in run["measurements"]
                    if m["contestant"] == "engine" and m["scenario"] == "solve")
print("the engine's solve:", ", ".join(engine_solve["packages"]))

# %% [markdown]
# Two things to keep in mind when reading the table. The built-in engine resolves the
# request as a conda environment, so it also installs the Python interpreter that
# `labdemo-extra` depends on, while pip and uv add two packages to an existing
# interpreter: it does more work per run. And the channel is tiny, so the solve
# numbers mostly show each tool's start-up cost; on conda-forge the solver itself
# dominates. Both are reasons to run the benchmark on *your* request and channel.
#
# ## Run the same page where the other front ends exist
#
# On a workstation or cluster with [Miniforge](https://github.com/conda-forge/miniforge)
# (which brings `conda` and `mamba`), `micromamba` or `pixi` on `PATH`, the very
# same command measures them too: nothing needs to be enabled, absent tools simply
# become present. For example, against conda-forge with a realistic request:
#
# ```bash
# labtools bench --spec "python=3.11 numpy" --channel conda-forge \
#     --scenarios solve,cold,warm --repeats 5 --markdown bench.md --plot bench.png
# ```
#
# `--contestants conda-classic,conda-libmamba,mamba` narrows the field,
# `--baseline conda-classic` changes the reference of the ratio column, and
# `--file environment.yml` takes the request from a project's environment file. To
# rebuild this page there, run `labtools handbook build --only 06`.
#
# ## What the caches cost
#
# Benchmarks and everyday work fill package caches. `labtools clean --dry-run` shows
# each cache with its size and how much deleting it would really free: a package
# whose files are hard-linked into an existing environment frees nothing, so it is
# counted as in use and kept. Without `--dry-run` the command deletes what is free.

# %% tags=["volatile-output"]
print(labtools("clean", "--dry-run").stdout)
report = json.loads(labtools("clean", "--dry-run", "--json").stdout)
engine_cache = next(c for c in report["caches"] if c["kind"] == "engine")
assert 0 <= engine_cache["reclaimable"] <= engine_cache["size"]
assert report["freed"] == 0  # a dry run deletes nothing
