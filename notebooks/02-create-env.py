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
# # Create an environment the lab's way
#
# A good environment has a name that tells a colleague what is inside it, is built
# from an agreed set of channels, and either exists completely or not at all. This
# tutorial walks through that procedure with `labtools env`:
#
# 1. derive a name from the package specs,
# 2. create the environment from the lab's channel,
# 3. look inside it and run its Python,
# 4. remove it.
#
# Where the packages come from is set by the *lab profile*, not by flags. Here the
# handbook build prepared an offline channel once and exported its location in
# `LABTOOLS_CHANNELS`; on a real cluster the same variable (or a `labtools.toml`
# checked into the project) points at the team's channel.

# %%
import json
import os
import subprocess
from pathlib import Path


def labtools(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the labtools CLI the way a user would type it."""
    return subprocess.run(["labtools", *args], capture_output=True, text=True, check=check)


profile = json.loads(labtools("profile", "show", "--json").stdout)
print(json.dumps({k: profile[k] for k in ("channels", "backend", "envs_root")}, indent=2))
assert profile["channels"], "the lab profile names at least one channel"
assert profile["sources"]["channels"] == "LABTOOLS_CHANNELS"

# %% [markdown]
# ## 1. A name that says what is inside
#
# `env1` or `test` tell nobody anything a week later. `labtools env name` turns the
# specs into a short, informative name using a fixed abbreviation table (`pytorch` is
# `torch`, `tensorflow` is `tf`, every CUDA flavour is `cuda`, `python` is `py`):

# %%
print(labtools("env", "name", "python=3.11", "pytorch=2.0", "pytorch-cuda=11.8").stdout)
name = labtools("env", "name", "python=3.11", "ipykernel").stdout.strip()
print(name)
assert name == "py311-kernel"

# %% [markdown]
# A vague name is refused with a suggestion (pass `--force-name` if you really mean it):

# %%
vague = labtools("env", "create", "env1", "python=3.11", "ipykernel", check=False)
print(vague.stderr)
assert vague.returncode == 1 and "vague name" in vague.stderr

# %% [markdown]
# ## 2. Create it
#
# The packages come from the channel in the profile. On this machine there is no
# conda, mamba, micromamba or pixi, so `auto` falls back to labtools' built-in engine
# (py-rattler) and says so. The environment is linked into a hidden temporary folder
# next to its final place and renamed only when everything succeeded, so an
# interrupted create leaves nothing half-built behind.

# %%
created = json.loads(labtools("env", "create", name, "python=3.11", "ipykernel",
                              "--json").stdout)
prefix = Path(created["prefix"])
print(created["backend"], "-", created["backend_reason"])
print(len(created["packages"]), "packages in", round(created["seconds"], 1), "s")
assert prefix.is_dir() and prefix.name == name
assert {"python", "ipykernel"} <= {p["name"] for p in created["packages"]}

# %% [markdown]
# ## 3. Look inside
#
# The prefix has the usual layout: `bin/` with the interpreter and entry points,
# `lib/python3.11/site-packages`, `conda-meta/` with one record per package, and
# `share/jupyter/kernels` from ipykernel. `env inspect` also says where each package
# came from (conda record or pip) and answers "why can (or can't) I import this?":

# %%
report = json.loads(labtools("env", "inspect", name, "--why", "ipykernel", "--json").stdout)
origins = {p["origin"] for p in report["packages"]}
print(report["module"]["explanation"])
print("origins:", origins, "warnings:", report["warnings"])
assert report["module"]["found"] and origins == {"conda"}

missing = json.loads(labtools("env", "inspect", name, "--why", "torch", "--json").stdout)
print(missing["module"]["explanation"])
assert not missing["module"]["found"]

# %% [markdown]
# The creation is also recorded in `conda-meta/history` in conda's own format, so the
# specs that were *asked for* (not the 30-odd that came along) can be exported later:

# %%
history = (prefix / "conda-meta" / "history").read_text()
print("\n".join(history.splitlines()[:3] + ["..."] + history.splitlines()[-1:]))
assert "# update specs: ['python=3.11', 'ipykernel']" in history

# %% [markdown]
# Running the environment's own interpreter proves that it is self-contained:
# `sys.prefix` is the environment, not the Python that built it.

# %%
python = prefix / "bin" / "python"
out = subprocess.run([str(python), "-c", "import sys, ipykernel; print(sys.prefix); "
                      "print(ipykernel.__version__)"], capture_output=True, text=True,
                     check=True).stdout.split()
print(out)
assert Path(out[0]) == prefix

# %% [markdown]
# ## 4. Remove it
#
# `env remove` refuses the base installation and any folder that is not an environment;
# `--yes` skips the confirmation question.

# %%
print(labtools("env", "remove", name, "--yes").stdout)
assert not prefix.exists()
listed = json.loads(labtools("env", "list", "--json").stdout)
assert name not in {e["name"] for e in listed}
