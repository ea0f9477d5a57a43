"""The life of a Slurm Jupyter job beyond start and Ctrl-C: background + list + cancel,
re-attaching after labtools was killed, a job ended from outside, and every failure that
must be one line with nothing left queued."""

from __future__ import annotations

import json
import os
import signal
import socket
from pathlib import Path

import pytest
from plugins.json_contract import problems_with
from plugins.slurm_cluster import (
    ClusterSsh,
    eventually,
    on_login,
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


def python(c: ClusterSsh) -> str:
    return str(c.login.python_bin / "python")


def labtools_json(c: ClusterSsh, *args: str) -> object:
    done = process.run(slurm_cmd(c, *args, "--json"), timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert problems_with("jupyter remote", document) == []  # the JSON contract
    return document


def pids_of(text: str) -> list[int]:
    """Live processes whose command line contains *text* (this machine is the node)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline:
                found.append(int(entry.name))
    return found


def fails(c: ClusterSsh, *args: str) -> str:
    """Run a command that must fail; its one stderr line."""
    done = process.run(slurm_cmd(c, *args), timeout=240, check=False)
    assert done.returncode == 1, (done.stdout, done.stderr)
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith("labtools: error: "), err
    return err


def test_background_then_list_then_cancel(cluster_ssh: ClusterSsh) -> None:
    c = cluster_ssh
    server = labtools_json(c, "--python", python(c), "--background", "--time", "10",
                           "--port-file", "lt-ports/jupyter.json")
    assert isinstance(server, dict)
    job_id, url = str(server["job_id"]), str(server["url"])
    port_file = c.login.home / "lt-ports" / "jupyter.json"  # relative: under the home
    reported = json.loads(port_file.read_text())
    assert port_file.stat().st_mode & 0o777 == 0o600
    assert (reported["job_id"], reported["port"], reported["state"]) == (
        job_id, server["port"], "ready")
    token_file = Path(str(server["token_file"]))
    token = token_file.read_text().strip()
    assert status(url, token) == 200  # the command returned; job and tunnel live on
    assert run_code(url, token, "import os; print(os.environ['SLURM_JOB_ID'])").strip() == job_id
    listed = labtools_json(c, "--list")
    assert isinstance(listed, list)
    (mine,) = [j for j in listed if j["job_id"] == job_id]
    assert mine["state"] == "RUNNING" and mine["url"] == url
    assert mine["token_file"] == str(token_file)
    assert mine["nodes"] == c.login.cluster.node
    done = labtools_json(c, "--cancel", job_id)
    assert isinstance(done, dict) and done["tunnel_closed"] is True
    assert job_id not in queue(c)
    assert status(url) == -1 and not token_file.exists() and not port_file.exists()
    assert labtools_json(c, "--list") == []
    assert eventually(lambda: not processes_with(str(server["session"])))


def test_attach_after_labtools_was_killed(cluster_ssh: ClusterSsh) -> None:
    c = cluster_ssh
    first = process.spawn(slurm_cmd(c, "--python", python(c), "--json"), stdout=PIPE,
                          new_session=True)
    try:
        assert first.stdout is not None
        server = read_json(first.stdout)
        os.killpg(first.pid, signal.SIGKILL)  # a crash: no cleanup at all
        first.wait(timeout=30)
    finally:
        process.stop(first)
    job_id = str(server["job_id"])
    assert job_id in queue(c)  # the job survived; the ssh master went with labtools
    assert eventually(lambda: not processes_with(str(c.config)))
    again = process.spawn(slurm_cmd(c, "--attach", job_id, "--json"), stdout=PIPE)
    try:
        assert again.stdout is not None
        attached = read_json(again.stdout)
        assert attached["job_id"] == job_id and attached["session"] == server["session"]
        token = Path(str(attached["token_file"])).read_text().strip()
        assert status(str(attached["url"]), token) == 200
        again.send_signal(signal.SIGINT)
        assert again.wait(timeout=90) == 0
    finally:
        process.stop(again)
    assert job_id not in queue(c)
    assert eventually(lambda: not processes_with(str(server["session"])))


def test_a_job_ended_from_outside_is_reported_with_its_state(cluster_ssh: ClusterSsh) -> None:
    c = cluster_ssh
    proc = process.spawn(slurm_cmd(c, "--python", python(c), "--json"), stdout=PIPE)
    try:
        assert proc.stdout is not None
        job_id = str(read_json(proc.stdout)["job_id"])
        on_login(c, f"scancel {job_id}")
        assert proc.wait(timeout=90) == 1
        assert proc.stderr is not None
        err = proc.stderr.read().decode().strip()
    finally:
        process.stop(proc)
    assert len(err.splitlines()) == 1, err
    assert f"job {job_id} was cancelled" in err and f"job-{job_id}.log" in err
    assert (c.login.home / ".labtools" / "slurm" / f"job-{job_id}.log").exists()
    assert job_id not in queue(c)


def test_pending_too_long_says_slurms_reason_and_leaves_nothing_queued(
        cluster_ssh: ClusterSsh) -> None:
    c = cluster_ssh
    blocker = on_login(c, "sbatch --parsable --exclusive -o /dev/null --wrap 'sleep 600'").strip()
    try:
        assert eventually(lambda: "RUNNING" in on_login(c, f"squeue -h -j {blocker} -o %T"))
        before = queue(c)
        err = fails(c, "--python", python(c), "--wait-timeout", "2")
        assert "still pending after 2 s (Slurm's reason: " in err
        assert "Resources" in err or "Priority" in err
        assert queue(c) == before  # ours was cancelled; the blocker still runs
    finally:
        on_login(c, f"scancel {blocker}")


def test_an_impossible_request_fails_at_once_with_slurms_words(cluster_ssh: ClusterSsh) -> None:
    c = cluster_ssh
    before = queue(c)
    err = fails(c, "--python", python(c), "--cpus", "512")
    assert "Slurm on cluster refused the job: " in err
    assert "More processors requested than permitted" in err  # EnforcePartLimits=ALL
    assert queue(c) == before


def test_an_env_missing_on_the_cluster_is_named(cluster_ssh: ClusterSsh) -> None:
    before = queue(cluster_ssh)
    err = fails(cluster_ssh, "--env", "no-such-env")
    assert "environment 'no-such-env' not found on cluster" in err
    assert queue(cluster_ssh) == before


def test_a_port_taken_on_the_node_is_named(cluster_ssh: ClusterSsh) -> None:
    c = cluster_ssh
    before = queue(c)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        err = fails(c, "--python", python(c), "--node-port", str(port))
    assert (f"port {port} on node {c.login.cluster.node} (127.0.0.1) is already in use; "
            "pick another --node-port") in err
    assert queue(c) == before


def test_an_account_the_partition_does_not_allow_is_refused_with_slurms_words(
        cluster_ssh: ClusterSsh) -> None:
    c = cluster_ssh
    # a partition only account "lab" may use (slurmctld checks AllowAccounts itself)
    on_login(c, "scontrol create PartitionName=labonly Nodes=ALL AllowAccounts=lab State=UP")
    try:
        before = queue(c)
        err = fails(c, "--python", python(c), "--partition", "labonly", "--account", "physics")
        assert "Slurm on cluster refused the job: " in err
        assert "Invalid account or account/partition combination specified" in err
        assert queue(c) == before
    finally:
        on_login(c, "scontrol delete PartitionName=labonly")


def test_a_job_whose_jupyter_dies_is_reported_with_its_state_and_log_tail(
        cluster_ssh: ClusterSsh) -> None:
    c = cluster_ssh
    proc = process.spawn(slurm_cmd(c, "--python", python(c), "--json"), stdout=PIPE)
    try:
        assert proc.stdout is not None
        started = read_json(proc.stdout)
        job_id, session = str(started["job_id"]), str(started["session"])
        # the server on the node dies (a crash, the OOM killer): SIGKILL, no goodbye
        servers = pids_of(f"jupyter_server --config={c.login.home}/.labtools/slurm/{session}/")
        assert len(servers) == 1, processes_with(session)
        os.kill(servers[0], signal.SIGKILL)
        assert proc.wait(timeout=90) == 1
        assert proc.stderr is not None
        err = proc.stderr.read().decode().strip()
    finally:
        process.stop(proc)
    assert len(err.splitlines()) == 1, err
    assert f"job {job_id} failed" in err or f"job {job_id} ended" in err, err
    assert "; its log ends: " in err and "jupyter_server on node01 was killed by signal 9" in err
    assert job_id not in queue(c)
    assert eventually(lambda: not processes_with(session))
