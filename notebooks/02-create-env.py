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
# 4. do the same with conda, mamba and micromamba, and compare,
# 5. remove what we made.
#
# Where the packages come from is set by the *lab profile*, not by flags. Here the
# handbook build prepared an offline channel and put its location in
# `LABTOOLS_CHANNELS`; on a cluster the same variable (or a `labtools.toml` checked into
# the project) points at the team's channel.

# %% tags=["verify"]
import json
import os
import subprocess
from pathlib import Path


def labtools_json(*args: str) -> object:
    """What a check needs: the --json answer of a read-only labtools command."""
    done = subprocess.run(["labtools", *args, "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def keys(prefix: Path) -> set[str]:
    return {f"{p['name']}={p['version']}={p['build']}"
            for p in labtools_json("env", "inspect", str(prefix))["packages"]}


profile = labtools_json("profile", "show")
assert profile["channels"] and profile["sources"]["channels"] == "LABTOOLS_CHANNELS"

# %%
# !labtools profile show

# %% [markdown]
# ## 1. A name that says what is inside
#
# `env1` or `test` tell nobody anything a week later. `labtools env name` turns the
# specs into a short, informative name using a fixed abbreviation table (`pytorch` is
# `torch`, `tensorflow` is `tf`, every CUDA flavour is `cuda`, `python` is `py`):

# %%
# !labtools env name python=3.11 pytorch=2.0 pytorch-cuda=11.8
# !labtools env name python=3.11 ipykernel

# %% [markdown]
# A vague name is refused with a suggestion (pass `--force-name` if you really mean it):

# %%
# !labtools env create env1 python=3.11 ipykernel

# %% tags=["verify"]
vague = subprocess.run(["labtools", "env", "create", "env1", "python=3.11", "ipykernel"],
                       capture_output=True, text=True)
assert vague.returncode == 1 and "vague name" in vague.stderr
assert labtools_json("env", "name", "python=3.11", "ipykernel")["name"] == "py311-kernel"

# %% [markdown]
# ## 2. Create it
#
# The packages come from the channel in the profile, and the profile here also names
# the backend: labtools' built-in engine (py-rattler), which needs no conda at all. The
# environment is linked into a hidden folder next to its final place and renamed only
# when everything succeeded; the create holds a lock on the name, so a second create of
# the same name waits and then says the name is taken, and Ctrl-C leaves nothing behind.
# Because conda's `add_pip_as_python_dependency` is on by default, pip comes along with
# python, exactly as with conda.

# %%
# !labtools env create py311-kernel python=3.11 ipykernel

# %% tags=["verify"]
prefix = Path(labtools_json("env", "inspect", "py311-kernel")["env"]["prefix"])
assert prefix.is_dir() and prefix.name == "py311-kernel"
assert {"python", "ipykernel", "pip"} <= {k.split("=")[0] for k in keys(prefix)}

# %% [markdown]
# ## 3. Look inside
#
# The prefix has the usual layout: `bin/` with the interpreter and entry points,
# `lib/python3.11/site-packages`, `conda-meta/` with one record per package, and
# `share/jupyter/kernels` from ipykernel. `env inspect` also says where each package
# came from (conda record or pip) and answers "why can (or can't) I import this?":

# %%
# !labtools env inspect py311-kernel --why ipykernel

# %%
# !labtools env inspect py311-kernel --why torch

# %% tags=["verify"]
report = labtools_json("env", "inspect", "py311-kernel", "--why", "ipykernel")
assert report["module"]["found"] and {p["origin"] for p in report["packages"]} == {"conda"}
assert not labtools_json("env", "inspect", "py311-kernel", "--why", "torch")["module"]["found"]

# %% [markdown]
# The creation is recorded in `conda-meta/history` in conda's own format, so the specs
# that were *asked for* (not the 30-odd that came along) can be exported later:

# %%
import labtools

prefix = next(e.prefix for e in labtools.list_envs() if e.name == "py311-kernel")
# !head -n 3 {prefix}/conda-meta/history
# !tail -n 1 {prefix}/conda-meta/history

# %% [markdown]
# Running the environment's own interpreter proves that it is self-contained:
# `sys.prefix` is the environment, not the Python that built it.

# %%
# !{prefix}/bin/python -c "import sys, ipykernel; print(sys.prefix, ipykernel.__version__)"

# %% tags=["verify"]
assert "# update specs: ['python=3.11', 'ipykernel']" in (prefix / "conda-meta" / "history"
                                                          ).read_text()
out = subprocess.run([prefix / "bin" / "python", "-c", "import sys; print(sys.prefix)"],
                     capture_output=True, text=True, check=True).stdout.strip()
assert Path(out) == prefix

# %% [markdown]
# ## 4. The same with conda, mamba and micromamba
#
# Most labs already use conda, mamba or micromamba. `--backend` hands the same request
# to one of them: labtools runs the real tool (with `--json`, so it reads the tool's own
# answer), and the environment then belongs to that tool: later installs, updates,
# rollbacks and the removal go through it too. The build of this page had all three
# (the verification stamp at the top names their versions); on a machine without one,
# the loop says so and goes on.

# %% tags=["verify"]
tools_dir = os.environ.get("LABTOOLS_REAL_TOOLS")
if tools_dir:  # the handbook's sealed copies; on your machine they are on PATH already
    os.environ["PATH"] = f"{tools_dir}/bin{os.pathsep}{os.environ['PATH']}"

# %% tags=["volatile-output"] language="bash"
# for tool in conda mamba micromamba; do
#     if ! command -v $tool > /dev/null; then echo "$tool: not installed here"; continue; fi
#     labtools env create py311-labdemo-$tool python labdemo --backend $tool
# done
# %% [markdown]
# All of them read the same way (`env inspect`, `spec export`, kernels), and from the
# same channel they install the same packages, build for build:

# %% tags=["volatile-output"] language="bash"
# labtools env list
# for tool in mamba micromamba; do
#     if command -v $tool > /dev/null; then
#         labtools spec diff py311-labdemo-conda py311-labdemo-$tool
#     fi
# done
# %% tags=["verify"]
made = {e["name"]: Path(e["prefix"]) for e in labtools_json("env", "list")}
reference = keys(made["py311-labdemo-conda"]) if "py311-labdemo-conda" in made else None
for tool in ("conda", "mamba", "micromamba"):
    if tools_dir:
        assert f"py311-labdemo-{tool}" in made, f"{tool} made no env"
    if f"py311-labdemo-{tool}" in made:
        env = made[f"py311-labdemo-{tool}"]
        assert keys(env) == reference and {"python", "labdemo", "pip"} <= {
            k.split("=")[0] for k in keys(env)}
        first = (env / "conda-meta" / "history").read_text().splitlines()[1]
        assert first.startswith("# cmd: ") and tool in first.split()[2]  # the tool's own

# %% [markdown]
# One real difference between the tools is visible in their history (conda's and
# micromamba's below): each writes its own `# cmd:` line and a `# conda version`
# (micromamba's is a conda version of its own), and each records in `# update specs`
# what it was asked for, pip included. labtools reads all of them.

# %% tags=["volatile-output"]
for env in labtools.list_envs():
    if env.name in ("py311-labdemo-conda", "py311-labdemo-micromamba"):
        print(f"== {env.name}")
        print("\n".join(labtools.Prefix(env.prefix).history_text().splitlines()[:3]))

# %% [markdown]
# ## 5. Remove them
#
# `env remove` refuses the base installation and any folder that is not an environment;
# an environment made by a tool is removed by that tool. `--yes` skips the question.

# %%
# !labtools env remove py311-kernel --yes

# %% tags=["volatile-output"] language="bash"
# for tool in conda mamba micromamba; do
#     if command -v $tool > /dev/null; then labtools env remove py311-labdemo-$tool --yes; fi
# done
# %% tags=["verify"]
assert not prefix.exists()
left = {e["name"] for e in labtools_json("env", "list")}
assert not {"py311-kernel", "py311-labdemo-conda", "py311-labdemo-mamba",
            "py311-labdemo-micromamba"} & left
