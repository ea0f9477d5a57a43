"""Fixtures for a real single-node Slurm cluster and a login node in front of it (issue 20).

* ``slurm_cluster``: munged + slurmctld + slurmd from Debian's packages on 127.0.0.1
  (session-wide). Skips with the reason where Slurm is not installed or we are not root;
  with ``LABTOOLS_REQUIRE_SLURM=1`` (CI) it fails instead, so CI cannot pass by skipping.
* ``slurm_login``: a loopback sshd acting as the cluster's login node (session-wide): its
  sessions see ``SLURM_CONF``, a private remote HOME and this project's Python on PATH.
* ``cluster_ssh``: a client ssh config naming that login node ``cluster`` (host keys checked).

Helpers for the tests: ``slurm_cmd`` (the CLI against ``cluster``), ``queue``, ``on_login``,
``processes_with`` (what still runs), ``eventually`` (``read_json``: plugins.streams).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from labtools import process
from labtools.keys import KeyPair
from labtools.loopback_sshd import LoopbackSshHost, SshHostInfo
from labtools.slurm.testcluster import ClusterInfo, LocalSlurmCluster, unavailable_reason
from plugins.ssh_host import write_client

REQUIRE_ENV = "LABTOOLS_REQUIRE_SLURM"


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterInfo]:
    reason = unavailable_reason()
    if reason is not None:
        if required():
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
        pytest.skip(reason)
    with LocalSlurmCluster(tmp_path_factory.mktemp("slurm")) as info:
        yield info


@dataclass(frozen=True)
class LoginNode:
    """The login node: where ssh lands, what its sessions see."""

    ssh: SshHostInfo
    home: Path
    cluster: ClusterInfo
    python_bin: Path


@pytest.fixture(scope="session")
def slurm_login(tmp_path_factory: pytest.TempPathFactory, client_key: KeyPair,
                slurm_cluster: ClusterInfo) -> Iterator[LoginNode]:
    if process.which("sshd") is None:
        if required():
            pytest.fail(f"{REQUIRE_ENV}=1 but sshd is not installed (openssh-server)")
        pytest.skip("sshd is not on PATH (install openssh-server)")
    root = tmp_path_factory.mktemp("login")
    home = root / "home"
    home.mkdir()
    bin_dir = Path(sys.executable).parent
    setenv = {
        **slurm_cluster.environ(),
        "HOME": str(home),
        "PATH": os.pathsep.join([str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"]),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
        "IPYTHONDIR": str(home / ".ipython"),
    }
    with LoopbackSshHost(root / "sshd", authorized_keys=[client_key.public_text],
                         setenv=setenv, prefer="openssh") as info:
        yield LoginNode(ssh=info, home=home, cluster=slurm_cluster, python_bin=bin_dir)


@dataclass(frozen=True)
class ClusterSsh:
    config: Path
    alias: str
    login: LoginNode


@pytest.fixture
def cluster_ssh(tmp_path: Path, client_key: KeyPair, slurm_login: LoginNode) -> ClusterSsh:
    config = write_client(tmp_path / "ssh-cluster", client_key, {"cluster": slurm_login.ssh})
    return ClusterSsh(config=config, alias="cluster", login=slurm_login)


def slurm_cmd(c: ClusterSsh, *args: str) -> list[str]:
    argv = [sys.executable, "-m", "labtools", "jupyter", "remote", c.alias, "-F", str(c.config),
            "--slurm", *args]
    if os.geteuid() == 0 and "--list" not in args:
        argv.append("--allow-root")  # the test cluster runs jobs as root
    return argv


def on_login(c: ClusterSsh, command: str) -> str:
    return process.run(["ssh", "-F", str(c.config), c.alias, command], timeout=60).stdout


def queue(c: ClusterSsh) -> list[str]:
    return on_login(c, "squeue -h -o %i").split()


def processes_with(text: str) -> list[str]:
    """Command lines of live processes that mention *text* (not zombies)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(cmdline)
    return found


def eventually(check: Callable[[], object], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return bool(check())
