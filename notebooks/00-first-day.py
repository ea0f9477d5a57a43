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
# Everything here runs against the lab's offline conda channel and its loopback "GPU
# box", which the handbook build sets up through the labtools profile, exactly as your
# real lab is described in your `labtools.toml`. Each step is a `labtools` command; the
# later pages explain each one in depth.

# %%
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path


def labtools(*args: str, ok: bool = True, show: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one labtools command as you would in a terminal, and show what it printed."""
    done = subprocess.run(["labtools", *args], capture_output=True, text=True, timeout=600)
    print(f"$ labtools {' '.join(args)}")
    if show:
        print((done.stdout + done.stderr).rstrip())
    if ok:
        assert done.returncode == 0, done.stderr
    return done


_ = labtools("profile", "show")

# %% [markdown]
# ## 1. A named environment
#
# Names carry information (`py311-torch20-cuda118`, never `env1`): labtools derives
# one from what goes in, and `env create` refuses vague names.

# %%
name = labtools("env", "name", "python=3.11", "ipykernel").stdout.strip()
assert name == "py311-kernel"
vague = labtools("env", "create", "test", "python", ok=False)
assert vague.returncode == 1 and "vague" in vague.stderr

# %%
created = json.loads(
    labtools("env", "create", name, "python=3.11", "ipykernel", "--json", show=False).stdout
)
prefix = Path(created["prefix"])
print("backend:", created["backend"], "| packages:", len(created["packages"]))
assert (prefix / "conda-meta").is_dir() and (prefix / "bin" / "python").exists()

# %% [markdown]
# ## 2. Its kernel, proven
#
# Registering writes a kernelspec whose interpreter is the environment's own `python`.
# `kernel verify` then starts the kernel and asks it where it really runs.

# %%
_ = labtools("kernel", "register", name)
verified = json.loads(labtools("kernel", "verify", name, "--expect-prefix", str(prefix),
                               "--json").stdout)
assert Path(verified["prefix"]) == prefix

# %% [markdown]
# ## 3. A notebook that runs in it
#
# A notebook records the kernel it wants by name. Executed with that kernel, its code
# runs in the new environment, not in the one that launched Jupyter.

# %%
import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

analysis = nbformat.v4.new_notebook()
analysis.cells = [nbformat.v4.new_code_cell("import sys, ipykernel\nprint(sys.prefix)")]
analysis.metadata["kernelspec"] = {"name": name, "display_name": name, "language": "python"}
# (the kernel's own stderr only carries ipykernel's start-up chatter)
NotebookClient(analysis, kernel_name=name, timeout=120).execute(stderr=subprocess.DEVNULL)
ran_in = analysis.cells[0].outputs[0]["text"].strip()
nbformat.write(analysis, "analysis.ipynb")
print("the notebook ran in:", ran_in)
assert Path(ran_in) == prefix
_ = labtools("kernel", "check", name, "--notebook", "analysis.ipynb")

# %% [markdown]
# ## 4. Write it down, rebuild it, compare
#
# `spec export` records the channels, the exact versions and any pip packages, in the
# layout of `conda env export` (without the machine-specific `prefix:` line and build
# strings). A colleague, or CI, recreates the environment from that file.

# %%
_ = labtools("spec", "export", name, "--out", "environment.yml")
spec_text = Path("environment.yml").read_text()
print(spec_text)
assert "ipykernel=" in spec_text and "prefix:" not in spec_text

# %%
copy = f"{name}-copy"
_ = labtools("env", "create", copy, "--file", "environment.yml")
same = labtools("spec", "diff", name, copy)
assert "no difference" in same.stdout

# %% [markdown]
# ## 5. Jupyter on the GPU box, through a tunnel
#
# The lab's remote machine is reached by its `~/.ssh/config` alias. labtools starts
# `jupyter server` there bound to 127.0.0.1 with a fresh token, tunnels to it, and
# stops it again when the session ends. Nothing listens on a public interface, and the
# token never appears on this page.

# %%
from labtools.remote import remote_jupyter  # noqa: E402

host = os.environ["LABTOOLS_REMOTE_HOST"]
with remote_jupyter(host, allow_root=os.geteuid() == 0, timeout=90) as live:
    server = live.server
    request = urllib.request.Request(server.url.rstrip("/") + "/api/status")
    request.add_header("Authorization", f"token {server.token_file.read_text().strip()}")
    with urllib.request.urlopen(request, timeout=10) as response:
        status = response.status
    print("remote Jupyter answered", status, "through", server.url)
assert status == 200 and server.url.startswith("http://127.0.0.1:")

# %% [markdown]
# ## Tidy up
#
# Environments and kernels you no longer need are removed with one command each.

# %%
_ = labtools("kernel", "remove", name, "--yes")
for env in (name, copy):
    _ = labtools("env", "remove", env, "--yes")
assert not prefix.exists()
print("done on", sys.version.split()[0])
