"""The test cluster's pure parts: reading `slurmd -C`, writing slurm.conf."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtools.errors import SlurmError
from labtools.slurm.testcluster import node_hardware, slurm_conf

SLURMD_C = ("NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 "
            "RealMemory=24105\nUpTime=0-00:22:41\n")


def test_node_hardware_reads_slurmd_c() -> None:
    hw = node_hardware(SLURMD_C)
    assert hw == {"CPUs": 2, "Boards": 1, "SocketsPerBoard": 1, "CoresPerSocket": 2,
                  "ThreadsPerCore": 1, "RealMemory": 24105}


def test_node_hardware_refuses_garbage() -> None:
    with pytest.raises(SlurmError, match="slurmd -C"):
        node_hardware("slurmd: error: something")


def test_slurm_conf_is_loopback_cgroup_free_and_uses_the_private_munge(tmp_path: Path) -> None:
    conf = slurm_conf(root=tmp_path, host="vm", node="node01",
                      hardware=node_hardware(SLURMD_C),
                      ctld_port=40001, slurmd_port=40002,
                      munge_socket=tmp_path / "munge.sock", memory_mb=1024)
    lines = conf.splitlines()
    assert "SlurmctldHost=vm(127.0.0.1)" in lines
    assert "ProctrackType=proctrack/linuxproc" in lines and "TaskPlugin=task/none" in lines
    assert "SlurmctldPort=40001" in lines and "SlurmdPort=40002" in lines
    assert f"AuthInfo=socket={tmp_path / 'munge.sock'}" in lines
    node = next(line for line in lines if line.startswith("NodeName=node01 "))
    assert "NodeHostname=vm NodeAddr=127.0.0.1" in node
    assert "CPUs=2" in node and "RealMemory=1024" in node
    assert all(str(tmp_path) in line for line in lines if "Dir=" in line or "Location=" in line)
