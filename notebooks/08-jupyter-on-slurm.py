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
# # Jupyter on the cluster
#
# On a cluster the GPUs and the big memory sit on compute nodes that Slurm hands out;
# the login node you `ssh` into is shared by everyone and is no place for a notebook.
# The usual way there is long: write a batch script that starts Jupyter, `sbatch` it,
# poll `squeue` until it runs, dig the node name and port out of its log, build a
# tunnel through the login node to that node, copy the token. Many labs skip it and run
# Jupyter on the login node, or bind it to `0.0.0.0` on the compute node, where anyone
# on the cluster network can try the token.
#
# `labtools jupyter remote HOST --slurm` does the whole procedure from your laptop, with
# nothing installed on the cluster but Slurm, ssh and your environment's jupyter_server:
#
# 1. over **one** ssh connection to the login node it checks the environment, writes a
#    fresh token into a file only you can read, and submits a batch job;
# 2. on the compute node the job binds Jupyter to the node's address *on the cluster
#    network* (what Slurm calls its `NodeAddr`; never `0.0.0.0`) and a free port, waits
#    until the server answers, and writes node and port into a private file in your home;
# 3. labtools opens a tunnel laptop → login node → compute node that listens on
#    `127.0.0.1` only, checks the server through it with the token, and prints the URL.
#
# Ctrl-C (or closing the terminal) cancels the job: no forgotten job burns your
# allocation. This page runs against a real Slurm cluster that the handbook build started:
# `slurmctld`, `slurmd` and `munge` from Debian's packages, one node (`node01`), and an
# SSH login node your `~/.ssh/config` calls `lab-cluster`.

# %% tags=["verify"]
import json
import os
import subprocess
from pathlib import Path

if "LABTOOLS_SLURM_HOST" not in os.environ:
    raise RuntimeError("this tutorial needs the sandbox's Slurm cluster, which did not start: "
                       + os.environ.get("LABTOOLS_SLURM_UNAVAILABLE", "unknown reason"))
CLUSTER = os.environ["LABTOOLS_SLURM_HOST"]
assert CLUSTER == "lab-cluster"

# %% [markdown]
# ## The cluster
#
# What the login node sees: one partition, `debug`, with one idle node. (`-F
# ~/.ssh/config` is only needed here because this page's HOME is a sandbox; in your own
# terminal `ssh lab-cluster sinfo` is enough.)

# %%
# !ssh -F ~/.ssh/config lab-cluster sinfo

# %% [markdown]
# ## Start Jupyter in a job
#
# The options are Slurm's own (`--partition`, `--time`, `--cpus`, `--mem`, `--gpus`,
# `--account`); `--env` names the conda environment on the cluster that has
# jupyter_server (and ipykernel, for kernels). In a terminal you would run the command
# in the foreground and press Ctrl-C when done; a notebook cannot press Ctrl-C, so here
# `--background` leaves job and tunnel running and returns, and `--cancel` stops them
# later. The sandbox runs everything as root, so only here Jupyter is allowed to run as
# root; on a real cluster your jobs run as you.

# %%
# !labtools jupyter remote lab-cluster --slurm --env jupyter --partition debug --time 30 --cpus 1 --mem 500M --background

# %% [markdown]
# The URL carries the token (this page shows it masked). labtools also keeps it in a
# file only you can read, and the token never appears on a command line, in the job's
# script or in its log. `--list` shows your labtools jobs and, for the ones with a tunnel
# on this machine, their local URL:

# %%
# !labtools jupyter remote lab-cluster --slurm --list

# %% tags=["verify"]
jobs = json.loads(subprocess.run(
    ["labtools", "jupyter", "remote", CLUSTER, "--slurm", "--list", "--json"],
    capture_output=True, text=True, check=True).stdout)
assert len(jobs) == 1 and jobs[0]["state"] == "RUNNING" and jobs[0]["nodes"] == "node01"
JOB, URL, TOKEN_FILE = jobs[0]["job_id"], jobs[0]["url"], Path(jobs[0]["token_file"])
TOKEN = TOKEN_FILE.read_text().strip()
assert TOKEN_FILE.stat().st_mode & 0o777 == 0o600

# %% [markdown]
# ## Where the code runs
#
# A notebook opened at that URL runs its kernel inside the job, on the compute node.
# `labtools.slurm.probe.run_code` does what the browser does when a cell runs (start a
# kernel, send the code over the server's WebSocket, collect the output), so this page
# can show it:

# %%
from labtools.slurm.probe import run_code  # noqa: E402

print(run_code(URL, TOKEN, "import os\n"
                           "print('job', os.environ['SLURM_JOB_ID'], 'on', "
                           "os.environ['SLURMD_NODENAME'])"))

# %% tags=["verify"]
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402


def status(token: str | None) -> int:
    """GET /api/status through the tunnel: 200, 403, or -1 when nothing answers."""
    request = urllib.request.Request(URL + "api/status")
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return -1


assert status(None) == 403 and status(TOKEN) == 200

# %% [markdown]
# On the cluster it is an ordinary job, named after the labtools session. What it
# runs is the small script below (`~/.labtools/slurm/SESSION/job.sh`): it activates the
# environment, then a launcher that picks the node's cluster address and a free port,
# starts `jupyter_server` with the session's token file, and reports node and port:

# %%
# !ssh -F ~/.ssh/config lab-cluster "squeue -o '%i %P %j %T %N'; sed -n 1,10p ~/.labtools/slurm/*/job.sh"

# %% [markdown]
# ## When Slurm says no
#
# A request Slurm cannot take fails at once, with Slurm's own words and nothing left in
# the queue. A partition that does not exist:

# %%
# !labtools jupyter remote lab-cluster --slurm --env jupyter --partition gpu

# %% tags=["verify"]
assert _exit_code == 1  # type: ignore[name-defined]  # noqa: F821

# %% [markdown]
# An environment that is not on the cluster:

# %%
# !labtools jupyter remote lab-cluster --slurm --env torch-2.3

# %% tags=["verify"]
assert _exit_code == 1  # type: ignore[name-defined]  # noqa: F821
CPUS = subprocess.run(["ssh", "-F", os.path.expanduser("~/.ssh/config"), CLUSTER,
                       "sinfo -h -o %c"], capture_output=True, text=True,
                      check=True).stdout.strip()

# %% [markdown]
# A job that could run but has to wait: our first job holds one CPU, so asking for
# every CPU of the node (`$CPUS`, read from `sinfo`) queues behind it. With
# `--wait-timeout` labtools gives up after that many seconds, tells you why Slurm kept
# the job waiting, and cancels it:

# %%
# !labtools jupyter remote lab-cluster --slurm --env jupyter --cpus $CPUS --wait-timeout 5

# %% tags=["verify"]
assert _exit_code == 1  # type: ignore[name-defined]  # noqa: F821
left = json.loads(subprocess.run(
    ["labtools", "jupyter", "remote", CLUSTER, "--slurm", "--list", "--json"],
    capture_output=True, text=True, check=True).stdout)
assert [j["job_id"] for j in left] == [JOB]  # nothing of the failed attempts is queued

# %% [markdown]
# ## Stop
#
# `--cancel` cancels the job, waits until Slurm has stopped its processes, and closes
# the tunnel:

# %%
# !labtools jupyter remote lab-cluster --slurm --cancel $JOB
# !labtools jupyter remote lab-cluster --slurm --list

# %% tags=["verify"]
assert status(TOKEN) == -1  # the tunnel is closed
assert not TOKEN_FILE.exists()

# %% [markdown]
# ## In the foreground, with Ctrl-C
#
# This is how you would normally use it: the command stays in your terminal while you
# work, and Ctrl-C cancels the job and closes the tunnel. So do SIGTERM and a closed
# terminal (SIGHUP); a script cannot press Ctrl-C, so below `kill` sends SIGTERM.

# %% language="bash"
# labtools jupyter remote lab-cluster --slurm --env jupyter --time 10 > session.txt 2>&1 &
# for i in $(seq 1 600); do grep -q '^open:' session.txt && break; sleep 0.2; done
# kill $!
# wait $!
# echo "exit status $?"
# cat session.txt
# labtools jupyter remote lab-cluster --slurm --list

# %% [markdown]
# ## Details that matter on a real cluster
#
# * **The bind address.** Across nodes a server cannot listen on `127.0.0.1`, and
#   `0.0.0.0` would expose it on every interface of the node. The job binds the address
#   Slurm reaches the node at (`scontrol show node` → `NodeAddr`, resolved on the node),
#   prefers a non-loopback one (Debian's `127.0.1.1 hostname` line is a classic trap),
#   falls back to the address the node uses towards the login node, and refuses to guess
#   otherwise. The token protects the port from other cluster users; the tunnel keeps
#   your end on `127.0.0.1`.
# * **Files, not log scraping.** Node and port come from a file the job writes (mode
#   0600, in your home, which login and compute nodes share), never from parsing the
#   job's output; every wait has a deadline (`--wait-timeout` while pending, `--timeout`
#   for Jupyter to start).
# * **One ssh connection.** Submitting, polling and cancelling share one OpenSSH
#   connection to the login node, so a second factor is asked once and login-node rate
#   limits are not hit.
# * **Crashes.** If the laptop dies the job keeps running until its `--time`:
#   `--list` shows it, `--attach JOBID` reconnects (Ctrl-C then cancels it), and
#   `--cancel JOBID` stops it without reconnecting.
