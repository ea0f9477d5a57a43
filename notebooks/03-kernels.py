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
# First, an environment with `ipykernel` in it, from the lab channel:

# %%
# !labtools env create py311-demo python=3.11 ipykernel --no-compile > /dev/null

# %% tags=["verify"]
import json
import os
import subprocess
from pathlib import Path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["labtools", *args], capture_output=True, text=True, timeout=180)


env = Path(os.environ["LABTOOLS_ENVS_ROOT"]) / "py311-demo"
assert (env / "bin" / "python").exists() and (env / "conda-meta").is_dir()

# %% [markdown]
# ## Register the environment
#
# `labtools kernel register ENV` accepts an environment name, a prefix or a venv path.
# The kernel is named after the environment, and its display name carries the Python
# version, so the kernel menu says what you are getting.

# %%
# !labtools kernel register py311-demo
# !labtools kernel list

# %% [markdown]
# Look at what was written: `argv[0]` is the environment's **own** interpreter (not
# whatever `python` is on PATH), and the `env` block puts the environment's `bin/` first on
# PATH. That is why no `conda activate` is needed: anything the kernel starts — `pip`,
# `nvcc`, a subprocess — comes from the same environment. `metadata.labtools` remembers
# which environment the kernel belongs to and a fingerprint of its package set.

# %%
# !cat ~/.local/share/jupyter/kernels/py311-demo/kernel.json

# %% tags=["verify"]
listing = json.loads(cli("kernel", "list", "--json").stdout)
demo = next(k for k in listing["kernels"] if k["name"] == "py311-demo")
assert demo["argv"][0] == str(env / "bin" / "python") and demo["env_prefix"] == str(env)
spec = json.loads(Path(demo["resource_dir"], "kernel.json").read_text())
assert spec["env"]["PATH"].startswith(f"{env}/bin:")

# %% [markdown]
# ## Prove it by running code
#
# A kernelspec is only a claim. `labtools kernel verify` starts the kernel through
# jupyter_client, runs a few lines inside it and reports `sys.executable`, `sys.prefix` and
# the version. With `--expect-prefix` it fails when the answer is not the expected one.

# %%
# !labtools kernel verify py311-demo --expect-prefix {env}

# %% tags=["verify"]
assert _exit_code == 0  # noqa: F821

# %% [markdown]
# ## Reproduce the wrong-kernel case
#
# Now the puzzle from the introduction. Someone once installed a kernel with the *same
# name* into a shared folder that Jupyter searches first (here a folder on `JUPYTER_PATH`),
# and it starts a different interpreter — the handbook's own Python, standing in for the
# old 3.9 one. Nothing in the notebook menu looks different.

# %%
# %%bash
mkdir -p shared-jupyter/kernels/py311-demo
cat > shared-jupyter/kernels/py311-demo/kernel.json <<EOF
{"argv": ["$(command -v python3)", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python 3.11 (py311-demo)", "language": "python"}
EOF

# %%
# %env JUPYTER_PATH=shared-jupyter

# %% [markdown]
# `kernel check` sees that the name is defined twice and that the copy in use hides ours.
# It also checks notebooks against the kernels: one asking for a kernel that no longer
# exists, and one last run on Python 3.9 but now attached to a 3.11 kernel (we write both
# with nbformat). Any problem means exit status 1, so the same command is a CI gate.

# %%
import nbformat

for path, kernel in (("analysis-2023.ipynb", "py39-legacy"), ("training.ipynb", "py311-demo")):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel}
    nb.metadata["language_info"] = {"name": "python", "version": "3.9.18"}
    nbformat.write(nb, path)

# %%
# !labtools kernel check py311-demo --notebook analysis-2023.ipynb --notebook training.ipynb

# %% tags=["verify"]
assert _exit_code == 1  # noqa: F821
os.environ["JUPYTER_PATH"] = str(Path("shared-jupyter").absolute())
report = cli("kernel", "check", "py311-demo", "--notebook", "analysis-2023.ipynb",
                  "--notebook", "training.ipynb", "--json")
codes = {p["code"] for p in json.loads(report.stdout)["problems"]}
assert {"shadowed", "notebook-kernel-missing", "version-mismatch"} <= codes, codes

# %% [markdown]
# `kernel verify` gives the decisive answer: the kernel called `py311-demo` runs in a
# different prefix.

# %%
# !labtools kernel verify py311-demo --expect-prefix {env}

# %% tags=["verify"]
assert _exit_code == 1  # noqa: F821

# %% [markdown]
# Inside a notebook, the cheapest defence is a guard in the first cell:
# `labtools.assert_env(...)` raises, with the fix, when the code does not run in the
# expected environment. This page itself runs in the handbook's environment, so the
# guard fires:

# %% tags=["raises-exception"]
import labtools

labtools.assert_env("py311-demo")

# %% [markdown]
# ## Repair and clean up
#
# `kernel remove` deletes the copy in use, the stale one; with the shared folder off
# `JUPYTER_PATH` the name resolves to our kernel again, and `verify` agrees. Removing it
# a second time deletes our registration (the environment itself stays).

# %%
# !labtools kernel remove py311-demo --yes
# %env JUPYTER_PATH=
# !labtools kernel verify py311-demo --expect-prefix {env}

# %% tags=["verify"]
assert _exit_code == 0  # noqa: F821

# %%
# !labtools kernel remove py311-demo --yes
# !labtools env remove py311-demo --yes

# %% tags=["verify"]
names = {k["name"] for k in json.loads(cli("kernel", "list", "--json").stdout)["kernels"]}
assert "py311-demo" not in names and not env.exists()
