# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.16.4
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Sharing an environment: export, recreate, compare, detect drift
#
# "It works on my machine" usually means two environments that quietly differ. The usual
# remedy is an `environment.yml` written by `conda env export`, but that command has long
# known gaps: it needs conda itself, it forgets pip packages in `--from-history` mode, it
# drops third-party channels, and it writes a machine-specific `prefix:` line.
#
# `labtools spec` reads an environment directly from disk instead: the JSON records in
# `conda-meta/`, the `conda-meta/history` log, and the `*.dist-info` folders in
# `site-packages`. So it works the same on environments made by conda, mamba, micromamba,
# pixi or labtools' own engine, with no conda installed.
#
# In this tutorial we build an environment, export it, rebuild a copy from the export,
# prove that the two match, then change the copy and watch `spec check` notice.

# %%
import json
import os
import sys
from pathlib import Path

from labtools import process


def sh(*args: str, show: bool = True) -> process.Completed:
    """Run a labtools command, show what it printed, return the result."""
    done = process.run(["labtools", *args], check=False, timeout=300)
    if show:
        print(f"$ labtools {' '.join(args)}   [exit {done.returncode}]")
        print((done.stdout + done.stderr).strip())
    return done


# Named environments live under ./envs for this tutorial.
os.environ["LABTOOLS_ENVS_ROOT"] = str(Path("envs").absolute())
channel = os.environ.get("LABTOOLS_CHANNELS", "").split(",")[0]
if not channel:  # no lab channel configured: build a small offline one here
    built = process.run([sys.executable, "-c",
                         "from pathlib import Path; from labtools.channel.lab import "
                         "ensure_lab_channel as e; print(e(Path('build'), with_wheelhouse=False))"],
                        timeout=300)
    channel = built.stdout.strip().splitlines()[-1]
print("channel:", channel)

# %% [markdown]
# ## 1. An environment to share
#
# We create `py311-labdemo` with Python and the small `labdemo-extra` package from the
# lab channel (it pulls in `labdemo` as a dependency).

# %%
created = sh("env", "create", "py311-labdemo", "python", "labdemo-extra", "-c", channel,
             "--no-compile", show=False)
assert created.returncode == 0, created.stderr
source = Path("envs/py311-labdemo").absolute()
assert (source / "conda-meta").is_dir()

# %% [markdown]
# ## 2. Export it
#
# The file has the familiar layout: `name`, `channels`, then `dependencies` pinned to
# `name=version`. Build strings are left out unless you pass `--builds` (they are tied to
# one platform), and there is no `prefix:` line unless you ask for `--with-prefix`. The
# channel list holds every channel a package actually came from, here our local one.

# %%
sh("spec", "export", "py311-labdemo", "--out", "environment.yml")
text = Path("environment.yml").read_text()
print(text)
assert text.startswith("name: py311-labdemo\nchannels:\n")
assert "prefix:" not in text
assert channel.rstrip("/").split("/")[-1] in text
assert "  - labdemo-extra=" in text and "  - labdemo=" in text

# %% [markdown]
# Exporting twice gives byte-identical files, so the export can live in version control
# without noisy diffs. `--from-history` keeps only what was asked for (read from the
# history log labtools writes, or from pixi/rattler's `requested_specs`); `--pinned` adds
# the installed versions to those few lines.

# %%
again = sh("spec", "export", "py311-labdemo", show=False).stdout
assert again == text
asked = sh("spec", "export", "py311-labdemo", "--from-history", "--pinned").stdout
assert "labdemo-extra=" in asked and "  - labdemo=" not in asked

# %% [markdown]
# ## 3. Recreate it from the file
#
# A colleague (or CI) builds their own copy from `environment.yml` alone.

# %%
clone = sh("env", "create", "py311-labdemo-copy", "--file", "environment.yml",
           "--no-compile", show=False)
assert clone.returncode == 0, clone.stderr
copy = Path("envs/py311-labdemo-copy").absolute()

# %% [markdown]
# `spec diff` compares any two environments or spec files, conda and pip packages
# separately. The original and the copy hold the same packages at the same versions:

# %%
same = sh("spec", "diff", "py311-labdemo", "py311-labdemo-copy")
assert same.returncode == 0 and same.stdout.startswith("no difference")

# %% [markdown]
# ## 4. Drift
#
# Weeks later someone runs a quick `pip install` into the copy. Nothing in conda's records
# changes, but the environment no longer matches its file. We simulate that by installing
# a tiny local wheel with pip.

# %%
from labtools.channel.lab import make_wheel  # noqa: E402

wheel = make_wheel(Path("wheels"), "lab-notes", "0.3.1",
                   files={"lab_notes/__init__.py": "VERSION = '0.3.1'\n"})
_ = process.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                 "--disable-pip-version-check", "--prefix", copy, wheel], timeout=120)

# %% [markdown]
# `spec check` compares the environment with the file and exits with status 1 when they
# have drifted apart, listing what is missing, what has another version, and what is extra.
# That exit status makes it a one-line guard in CI.

# %%
drift = sh("spec", "check", "py311-labdemo-copy", "--against", "environment.yml")
assert drift.returncode == 1
assert "pip extra   lab-notes" in drift.stdout

report = json.loads(sh("spec", "check", "py311-labdemo-copy", "--against",
                       "environment.yml", "--json", show=False).stdout)
assert report["drifted"] and report["pip_extra"] == ["lab-notes"]

# %% [markdown]
# `spec diff` tells the same story the other way round. Because the wheel came from a local
# file, pip recorded where it came from (`direct_url.json`), and labtools reports the
# package by that URL rather than by a version number that no index could serve. A fresh
# export of the copy carries the same line in its `pip:` section, so re-exporting is how
# you accept the change.

# %%
changed = sh("spec", "diff", "environment.yml", "py311-labdemo-copy")
assert "pip  + lab-notes file://" in changed.stdout
assert changed.stdout.rstrip().endswith("lab_notes-0.3.1-py3-none-any.whl")
exported = sh("spec", "export", "py311-labdemo-copy", show=False).stdout
assert "  - pip:\n      - lab-notes @ file://" in exported

# %% [markdown]
# ## 5. Exact copies: lock files
#
# `environment.yml` pins versions but lets the solver choose builds per platform. For an
# exact, solver-free copy on the same platform, `spec lock` writes an `@EXPLICIT` list of
# package URLs with their checksums; `spec minimize` goes the other way and prints only the
# leaves of the dependency graph, for a short, portable request.

# %%
lock = sh("spec", "lock", "py311-labdemo", "--out", "py311-labdemo.lock.txt", show=False)
lines = Path("py311-labdemo.lock.txt").read_text().splitlines()
print("\n".join(lines[:6]))
assert "@EXPLICIT" in lines and all("#" in ln for ln in lines if "://" in ln)
short = sh("spec", "minimize", "py311-labdemo")
assert "labdemo-extra=" in short.stdout and "labdemo=" not in short.stdout.replace(
    "labdemo-extra=", "")
