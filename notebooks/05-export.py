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
# We build an environment, export it, rebuild a copy from the export, prove that the two
# match, then change the copy and watch `spec check` notice.

# %% [markdown]
# ## 1. An environment to share
#
# `py311-labdemo` holds Python and the small `labdemo-extra` package from the lab channel
# (it pulls in `labdemo` as a dependency).

# %%
# !labtools env create py311-labdemo python labdemo-extra --no-compile

# %% tags=["verify"]
import json
import os
import subprocess
from pathlib import Path


def labtools(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["labtools", *args], capture_output=True, text=True, timeout=300)


envs = Path(os.environ["LABTOOLS_ENVS_ROOT"])
assert (envs / "py311-labdemo" / "conda-meta").is_dir()

# %% [markdown]
# ## 2. Export it
#
# The file has the familiar layout: `name`, `channels`, then `dependencies` pinned to
# `name=version`. Build strings are left out unless you pass `--builds` (they are tied to
# one platform), and there is no `prefix:` line unless you ask for `--with-prefix`. The
# channel list holds every channel a package actually came from, here the lab's own.

# %%
# !labtools spec export py311-labdemo --out environment.yml
# !cat environment.yml

# %% tags=["verify"]
text = Path("environment.yml").read_text()
assert text.startswith("name: py311-labdemo\nchannels:\n") and "prefix:" not in text
assert "  - labdemo-extra=" in text and "  - labdemo=" in text
assert labtools("spec", "export", "py311-labdemo").stdout == text  # byte-identical again

# %% [markdown]
# Exporting twice gives byte-identical files, so the export can live in version control
# without noisy diffs. `--from-history` keeps only what was asked for (read from the
# history log labtools writes, or from pixi/rattler's `requested_specs`); `--pinned` adds
# the installed versions to those few lines.

# %%
# !labtools spec export py311-labdemo --from-history --pinned

# %% tags=["verify"]
asked = labtools("spec", "export", "py311-labdemo", "--from-history", "--pinned").stdout
assert "labdemo-extra=" in asked and "  - labdemo=" not in asked

# %% [markdown]
# ## 3. Recreate it from the file
#
# A colleague (or CI) builds their own copy from `environment.yml` alone, and `spec diff`
# compares any two environments or spec files, conda and pip packages separately. The
# original and the copy hold the same packages at the same versions:

# %%
# !labtools env create py311-labdemo-copy --file environment.yml --no-compile > /dev/null
# !labtools spec diff py311-labdemo py311-labdemo-copy

# %% tags=["verify"]
same = labtools("spec", "diff", "py311-labdemo", "py311-labdemo-copy")
assert same.returncode == 0 and same.stdout.startswith("no difference")

# %% [markdown]
# ## 4. Drift
#
# Weeks later someone runs a quick `pip install` into the copy. Nothing in conda's records
# changes, but the environment no longer matches its file. We simulate that with a tiny
# local wheel (made with the helper the lab channel uses for its demo packages).

# %%
from labtools.channel.lab import make_wheel

wheel = make_wheel(Path("wheels"), "lab-notes", "0.3.1",
                   files={"lab_notes/__init__.py": "VERSION = '0.3.1'\n"})
print(wheel.name)

# %% [markdown]
# pip installs into the copy's prefix, in the folder where the lab profile keeps
# environments (`labtools profile show` prints it as `envs_root`):

# %%
copy = os.path.join(os.environ["LABTOOLS_ENVS_ROOT"], "py311-labdemo-copy")
# !python -m pip install --quiet --no-deps --no-index --disable-pip-version-check --prefix {copy} {wheel}

# %% [markdown]
# `spec check` compares the environment with the file and exits with status 1 when they
# have drifted apart, listing what is missing, what has another version, and what is extra.
# That exit status makes it a one-line guard in CI.

# %%
# !labtools spec check py311-labdemo-copy --against environment.yml

# %% tags=["verify"]
assert _exit_code == 1  # noqa: F821
report = json.loads(labtools("spec", "check", "py311-labdemo-copy", "--against",
                             "environment.yml", "--json").stdout)
assert report["drifted"] and report["pip_extra"] == ["lab-notes"]

# %% [markdown]
# `spec diff` tells the same story the other way round. Because the wheel came from a local
# file, pip recorded where it came from (`direct_url.json`), and labtools reports the
# package by that URL rather than by a version number that no index could serve. A fresh
# export of the copy carries the same line in its `pip:` section, so re-exporting is how
# you accept the change.

# %%
# !labtools spec diff environment.yml py311-labdemo-copy
# !labtools spec export py311-labdemo-copy | tail -n 3

# %% tags=["verify"]
changed = labtools("spec", "diff", "environment.yml", "py311-labdemo-copy").stdout
assert "pip  + lab-notes file://" in changed
assert changed.rstrip().endswith("lab_notes-0.3.1-py3-none-any.whl")
assert "  - pip:\n      - lab-notes @ file://" in labtools("spec", "export",
                                                           "py311-labdemo-copy").stdout

# %% [markdown]
# ## 5. Exact copies: lock files
#
# `environment.yml` pins versions but lets the solver choose builds per platform. For an
# exact, solver-free copy on the same platform, `spec lock` writes an `@EXPLICIT` list of
# package URLs with their checksums; `spec minimize` goes the other way and prints only the
# leaves of the dependency graph, for a short, portable request.

# %%
# !labtools spec lock py311-labdemo --out py311-labdemo.lock.txt > /dev/null
# !head -n 6 py311-labdemo.lock.txt
# !labtools spec minimize py311-labdemo

# %% tags=["verify"]
lines = Path("py311-labdemo.lock.txt").read_text().splitlines()
assert "@EXPLICIT" in lines and all("#" in ln for ln in lines if "://" in ln)
short = labtools("spec", "minimize", "py311-labdemo").stdout
assert "labdemo-extra=" in short and "labdemo=" not in short.replace("labdemo-extra=", "")

# %% [markdown]
# The lock rebuilds the environment exactly, with no solver: `env create --from-lock`
# downloads each URL and checks it against the lock's checksum before anything is
# installed (a mismatch stops, naming the package, and leaves no environment behind).
# `spec check` against the lock then compares every record: version, build, channel, hash.

# %%
# !labtools env create py311-exact --from-lock py311-labdemo.lock.txt --no-compile > /dev/null
# !labtools spec check py311-exact --against py311-labdemo.lock.txt

# %% tags=["verify"]
exact = json.loads(labtools("spec", "check", "py311-exact", "--against",
                            "py311-labdemo.lock.txt", "--json").stdout)
assert exact["drifted"] is False and exact["checked"] == len([ln for ln in lines if "://" in ln])
