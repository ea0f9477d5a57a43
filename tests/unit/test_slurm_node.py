"""The compute-node launcher's choices: which address Jupyter binds, how it reports."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from labtools.slurm import node
from labtools.slurm.node import NodeError, choose_bind_address


def local(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda a: a in addresses


def test_a_cluster_address_from_slurms_nodeaddr() -> None:
    got = choose_bind_address("gpu07", "10.1.2.7", ["10.1.2.7"], "10.1.2.7", local("10.1.2.7"))
    assert got == "10.1.2.7"


def test_a_hostname_nodeaddr_prefers_the_cluster_address_over_debians_127_0_1_1() -> None:
    got = choose_bind_address("gpu07", "gpu07", ["127.0.1.1", "10.1.2.7"], None,
                              local("127.0.1.1", "10.1.2.7"))
    assert got == "10.1.2.7"


def test_a_name_that_resolves_to_loopback_only_falls_back_to_the_route_to_the_login_node() -> None:
    got = choose_bind_address("gpu07", "gpu07", ["127.0.1.1"], "10.1.2.7",
                              local("127.0.1.1", "10.1.2.7"))
    assert got == "10.1.2.7"


def test_loopback_only_when_slurm_itself_names_a_loopback_nodeaddr() -> None:
    # the test cluster: NodeAddr=127.0.0.1, the login node is this host
    assert choose_bind_address("vm", "127.0.0.1", ["127.0.0.1"], None,
                               local("127.0.0.1")) == "127.0.0.1"
    # a real node whose name resolves to loopback and no route to the login node: refuse
    with pytest.raises(NodeError, match="cluster network"):
        choose_bind_address("gpu07", "gpu07", ["127.0.1.1"], None, local("127.0.1.1"))


def test_the_wildcard_is_never_chosen() -> None:
    with pytest.raises(NodeError, match="wildcard"):
        choose_bind_address("gpu07", "0.0.0.0", ["0.0.0.0"], "10.1.2.7", local("10.1.2.7"))
    got = choose_bind_address("gpu07", "gpu07", ["0.0.0.0", "::", "10.1.2.7"], None,
                              local("0.0.0.0", "::", "10.1.2.7"))
    assert got == "10.1.2.7"
    with pytest.raises(NodeError):
        choose_bind_address("gpu07", "gpu07", ["0.0.0.0"], "0.0.0.0", local("0.0.0.0"))


def test_addresses_of_other_hosts_are_skipped_and_ipv4_comes_first() -> None:
    got = choose_bind_address("gpu07", "gpu07", ["fd00::7", "10.9.9.9", "10.1.2.7"], None,
                              local("fd00::7", "10.1.2.7"))
    assert got == "10.1.2.7"
    assert choose_bind_address("gpu07", "gpu07", ["fd00::7"], None, local("fd00::7")) == "fd00::7"


def test_reports_are_0600_json_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "sessions" / "server.json"
    node.write_report(str(path), {"state": "starting", "port": 1})
    node.write_report(str(path), {"state": "ready", "port": 2})
    assert json.loads(path.read_text()) == {"state": "ready", "port": 2}
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["server.json"]


def test_jupyter_is_told_the_exact_address_and_port_without_retries() -> None:
    argv = node.jupyter_argv("/env/bin/python", "/h/c.json", "10.1.2.7", 40123, False)
    assert "--ServerApp.ip=10.1.2.7" in argv and "--ServerApp.port=40123" in argv
    assert "--ServerApp.port_retries=0" in argv and "--allow-root" not in argv
    assert not any("0.0.0.0" in a for a in argv)


def test_a_taken_port_is_reported_in_one_line(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"IdentityProvider": {"token": "t" * 24}}))
    report = tmp_path / "server.json"
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    monkeypatch.setenv("SLURMD_NODENAME", "localhost")
    monkeypatch.setenv("SLURM_SUBMIT_HOST", "localhost")
    monkeypatch.setenv("PATH", str(tmp_path))  # no scontrol: NodeAddr from the name
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = node.main(["--config", str(config), "--port-file", str(report),
                          "--port", str(port)])
    assert code == 1
    data = json.loads(report.read_text())
    assert data["state"] == "failed" and data["job_id"] == "42"
    assert data["error"] == (f"port {port} on node localhost (127.0.0.1) is already in use; "
                             "pick another --node-port, or leave it out for a free one")
    assert os.stat(report).st_mode & 0o777 == 0o600
