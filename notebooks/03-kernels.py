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
# # Kernels: which Python does the notebook really run?
#
# A classic lab puzzle: `import torch` succeeds in the terminal, yet the same line fails in
# Jupyter. The terminal and the notebook are simply not using the same interpreter: the
# notebook is attached to a *kernel*, and a kernel is nothing more than a small
# `kernel.json` file naming a program to start. If that file points at an old Python 3.9,
# the notebook runs Python 3.9, whatever the shell has activated.
#
# This tutorial registers an environment as a kernel, proves by running code which
# interpreter the kernel starts, then breaks things on purpose and lets labtools find out.
#
# We work in a scratch folder. The environment is a plain **venv** here: `labtools env
# create` (rattler, from the lab channel) was not available when this page was written,
# and a venv shows exactly the same kernel mechanics. To stay offline and fast, the venv
# borrows ipykernel from the project's environment through a `.pth` file; a real lab
# environment would simply have `ipykernel` among its packages. With a lab channel
# configured, `labtools env create py311-demo python=3.11 ipykernel` gives a conda
# environment, and every command below works on it unchanged (ENV can be its name).

# %%
import json
import os
import sys
import sysconfig
from pathlib import Path

from labtools import process


def sh(*args: str, show: bool = True) -> process.Completed:
    """Run a labtools command, show what it printed, return the result."""
    done = process.run(["labtools", *args], check=False, timeout=120)
    if show:
        print(f"$ labtools {' '.join(args)}   [exit {done.returncode}]")
        print((done.stdout + done.stderr).strip())
    return done


env = Path("envs/py311-demo").absolute()
process.run([sys.executable, "-m", "venv", "--without-pip", env], timeout=120)
site_dir = next((env / "lib").glob("python3.*")) / "site-packages"
(site_dir / "borrow_ipykernel.pth").write_text(
    f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n"
)
assert (env / "bin" / "python").exists() and (env / "pyvenv.cfg").exists()

# %% [markdown]
# ## Register the environment
#
# `labtools kernel register ENV` accepts an environment name, a conda-style prefix or a
# venv path. The kernel is named after the environment, and its display name carries the
# Python version, so the kernel menu says what you are getting.

# %%
done = sh("kernel", "register", str(env))
assert done.returncode == 0

sh("kernel", "list")
listing = json.loads(sh("kernel", "list", "--json", show=False).stdout)
demo = next(k for k in listing["kernels"] if k["name"] == "py311-demo")
assert demo["argv"][0] == str(env / "bin" / "python")
assert demo["env_prefix"] == str(env)
assert demo["display_name"].startswith("Python 3.")

# %% [markdown]
# Look at what was written: `argv[0]` is the environment's **own** interpreter (not
# whatever `python` is on PATH), and the `env` block puts the environment's `bin/` first on
# PATH. That is why no `conda activate` is needed: anything the kernel starts — `pip`,
# `nvcc`, a subprocess — comes from the same environment. `metadata.labtools` remembers
# which environment the kernel belongs to and a fingerprint of its package set.

# %%
spec = json.loads(Path(demo["resource_dir"], "kernel.json").read_text())
print(json.dumps({k: spec[k] for k in ("argv", "env")}, indent=1))
assert spec["env"]["PATH"].startswith(f"{env}/bin:")
assert spec["metadata"]["labtools"]["env"] == str(env)

# %% [markdown]
# ## Prove it by running code
#
# A kernelspec is only a claim. `labtools kernel verify` starts the kernel through
# jupyter_client, runs a few lines inside it and reports `sys.executable`, `sys.prefix` and
# the version. With `--expect-prefix` it also fails when the answer is not the expected one.

# %%
done = sh("kernel", "verify", "py311-demo", "--expect-prefix", str(env), "--json")
proof = json.loads(done.stdout)
assert done.returncode == 0 and proof["matches"] is True
assert Path(proof["prefix"]) == env

# %% [markdown]
# ## Reproduce the wrong-kernel case
#
# Now the puzzle from the introduction. Someone once installed a kernel with the *same
# name* into a shared folder that Jupyter searches first (here a folder on `JUPYTER_PATH`),
# and it starts a different interpreter — the project's own Python, standing in for the
# old 3.9 one. Nothing in the notebook menu looks different.

# %%
stale = Path("shared-jupyter/kernels/py311-demo").absolute()
stale.mkdir(parents=True)
stale.joinpath("kernel.json").write_text(json.dumps({
    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
    "display_name": "Python 3.11 (py311-demo)",
    "language": "python",
}))
os.environ["JUPYTER_PATH"] = str(stale.parent.parent)

# %% [markdown]
# `kernel check` sees that the name is defined twice and that the copy in use hides ours.
# It also checks notebooks against the kernels: one asking for a kernel that no longer
# exists, and one last run on Python 3.9 but now attached to a 3.11 kernel. Any problem
# means exit status 1, so the same command works as a CI gate.

# %%
def notebook(path: str, kernel: str, version: str) -> str:
    Path(path).write_text(json.dumps({
        "cells": [], "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": kernel, "display_name": kernel},
                     "language_info": {"name": "python", "version": version}},
    }))
    return path


old = notebook("analysis-2023.ipynb", "py39-legacy", "3.9.18")
moved = notebook("training.ipynb", "py311-demo", "3.9.18")
done = sh("kernel", "check", "py311-demo", "--notebook", old, "--notebook", moved)
assert done.returncode == 1
report = sh("kernel", "check", "py311-demo", "--notebook", old, "--notebook", moved,
            "--json", show=False)
codes = {p["code"] for p in json.loads(report.stdout)["problems"]}
assert {"shadowed", "notebook-kernel-missing", "version-mismatch"} <= codes

# %% [markdown]
# `kernel verify` gives the decisive answer: the kernel called `py311-demo` runs in a
# different prefix.

# %%
done = sh("kernel", "verify", "py311-demo", "--expect-prefix", str(env), "--json")
assert done.returncode == 1
assert json.loads(done.stdout)["matches"] is False
assert "not in" in done.stderr

# %% [markdown]
# Inside a notebook, the cheapest defence is a guard in the first cell:
# `labtools.assert_env(...)` raises, with the fix, when the code does not run in the
# expected environment. This page itself runs in the project's environment, so the guard
# fires:

# %% tags=["raises-exception"]
import labtools

labtools.assert_env(env)

# %% [markdown]
# ## Repair and clean up
#
# Removing the stale copy makes the name resolve to our kernel again; `verify` agrees.
# Finally `kernel remove` deletes the registration (the environment itself stays).

# %%
sh("kernel", "remove", "py311-demo", "--yes")  # removes the copy in use: the stale one
del os.environ["JUPYTER_PATH"]
done = sh("kernel", "verify", "py311-demo", "--expect-prefix", str(env))
assert done.returncode == 0

done = sh("kernel", "remove", "py311-demo", "--yes")
assert done.returncode == 0
listing = json.loads(sh("kernel", "list", "--json", show=False).stdout)
names = {k["name"] for k in listing["kernels"]}
assert "py311-demo" not in names
