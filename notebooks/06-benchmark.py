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
#   labtools:
#     timeout: 3600
# ---

# %% [markdown]
# # Benchmark mamba against conda yourself
#
# "mamba is up to ten times faster than conda" is a claim without a method: which
# step (solving or installing), which cache state, which channel, how many runs, which
# versions? This page does not repeat anybody's ratio. It runs `labtools bench` on the
# machine that built this handbook and shows what it measured, every time the
# handbook is built. The method is explained in
# [Package-manager speed](../concepts/speed.md); in short:
#
# - every contestant runs as a **whole process**, the way you would type it, in its own
#   sealed sandbox (HOME, config, caches, env folder);
# - five **scenarios**: solve only, warm create, cold create, install one package into
#   an existing env, remove the env;
# - **interleaved** runs (A B C, then B C A, ...) after a warm-up round, at least
#   seven counted runs each; every sample is kept, the table shows the median and the
#   spread (p25 to p75), and two contestants whose spreads overlap are marked as **not
#   distinguishable**;
# - after every create the package sets are **compared**: a fast tool that made a
#   different environment has answered a different question.

# %% tags=["verify"]
import os

# The build machine keeps the real conda, mamba and micromamba outside PATH, in the
# folder tools/real-tools.sh made (LABTOOLS_REAL_TOOLS); on your machine they are
# simply on PATH.
REAL_TOOLS = os.environ.get("LABTOOLS_REAL_TOOLS")
if REAL_TOOLS:
    os.environ["PATH"] = f"{REAL_TOOLS}/bin{os.pathsep}{os.environ['PATH']}"

# %% [markdown]
# ## The contestants
#
# conda (with its classic solver and with libmamba, its default today), mamba and
# micromamba, labtools' built-in engine (`labtools env create --backend rattler`), pip
# and uv installing the same Python packages into a venv from a local wheel folder,
# and `cp -al` of a finished environment: a hard-link copy is the least work any
# tool could do to make a warm environment, the floor to measure the others against.
# These are the versions on this machine:

# %% tags=["volatile-output"]
# !conda --version
# !mamba --version
# !micromamba --version
# !uv --version

# %% [markdown]
# ## Run it
#
# The request is the lab's everyday environment, Python with a Jupyter kernel. The
# channel is the lab's own (the profile names it; `--channel DIR` picks another). To
# keep the handbook build short this page measures two scenarios, the solve and the
# warm create; without `--scenarios` the same command also times the cold create,
# installing a package into an existing env, and removing the env. It prints one
# table per scenario and writes the result as Markdown, JSON and a plot. It takes a
# while: every contestant runs every scenario eight times.

# %% tags=["volatile-output", "timeout=3300"]
# !labtools bench --spec "python ipykernel" --scenarios solve,warm --markdown bench.md --save-json bench.json --plot bench.png

# %% [markdown]
# The terminal leaves out the fastest and slowest run to keep every column on screen;
# the Markdown file it wrote is the whole table (with each tool's version, and the
# lines about absent contestants and package sets), ready to paste into a lab wiki:

# %% tags=["volatile-output"]
from pathlib import Path

from IPython.display import Markdown

Markdown(Path("bench.md").read_text())

# %% [markdown]
# How to read the tables:
#
# - **x base** is each median divided by the baseline's median (conda with the
#   libmamba solver, what most people run today); below 1 is faster.
# - **~ name** in the note column: this contestant's spread overlaps that neighbour's,
#   so which of the two is faster is within the noise of this run.
# - **pkgs** is the number of packages in the environment the contestant made (or
#   resolved, for the solve): after each run labtools reads the env from disk, the same
#   way for every tool, and compares. The lines under the tables say whether they
#   agreed.
# - The load average before and after the run is part of the summary: a busy build
#   machine makes every figure larger and noisier, for all contestants alike.

# %% [markdown]
# The same runs as box plots, one panel per scenario (logarithmic axis; the box spans
# the middle half of the runs, the whiskers the rest; the label beside each box is its
# ratio to the baseline):

# %% tags=["volatile-output"]
from IPython.display import Image

Image(filename="bench.png")

# %% [markdown]
# ## What was timed, exactly
#
# The JSON result keeps every sample and the exact command line behind every figure,
# so a surprising number can be re-run by hand. For example, what the warm create ran
# for each contestant (`$SANDBOX` is the contestant's sandbox):

# %% tags=["volatile-output"]
import json
import re
import shlex
from pathlib import Path

result = json.loads(Path("bench.json").read_text())
run = result["run"]
for m in run["measurements"]:
    if m["scenario"] == "warm":
        line = " && ".join(shlex.join(step) for step in m["commands"])
        line = re.sub(r"\S*/labtools-bench-[^/\s]+/(?:sb|cold)-\d+", "$SANDBOX", line)
        print(f"{m['contestant']:>15}: {line}")

# %% tags=["verify"]
result = json.loads(Path("bench.json").read_text())
run = result["run"]
contestants = {c["name"]: c for c in run["contestants"]}
assert set(contestants) == {"engine", "conda-classic", "conda-libmamba", "mamba",
                            "micromamba", "pip", "uv", "cp-al"}
if REAL_TOOLS:  # the build machine has them all: nobody may be absent
    assert all(c["available"] for c in contestants.values()), contestants
assert run["scenarios"] == ["solve", "warm"]
assert not run["interrupted"]
for m in run["measurements"]:
    if m["contestant"] == "cp-al" and m["scenario"] != "warm":
        assert m["status"] == "n/a"
        continue
    assert m["status"] == "ok", m
    stats = m["stats"]
    assert len(m["samples"]) == stats["runs"] >= 7
    assert stats["min"] <= stats["p25"] <= stats["median"] <= stats["p75"] <= stats["max"]
    assert m["commands"], m  # the exact command lines that were timed
baseline = [m for m in run["measurements"] if m["contestant"] == run["baseline"]]
assert baseline and all(m["ratio"] == 1.0 for m in baseline)
for agreement in run["agreements"]:
    assert agreement["agree"], agreement  # every tool made the same environment
assert {a["family"] for a in run["agreements"]} >= {"conda", "pypi", "conda vs pypi"}

# %% [markdown]
# ## The built-in engine against its own targets
#
# labtools' engine has targets of its own, relative to micromamba and to the `cp -al`
# floor measured in the same run (`bench/engine_speed.py` in the repository checks them
# all, the cold create too). These ratios come from the table above:

# %% tags=["volatile-output"]
medians = {(m["contestant"], m["scenario"]): m["stats"]["median"]
           for m in run["measurements"] if m["status"] == "ok"}
for scenario, against, target in [("solve", "micromamba", 1.0), ("warm", "micromamba", 0.25),
                                  ("warm", "cp-al", 1.3)]:
    if ("engine", scenario) not in medians or (against, scenario) not in medians:
        print(f"{scenario:>5}: engine / {against:<10}: not measured here")
        continue
    ratio = medians[("engine", scenario)] / medians[(against, scenario)]
    verdict = "met" if ratio <= target else "missed"
    print(f"{scenario:>5}: engine / {against:<10} = {ratio:5.2f}  (target <= {target}: {verdict})")

# %% [markdown]
# ## Run it on your machine, with a real-size environment
#
# The small request above mostly measures start-up and linking. A scientific stack
# (numpy, scipy, pandas, matplotlib, JupyterLab and their dependencies, well over a
# hundred and fifty packages) shows the solvers at work. In a clone of labtools it is
# one command:
#
# ```bash
# make bench-large
# ```
#
# It builds a local channel for `bench/large-environment.yml` from real PyPI wheels
# (`labtools channel mirror --versions 3`: several versions of each package, so the
# solvers have choices; cached, so only the first run downloads), gives pip and uv the
# same wheels, runs every contestant in every scenario and writes the table, the JSON
# and the plot into `build/bench-large/`. `make bench-large ARGS="..."` passes options
# on to `labtools bench`: `--contestants conda-libmamba,mamba,micromamba` narrows the field, `--scenarios
# solve,warm` the scenarios, `--baseline micromamba` changes the reference of the
# ratios, and `--repeats 15` buys a tighter median. Ctrl-C stops the running tool,
# removes every temporary environment and prints what was measured so far.
#
# ## What the caches cost
#
# The benchmark removes its own sandboxes and caches when it ends. Everyday work fills
# package caches, though: `labtools clean --dry-run` shows each cache with its size
# and how much deleting it would really free (a package whose files are hard-linked
# into an environment frees nothing, so it is counted as in use and kept).

# %% tags=["volatile-output"]
# !labtools clean --dry-run
