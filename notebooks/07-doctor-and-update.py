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
# # Diagnose an environment, then update it without fear
#
# Two questions come up again and again in a lab:
#
# * *"It imports fine in my terminal, so why does my notebook get another version?"*
# * *"I ran an update and now nothing imports. How do I get yesterday's env back?"*
#
# `labtools doctor` answers the first: it compares the Pythons in play (the one your
# shell finds, the activated env, a notebook's kernel), looks for packages that sneak in
# from outside the env, checks kernelspecs and the GPU driver, and prints **one fix per
# problem**. `labtools env update` answers the second: it saves the exact package set
# before touching anything, shows what will change, checks the env still works
# afterwards and puts the old set back by itself when it does not.
#
# We break things on purpose here, in throwaway environments built from the lab's
# offline channel.

# %%
import json
import os
import subprocess
import sys
from pathlib import Path


def labtools(*args: str, check: bool = True,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the labtools CLI the way a user would type it."""
    return subprocess.run(["labtools", *args], capture_output=True, text=True, check=check,
                          env=env)


def activated(prefix: Path) -> dict[str, str]:
    """The variables `conda activate` would set: the env's bin first, CONDA_PREFIX."""
    return {**os.environ, "PATH": f"{prefix}/bin{os.pathsep}{os.environ['PATH']}",
            "CONDA_PREFIX": str(prefix)}


for leftover in ("py311-doctor", "py311-labcalc"):  # from an interrupted earlier run
    labtools("env", "remove", leftover, "--yes", check=False)
lab_channel = json.loads(labtools("profile", "show", "--json").stdout)["channels"][0]
created = json.loads(labtools("env", "create", "py311-doctor", "python", "pip",
                              "ipykernel", "labdemo", "--no-compile", "--json").stdout)
prefix = Path(created["prefix"])
python = prefix / "bin" / "python"
print(f"created {prefix.name} with {len(created['packages'])} packages")

# %% [markdown]
# ## 1. A pip package on top of a conda package
#
# The env has `labdemo` 1.0 from the channel. Someone then `pip install`s a newer
# `labdemo` into the same env, from a wheel a colleague shared. pip cannot uninstall a
# conda package, so with `--ignore-installed` it simply writes its files over conda's.
# The import now gets pip's copy while the env's records still claim conda's 1.0.

# %%
from labtools.channel.lab import make_wheel

wheel = make_wheel(Path("wheels"), "labdemo", "2.0",
                   files={"labdemo/__init__.py": "def main():\n    print('the pip copy')\n"})
subprocess.run([python, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                "--ignore-installed", "--disable-pip-version-check", "--root-user-action=ignore",
                wheel], check=True)
print(subprocess.run([python, "-c", "import labdemo; labdemo.main()"],
                     capture_output=True, text=True).stdout)

# %% [markdown]
# Ask the doctor, with the env activated (here: its `bin/` first on `PATH` and
# `CONDA_PREFIX` set, which is what `conda activate` does). The exit status is 1
# because something is wrong; each finding says what and how to fix it.

# %%
doctor = labtools("doctor", "--no-kernels", check=False, env=activated(prefix))
print(doctor.stdout)
assert doctor.returncode == 1
assert "pip-shadows-conda: labdemo" in doctor.stdout
assert f"{python} -m pip uninstall -y labdemo" in doctor.stdout

# %% [markdown]
# The same report is available as JSON for scripts: every finding has a stable `code`,
# a `severity` and a `fix`. There is no NVIDIA driver in this sandbox; the doctor says
# so as *information*, not as an error.

# %%
report = json.loads(labtools("doctor", "--no-kernels", "--json", check=False,
                             env=activated(prefix)).stdout)
by_code = {f["code"]: f for f in report["findings"]}
print(json.dumps(by_code["pip-shadows-conda"], indent=2))
assert report["ok"] is False
assert by_code["no-gpu"]["severity"] == "info"

# %% [markdown]
# ## 2. A kernel that runs another interpreter
#
# The classic notebook surprise: the kernel a notebook uses is called after your env,
# but its `kernel.json` starts some other Python. We register the env as a kernel, save
# a notebook that uses it, then point the kernel at the handbook's own interpreter, as
# an old copy-pasted kernelspec would.

# %%
labtools("kernel", "register", str(prefix), "--name", "labdemo")
notebook = Path("analysis.ipynb")
notebook.write_text(json.dumps({
    "cells": [], "nbformat": 4, "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "labdemo", "display_name": "labdemo",
                                "language": "python"}}}))
listing = json.loads(labtools("kernel", "list", "--json").stdout)
kernels = {k["name"]: k for k in listing["kernels"] if k["shadowed_by"] is None}
spec_file = Path(kernels["labdemo"]["resource_dir"]) / "kernel.json"
spec = json.loads(spec_file.read_text())
spec["argv"][0] = sys.executable  # the wrong interpreter
spec.get("metadata", {}).pop("labtools", None)
_ = spec_file.write_text(json.dumps(spec))

# %% [markdown]
# `--notebook` makes the doctor start the kernel the notebook names and ask it where it
# really runs (the same probe as `labtools kernel verify`):

# %%
doctor = labtools("doctor", "--notebook", str(notebook), check=False, env=activated(prefix))
print(doctor.stdout)
assert "notebook-kernel-elsewhere" in doctor.stdout
assert f"labtools kernel register {prefix} --name labdemo" in doctor.stdout

# %% [markdown]
# Apply the fix it printed, and the kernel finding is gone (the pip problem from part 1
# is still there, on purpose):

# %%
labtools("kernel", "register", str(prefix), "--name", "labdemo")
doctor = labtools("doctor", "--notebook", str(notebook), "--json", check=False,
                  env=activated(prefix))
codes = {f["code"] for f in json.loads(doctor.stdout)["findings"]}
print(sorted(codes))
assert "notebook-kernel-elsewhere" not in codes and "pip-shadows-conda" in codes

# %% [markdown]
# ## 3. Update, see the plan, roll back
#
# For the update we need a package with releases. A second, tiny channel gets
# `labcalc` 1.0 and a 2.0 whose import fails, the kind of release that ruins a
# `conda update --all`.

# %%
wheels = [make_wheel(Path("wheels") / v, "labcalc", v, files={"labcalc/__init__.py": body})
          for v, body in [("1.0", "def double(x):\n    return 2 * x\n"),
                          ("2.0", "raise ImportError('labcalc 2.0 needs a library "
                                  "this machine lacks')\n")]]
labtools("channel", "init", "extra")
labtools("channel", "add-wheel", "extra", *map(str, wheels))
labtools("channel", "index", "extra")
calc = json.loads(labtools("env", "create", "py311-labcalc", "python", "labcalc==1.0",
                           "-c", lab_channel, "-c", "extra", "--no-compile", "--json").stdout)
calc_prefix = Path(calc["prefix"])
before = sorted((calc_prefix / "conda-meta").glob("*.json"))
print([p.name for p in before])

# %% [markdown]
# `--dry-run` shows the plan and changes nothing. Up- and downgrades are marked, and a
# jump to a new major version gets a warning:

# %%
plan = labtools("env", "update", "py311-labcalc", "labcalc", "-c", "extra", "--dry-run")
print(plan.stdout, plan.stderr)
assert "^ labcalc" in plan.stdout and "1.0" in plan.stdout and "2.0" in plan.stdout
assert "jumps a major version" in plan.stderr

# %% [markdown]
# Now for real. `--yes` skips the question (a terminal would ask). The update saves a
# snapshot, links 2.0, then imports every top-level package with the env's own Python.
# `import labcalc` fails, so the previous package set is put back, and the command exits
# with status 1 naming the culprit:

# %%
update = labtools("env", "update", "py311-labcalc", "labcalc", "-c", "extra", "--yes",
                  check=False)
print(update.stdout, update.stderr)
assert update.returncode == 1
assert "rolled back exactly" in update.stdout and "labcalc 2.0 needs" in update.stderr
assert sorted((calc_prefix / "conda-meta").glob("*.json")) == before
check = subprocess.run([calc_prefix / "bin" / "python", "-c",
                        "import labcalc; print(labcalc.double(21))"],
                       capture_output=True, text=True, check=True)
assert check.stdout.strip() == "42"

# %% [markdown]
# Snapshots stay inside the env, under `conda-meta/labtools-snapshots/`, as explicit
# lock files. `env snapshots` lists them and `env rollback --to ID` restores one exactly
# whenever you want (not only after a failed update):

# %%
print(labtools("env", "snapshots", "py311-labcalc").stdout)
snaps = json.loads(labtools("env", "snapshots", "py311-labcalc", "--json").stdout)
assert len(snaps) == 1 and snaps[0]["path"].endswith(".txt")
print(labtools("env", "rollback", "py311-labcalc", "--to", snaps[0]["id"]).stdout)

# %% [markdown]
# Clean up: remove both envs and the kernel.

# %%
labtools("kernel", "remove", "labdemo", "--yes")
for name in ("py311-doctor", "py311-labcalc"):
    labtools("env", "remove", name, "--yes")
assert not prefix.exists() and not calc_prefix.exists()
