"""`labtools jupyter remote HOST --slurm` against a real Slurm and a real login-node sshd:
a job starts, a kernel runs code through the two-hop tunnel, Ctrl-C / SIGTERM leave
nothing behind, and impossible requests fail with Slurm's own reason."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from plugins.json_contract import problems_with
from plugins.slurm_cluster import (
    ClusterSsh,
    eventually,
    processes_with,
    queue,
    slurm_cmd,
)
from plugins.ssh_host import jupyter_status as status
from plugins.streams import read_json

from labtools import process
from labtools.slurm.probe import run_code

pytestmark = [pytest.mark.integration]
PIPE = -1


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["ctrl-c", "sigterm", "hang-up"])
def test_job_runs_jupyter_reached_through_the_tunnel_and_stop_leaves_nothing(
        cluster_ssh: ClusterSsh, stop: signal.Signals) -> None:
    c = cluster_ssh
    python = str(c.login.python_bin / "python")
    proc = process.spawn(slurm_cmd(c, "--python", python, "--json", "--time", "10"),
                         stdout=PIPE)
    try:
        assert proc.stdout is not None
        server = read_json(proc.stdout)
        assert problems_with("jupyter remote", server) == []  # the JSON contract
        job_id, session = str(server["job_id"]), str(server["session"])
        assert server["node"] == c.login.cluster.node
        assert server["address"] == "127.0.0.1"  # NodeAddr of the test cluster's node
        assert job_id in queue(c)
        url = str(server["url"])
        assert url.startswith("http://127.0.0.1:")
        token_file = Path(str(server["token_file"]))
        assert token_file.stat().st_mode & 0o777 == 0o600
        token = token_file.read_text().strip()
        assert status(url) == 403 and status(url, token) == 200
        # the kernel runs inside the job, on the compute node
        out = run_code(url, token, "import os; print(os.environ['SLURM_JOB_ID'], "
                                   "os.environ['SLURMD_NODENAME'])")
        assert out.split() == [job_id, c.login.cluster.node]
        # secrets stay where they belong: 0600 files, never the job's log
        session_dir = c.login.home / ".labtools" / "slurm" / session
        assert (session_dir / "config.json").stat().st_mode & 0o777 == 0o600
        assert (session_dir / "server.json").stat().st_mode & 0o777 == 0o600
        assert (session_dir / "job.log").stat().st_mode & 0o777 == 0o600  # SLURM_UMASK
        assert session_dir.stat().st_mode & 0o777 == 0o700
        assert token not in (session_dir / "job.log").read_text()
        assert token not in (session_dir / "job.sh").read_text()
        assert processes_with(session)  # the job's jupyter, before we stop
        proc.send_signal(stop)
        assert proc.wait(timeout=90) == 0
    finally:
        process.stop(proc)
    assert job_id not in queue(c)
    assert status(url) == -1
    assert not token_file.exists()
    assert not session_dir.exists()
    assert eventually(lambda: not processes_with(session)), processes_with(session)
    assert not processes_with(str(c.config))  # no ssh left: master, tunnel, polls


def test_unknown_partition_fails_with_slurms_reason_and_queues_nothing(
        cluster_ssh: ClusterSsh) -> None:
    c = cluster_ssh
    before = queue(c)
    done = process.run(slurm_cmd(c, "--python", str(c.login.python_bin / "python"),
                                 "--partition", "nosuch"), timeout=120, check=False)
    assert done.returncode == 1
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "refused the job" in err and "invalid partition specified: nosuch" in err
    assert queue(c) == before
    assert not list((c.login.home / ".labtools" / "slurm").glob("*/"))
