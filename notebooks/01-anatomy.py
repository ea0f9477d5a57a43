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
# This page inspects the interpreter that is executing it, with `labtools.envs.inspect`.
# Every claim below is checked by an `assert`, so if it stopped being true the handbook
# build would fail instead of publishing a wrong page.

# %%
import os
import shutil
import subprocess
import sys
from pathlib import Path

import labtools
from labtools.envs.inspect import inspect_env, where_is

print("executable :", sys.executable)
print("prefix     :", sys.prefix)
print("base_prefix:", sys.base_prefix)

# %% [markdown]
# `sys.executable` is the interpreter binary, `sys.prefix` the environment it belongs
# to. In a conda environment `sys.prefix == sys.base_prefix`: the interpreter itself was
# installed into the prefix. In a `venv` they differ: the venv borrows the interpreter
# of a base installation and only adds its own `site-packages`.

# %%
report = inspect_env()
assert sys.executable.startswith(sys.prefix), "the interpreter lives inside its prefix"
assert report.prefix == Path(sys.prefix).resolve()
assert report.kind == ("venv" if sys.prefix != sys.base_prefix else report.kind)
print("kind:", report.kind)
for name, present in report.layout.items():
    print(f"  {name + '/':<12} {'present' if present else 'absent'}")

# %% [markdown]
# The layout is the same for every environment manager:
#
# | folder | holds |
# | --- | --- |
# | `bin/` | the interpreter and the entry points of installed tools (`jupyter`, `pip`, ...) |
# | `lib/` | `pythonX.Y/` with the standard library and `site-packages/`; shared libraries (MKL, CUDA runtime) in conda envs |
# | `include/` | C headers, for building extension modules |
# | `share/` | data files: Jupyter kernelspecs, man pages, ... |
# | `conda-meta/` | conda envs only: one JSON record per installed package, plus `history` |
#
# This page runs in the handbook's own environment, a `venv`, so `conda-meta/` is absent
# here; the [environments tutorial](02-create-env.ipynb) builds a conda-style env and finds it.

# %%
assert report.layout["bin"] and report.layout["lib"]
assert report.layout["conda-meta"] == (report.kind == "conda")
site = report.site_packages
assert site is not None and site.name == "site-packages"
assert site.parent.name == f"python{sys.version_info.major}.{sys.version_info.minor}"
print("site-packages:", site)

# %% [markdown]
# ## Where does an import come from?
#
# When `import x` works in one place and not another, the first question is *which file*
# Python found. `where_is` answers it and classifies the answer: the standard library,
# this environment's `site-packages`, or somewhere outside the environment (a user
# site-packages directory, `PYTHONPATH`, the working directory), which is how an import
# that works in your shell can fail for a colleague or a kernel.

# %%
for module in ("json", "nbformat"):
    loc = where_is(module)
    print(f"{module:<10} {loc.where:<15} {loc.origin}")

assert where_is("json").where == "stdlib"
assert where_is("nbformat").where == "site-packages"
assert where_is("nbformat").in_prefix

# %% [markdown]
# A module that is not installed fails with `ModuleNotFoundError`. The fix is never to
# copy files around: find out which environment you are in, and whether the package is in
# *its* `site-packages`.

# %% tags=["raises-exception"]
import torch_that_is_not_installed  # noqa: F401

# %%
missing = where_is("torch_that_is_not_installed")
assert not missing.found
assert str(report.site_packages) in missing.explanation
print(missing.explanation)

# %% [markdown]
# ## Activating only changes PATH
#
# `which python` returns the first `python` on `PATH`. The same command, with this
# environment's `bin/` removed from `PATH`, finds a different interpreter (or none).

# %%
env_bin = str(Path(sys.executable).parent)
with_env = shutil.which("python", path=os.environ["PATH"])
without_env = shutil.which(
    "python", path=os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != env_bin)
)
print("with the env's bin/ on PATH   :", with_env)
print("without the env's bin/ on PATH:", without_env)
assert with_env is not None and Path(with_env).parent == Path(env_bin)
assert without_env is None or Path(without_env).parent != Path(env_bin)

# %% [markdown]
# The interpreter a subprocess gets is decided the same way, which is why tools should
# call `sys.executable` rather than a bare `python`:

# %%
out = subprocess.run(
    [sys.executable, "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True, check=True
)
assert out.stdout.strip() == sys.prefix
print("labtools", labtools.__version__, "ran this page from", sys.prefix)
