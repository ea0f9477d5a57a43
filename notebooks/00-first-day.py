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
# # Your first day
#
# This is the whole workflow of the handbook on one page, the way a new lab member
# lives it on day one: create a named environment, register it as a Jupyter kernel,
# run a notebook in it, write down exactly what it contains, rebuild it from that
# record and check that nothing drifted, and finally reach a Jupyter server on a
# remote machine through an SSH tunnel.
#
# Everything here runs against the lab's offline conda channel and its "GPU box",
# which the handbook build sets up through the labtools profile, exactly as your real
# lab is described in your `labtools.toml`. The later pages explain each step in depth.
# First, what does labtools know about this lab?

# %%
# !labtools profile show

# %% [markdown]
# ## 1. A named environment
#
# Names carry information (`py311-torch20-cuda118`, never `env1`): labtools derives
# one from what goes in, and `env create` refuses vague names.

# %%
# !labtools env name python=3.11 ipykernel

# %%
# !labtools env create test python

# %% tags=["verify"]
assert _exit_code == 1, "a vague name must be refused"  # noqa: F821

# %%
# !labtools env create py311-kernel python=3.11 ipykernel

# %% tags=["verify"]
import json
import os
import subprocess
from pathlib import Path


def labtools_json(*args: str) -> dict:
    done = subprocess.run(["labtools", *args, "--json"], capture_output=True, text=True,
                          check=True, timeout=300)
    return json.loads(done.stdout)


prefix = Path(os.environ["LABTOOLS_ENVS_ROOT"]) / "py311-kernel"
assert (prefix / "conda-meta").is_dir() and (prefix / "bin" / "python").exists()

# %% [markdown]
# ## 2. Its kernel, proven
#
# Registering writes a kernelspec whose interpreter is the environment's own `python`.
# `kernel verify` then starts the kernel and asks it where it really runs.

# %%
# !labtools kernel register py311-kernel
# !labtools kernel verify py311-kernel

# %% tags=["verify"]
assert Path(labtools_json("kernel", "verify", "py311-kernel")["prefix"]) == prefix

# %% [markdown]
# ## 3. A notebook that runs in it
#
# A notebook records the kernel it wants by name. Executed with that kernel, its code
# runs in the new environment, not in the one that launched Jupyter. Here we write a
# two-line notebook and execute it with `jupyter execute`, as you would on a server.

# %%
import nbformat

analysis = nbformat.v4.new_notebook()
analysis.cells = [nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)")]
analysis.metadata["kernelspec"] = {"name": "py311-kernel", "display_name": "py311-kernel"}
nbformat.write(analysis, "analysis.ipynb")

# %%
# !jupyter execute --inplace analysis.ipynb 2>/dev/null
# !labtools kernel check py311-kernel --notebook analysis.ipynb

# %%
print("the notebook ran in:", nbformat.read("analysis.ipynb", 4).cells[0].outputs[0]["text"])

# %% tags=["verify"]
ran_in = nbformat.read("analysis.ipynb", 4).cells[0].outputs[0]["text"].strip()
assert Path(ran_in) == prefix, ran_in

# %% [markdown]
# ## 4. Write it down, rebuild it, compare
#
# `spec export` records the channels, the exact versions and any pip packages, in the
# layout of `conda env export` (without the machine-specific `prefix:` line and build
# strings). A colleague, or CI, recreates the environment from that file, and
# `spec diff` proves the copy holds the same packages.

# %%
# !labtools spec export py311-kernel --out environment.yml
# !head -n 8 environment.yml

# %%
# !labtools env create py311-kernel-copy --file environment.yml
# !labtools spec diff py311-kernel py311-kernel-copy

# %% tags=["verify"]
spec_text = Path("environment.yml").read_text()
assert "ipykernel=" in spec_text and "prefix:" not in spec_text
done = subprocess.run(["labtools", "spec", "diff", "py311-kernel", "py311-kernel-copy"],
                      capture_output=True, text=True, timeout=120)
assert done.returncode == 0 and "no difference" in done.stdout

# %% [markdown]
# ## 5. Jupyter on the GPU box, through a tunnel
#
# The lab's remote machine is reached by its `~/.ssh/config` alias (`lab-gpu` here).
# In a terminal you would run `labtools jupyter remote lab-gpu` and open the URL it
# prints. From Python, `remote_jupyter` does the same: it starts `jupyter server` on the
# remote bound to 127.0.0.1 with a fresh token, tunnels to it, and stops both when the
# block ends. Nothing listens on a public interface, and the token never appears here.

# %%
import urllib.request

from labtools.remote import remote_jupyter

with remote_jupyter("lab-gpu", allow_root=os.geteuid() == 0, timeout=90) as live:
    request = urllib.request.Request(live.server.url.rstrip("/") + "/api/status")
    request.add_header("Authorization", f"token {live.server.token_file.read_text().strip()}")
    with urllib.request.urlopen(request, timeout=10) as response:
        print("the remote Jupyter server answered", response.status)

# %% tags=["verify"]
assert response.status == 200 and live.server.url.startswith("http://127.0.0.1:")

# %% [markdown]
# ## Tidy up
#
# Environments and kernels you no longer need are removed with one command each.

# %%
# !labtools kernel remove py311-kernel --yes
# !labtools env remove py311-kernel --yes
# !labtools env remove py311-kernel-copy --yes

# %% tags=["verify"]
assert not prefix.exists()
