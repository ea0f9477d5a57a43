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
# # Anatomy of an environment
#
# An environment is nothing more than a directory, its *prefix*. Everything an
# interpreter can import, every command-line tool it ships and every piece of package
# metadata lives under that one path. "Activating" an environment only puts its `bin/`
# first on `PATH`; the path *is* the state.
#
# We make a small environment from the lab channel and take it apart.

# %%
# !labtools env create py311-labdemo python=3.11 labdemo --no-compile > /dev/null
# !labtools env inspect py311-labdemo

# %% tags=["verify"]
import json
import os
import subprocess
from pathlib import Path

prefix = Path(os.environ["LABTOOLS_ENVS_ROOT"]) / "py311-labdemo"
report = json.loads(subprocess.run(["labtools", "env", "inspect", "py311-labdemo", "--json"],
                                   capture_output=True, text=True, check=True).stdout)["env"]
assert Path(report["prefix"]) == prefix and report["kind"] == "conda"
assert all(report["layout"][d] for d in ("bin", "lib", "include", "conda-meta"))

# %% [markdown]
# The layout is the same for every conda-style manager (conda, mamba, micromamba, pixi):
#
# | folder | holds |
# | --- | --- |
# | `bin/` | the interpreter and the entry points of installed tools (`jupyter`, `pip`, ...) |
# | `lib/` | `pythonX.Y/` with the standard library and `site-packages/`; shared libraries (MKL, CUDA runtime) |
# | `include/` | C headers, for building extension modules |
# | `share/` | data files: Jupyter kernelspecs, man pages, ... |
# | `conda-meta/` | one JSON record per installed package, plus `history` |
#
# Every package left a record in `conda-meta/`, naming its version, build, channel and
# every file it installed:

# %%
# %%bash
cd "$LABTOOLS_ENVS_ROOT/py311-labdemo"
ls
ls conda-meta | head -n 5
python3 -c "import json,glob; r=json.load(open(glob.glob('conda-meta/labdemo-*.json')[0])); print(r['name'], r['version'], r['channel'].split('/')[-1], r['files'])"

# %% [markdown]
# ## Where does an import come from?
#
# When `import x` works in one place and not another, the first question is *which file*
# Python found, and in which environment. `env inspect --why MODULE` answers it; the
# classic `ModuleNotFoundError` gets an explanation that names the `site-packages`
# folder that was searched:

# %%
# !labtools env inspect py311-labdemo --why labdemo | tail -n 1
# !labtools env inspect py311-labdemo --why torch | tail -n 1

# %% [markdown]
# The same answer is one call away in Python. `where_is` classifies what the running
# interpreter finds: the standard library, this environment's `site-packages`, or
# somewhere outside the environment (a user site-packages folder, `PYTHONPATH`, the
# working directory), which is how an import that works in your shell can fail for a
# colleague or a kernel.

# %%
from labtools.envs.inspect import where_is

for module in ("json", "nbformat", "torch"):
    found = where_is(module)
    print(f"{module:<9} {found.where}")

# %% tags=["verify"]
assert where_is("json").where == "stdlib"
assert where_is("nbformat").where == "site-packages" and where_is("nbformat").in_prefix
assert not where_is("torch").found

# %% [markdown]
# ## Activating only changes PATH
#
# `which python` returns the first `python` on `PATH`. Putting the environment's `bin/`
# first is all that `conda activate` does to choose the interpreter:

# %%
# %%bash
env_bin="$LABTOOLS_ENVS_ROOT/py311-labdemo/bin"
command -v labdemo || echo "before: labdemo is not on PATH"
PATH="$env_bin:$PATH"
echo "after:"
which python labdemo | sed "s|$LABTOOLS_ENVS_ROOT|\$ENVS|"
python --version
labdemo

# %% [markdown]
# That is also why tools should start `sys.executable` rather than a bare `python`:
# a bare name is whatever `PATH` says at that moment.
#
# Environments you are done with go away with one command; their kernels (see the
# kernels tutorial) should go first.

# %%
# !labtools env remove py311-labdemo --yes > /dev/null

# %% tags=["verify"]
assert not prefix.exists()
