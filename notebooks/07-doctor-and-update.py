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
# from outside the env, checks kernelspecs, the GPU driver and the package managers, and
# prints **one fix per problem**. `labtools env update` answers the second: it saves the
# exact package set before touching anything, shows what will change, checks the env
# still works afterwards and puts the old set back by itself when it does not.
#
# We break things on purpose here, in throwaway environments built from the lab's
# offline channel.

# %% tags=["verify"]
import json
import os
import subprocess
import sys
from pathlib import Path


def labtools_json(*args: str, ok: bool = True, env: dict[str, str] | None = None) -> object:
    """What a check needs: the --json answer of a labtools command."""
    done = subprocess.run(["labtools", *args, "--json"], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0 or not ok, done.stderr
    return json.loads(done.stdout)


for leftover in ("py311-doctor", "py311-labcalc", "py311-labcalc-conda"):  # earlier runs
    subprocess.run(["labtools", "env", "remove", leftover, "--yes"], capture_output=True)

# %%
# !labtools env create py311-doctor python ipykernel labdemo --no-compile

# %% [markdown]
# ## 1. A pip package on top of a conda package
#
# The env has `labdemo` 1.0 from the channel. Someone then `pip install`s a newer
# `labdemo` into the same env, from a wheel a colleague shared. pip cannot uninstall a
# conda package, so with `--ignore-installed` it simply writes its files over conda's.
# The import now gets pip's copy while the env's records still claim conda's 1.0.

# %%
import labtools
from labtools.channel.lab import make_wheel

prefix = next(e.prefix for e in labtools.list_envs() if e.name == "py311-doctor")
wheel = make_wheel(Path("wheels"), "labdemo", "2.0",
                   files={"labdemo/__init__.py": "def main():\n    print('the pip copy')\n"})
# !{prefix}/bin/python -m pip install -q --no-index --no-deps --ignore-installed --disable-pip-version-check --root-user-action=ignore {wheel}
# !{prefix}/bin/python -c "import labdemo; labdemo.main()"

# %% [markdown]
# Ask the doctor, with the env activated (its `bin/` first on `PATH` and `CONDA_PREFIX`
# set, which is what `conda activate` does). The exit status is 1 because something is
# wrong; each finding says what and how to fix it.

# %%
os.environ["PATH"] = f"{prefix}/bin{os.pathsep}{os.environ['PATH']}"  # conda activate
os.environ["CONDA_PREFIX"] = str(prefix)
# !labtools doctor --no-kernels --no-tools

# %% tags=["verify"]
report = labtools_json("doctor", "--no-kernels", "--no-tools", ok=False)
by_code = {f["code"]: f for f in report["findings"]}
assert report["ok"] is False and by_code["no-gpu"]["severity"] == "info"
assert by_code["pip-shadows-conda"]["message"].startswith("labdemo in ")
assert f"{prefix}/bin/python -m pip uninstall -y labdemo" in by_code["pip-shadows-conda"]["fix"]

# %% [markdown]
# The same report is available as JSON for scripts: every finding has a stable `code`,
# a `severity` and a `fix`. There is no NVIDIA driver in this sandbox; the doctor says
# so as *information*, not as an error.

# %%
# !labtools doctor --no-kernels --no-tools --json | python -c "import json, sys; print(json.dumps([f for f in json.load(sys.stdin)['findings'] if f['code'] == 'pip-shadows-conda'], indent=2))"

# %% [markdown]
# ## 2. A kernel that runs another interpreter
#
# The classic notebook surprise: the kernel a notebook uses is called after your env,
# but its `kernel.json` starts some other Python. We register the env as a kernel, save
# a notebook that uses it, then point the kernel at the handbook's own interpreter, as
# an old copy-pasted kernelspec would.

# %%
# !labtools kernel register {prefix} --name labdemo
notebook = Path("analysis.ipynb")
notebook.write_text(json.dumps({
    "cells": [], "nbformat": 4, "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "labdemo", "display_name": "labdemo",
                                "language": "python"}}}))
kernels = {k.name: k for k in labtools.list_kernels().kernels if k.shadowed_by is None}
spec_file = Path(kernels["labdemo"].resource_dir) / "kernel.json"
spec = json.loads(spec_file.read_text())
spec["argv"][0] = sys.executable  # the wrong interpreter
spec.get("metadata", {}).pop("labtools", None)
_ = spec_file.write_text(json.dumps(spec))

# %% [markdown]
# `--notebook` makes the doctor start the kernel the notebook names and ask it where it
# really runs (the same probe as `labtools kernel verify`):

# %%
# !labtools doctor --notebook analysis.ipynb --no-tools

# %% tags=["verify"]
report = labtools_json("doctor", "--notebook", "analysis.ipynb", "--no-tools", ok=False)
found = {f["code"]: f for f in report["findings"]}
assert f"labtools kernel register {prefix} --name labdemo" in \
    found["notebook-kernel-elsewhere"]["fix"]

# %% [markdown]
# Apply the fix it printed, and the kernel finding is gone (the pip problem from part 1
# is still there, on purpose):

# %%
# !labtools kernel register {prefix} --name labdemo
# !labtools doctor --notebook analysis.ipynb --no-tools

# %% tags=["verify"]
codes = {f["code"] for f in labtools_json("doctor", "--notebook", "analysis.ipynb",
                                          "--no-tools", ok=False)["findings"]}
assert "notebook-kernel-elsewhere" not in codes and "pip-shadows-conda" in codes

# %% [markdown]
# ## 3. Update, see the plan, roll back
#
# For the update we need a package with releases. A second, tiny channel gets
# `labcalc` 1.0 and a 2.0 whose import fails, the kind of release that ruins a
# `conda update --all`. The env is made from the lab's channel (`$LABTOOLS_CHANNELS`,
# the profile's) and that one.

# %%
for version, body in [("1.0", "def double(x):\n    return 2 * x\n"),
                      ("2.0", "raise ImportError('labcalc 2.0 needs a library this "
                              "machine lacks')\n")]:
    make_wheel(Path("wheels") / version, "labcalc", version,
               files={"labcalc/__init__.py": body})
# !labtools channel init extra
# !labtools channel add-wheel extra wheels/1.0/labcalc-1.0-py3-none-any.whl wheels/2.0/labcalc-2.0-py3-none-any.whl
# !labtools channel index extra
# !labtools env create py311-labcalc python labcalc==1.0 -c $LABTOOLS_CHANNELS -c extra --no-compile

# %% tags=["verify"]
calc_prefix = next(e.prefix for e in labtools.list_envs() if e.name == "py311-labcalc")
before = labtools.Prefix(calc_prefix).package_keys()
assert any(k.startswith("labcalc=1.0=") for k in before)

# %% [markdown]
# `--dry-run` shows the plan and changes nothing. Up- and downgrades are marked, and a
# jump to a new major version gets a warning:

# %%
# !labtools env update py311-labcalc labcalc -c extra --dry-run

# %% tags=["verify"]
dry = labtools_json("env", "update", "py311-labcalc", "labcalc", "-c", "extra", "--dry-run")
assert [(i["name"], i["kind"]) for i in dry["plan"]["items"]] == [("labcalc", "upgraded")]
assert any("jumps a major version" in w for w in dry["plan"]["warnings"])
assert labtools.Prefix(calc_prefix).package_keys() == before

# %% [markdown]
# Now for real. `--yes` skips the question (a terminal would ask). The update saves a
# snapshot, links 2.0, then imports every top-level package with the env's own Python.
# `import labcalc` fails, so the previous package set is put back, and the command exits
# with status 1 naming the culprit:

# %%
# !labtools env update py311-labcalc labcalc -c extra --yes

# %% tags=["verify"]
assert labtools.Prefix(calc_prefix).package_keys() == before
check = subprocess.run([calc_prefix / "bin" / "python", "-c",
                        "import labcalc; print(labcalc.double(21))"],
                       capture_output=True, text=True, check=True)
assert check.stdout.strip() == "42"

# %% [markdown]
# Snapshots stay inside the env, under `conda-meta/labtools-snapshots/`, as explicit
# lock files (`conda create --file SNAPSHOT` rebuilds one by hand). `env snapshots`
# lists them and `env rollback --to ID` restores one exactly whenever you want (not
# only after a failed update):

# %%
# !labtools env snapshots py311-labcalc
snaps = labtools.list_snapshots(calc_prefix)
# !labtools env rollback py311-labcalc --to {snaps[0].id}

# %% tags=["verify"]
assert len(snaps) == 1 and snaps[0].path.suffix == ".txt"
assert labtools.Prefix(calc_prefix).package_keys() == before

# %% [markdown]
# ## 4. An env made by conda is updated by conda
#
# labtools never changes an environment behind its maker's back: an env created with
# `--backend conda` (or mamba, micromamba) is planned, updated, rolled back and removed
# by that tool, from its own `--json` answers. The doctor names each tool's version and
# the solver conda really uses, as conda reports it. The build of this page had the real
# tools (its stamp names them); without conda the cells say so and skip.

# %% tags=["verify"]
tools_dir = os.environ.get("LABTOOLS_REAL_TOOLS")
if tools_dir:  # the handbook's sealed copies; on your machine they are on PATH already
    os.environ["PATH"] = f"{tools_dir}/bin{os.pathsep}{os.environ['PATH']}"

# %% tags=["volatile-output"] language="bash"
# if ! command -v conda > /dev/null; then echo "conda: not installed here"; exit 0; fi
# labtools doctor --no-kernels | grep '^tool'
# labtools env create py311-labcalc-conda python labcalc==1.0 --backend conda -c "$LABTOOLS_CHANNELS" -c extra --no-compile
# labtools env update py311-labcalc-conda labcalc -c extra --yes
# echo "exit status: $?"

# %% tags=["verify"]
if tools_dir:
    conda_env = next(e.prefix for e in labtools.list_envs() if e.name == "py311-labcalc-conda")
    assert labtools.Prefix(conda_env).owner() == "conda"
    assert any(k.startswith("labcalc=1.0=") for k in labtools.Prefix(conda_env).package_keys())
    tools = {t["name"]: t for t in labtools_json("doctor", "--no-kernels",
                                                 ok=False)["facts"]["tools"]}
    assert tools["conda"]["version"] and tools["conda"]["solver"] in ("libmamba", "classic")
    assert tools["mamba"]["version"] and tools["micromamba"]["version"]

# %% [markdown]
# Clean up: remove the envs (each through the tool that made it) and the kernel.

# %%
# !labtools kernel remove labdemo --yes
# !labtools env remove py311-doctor --yes
# !labtools env remove py311-labcalc --yes

# %% tags=["volatile-output"] language="bash"
# if command -v conda > /dev/null; then labtools env remove py311-labcalc-conda --yes; fi

# %% tags=["verify"]
left = {e.name for e in labtools.list_envs()}
assert not {"py311-doctor", "py311-labcalc", "py311-labcalc-conda"} & left
