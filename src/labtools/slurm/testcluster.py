"""A real single-node Slurm cluster on 127.0.0.1, for the tests and the handbook sandbox.

Debian's packages (``munge``, ``slurmctld``, ``slurmd``, ``slurm-client``) started as plain
background processes: no systemd, no cgroups (``proctrack/linuxproc``, ``task/none``), one
node ``node01`` on this host with ``NodeAddr=127.0.0.1``, ``SlurmUser=root``, a private munge
key and socket, its own state and spool folders and free ports. Clients reach it through
``SLURM_CONF`` (:meth:`ClusterInfo.environ`). Stopping cancels every job, waits for its
processes, then stops the daemons: nothing is left running.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from labtools import process
from labtools.errors import SlurmError
from labtools.lifetime import Lifetime
from labtools.ports import free_port

if TYPE_CHECKING:
    import subprocess

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scontrol", "scancel", "sinfo")
PACKAGES = "munge slurmctld slurmd slurm-client"
START_TIMEOUT = 60.0
PARTITION = "debug"
NODE = "node01"  # a stable name whatever this host is called (outputs stay comparable)


@dataclass(frozen=True)
class ClusterInfo:
    """How clients reach a running test cluster."""

    conf: Path
    node: str
    partition: str
    cpus: int
    memory_mb: int
    root: Path

    def environ(self) -> dict[str, str]:
        """What a shell needs to use this cluster's sbatch, squeue, scancel..."""
        return {"SLURM_CONF": str(self.conf)}


def missing_parts() -> list[str]:
    """Programs the test cluster needs that are not installed (empty: all there)."""
    return [tool for tool in (*DAEMONS, *CLIENTS) if process.which(tool) is None]


def unavailable_reason() -> str | None:
    """Why a test cluster cannot run here, or None when it can."""
    missing = missing_parts()
    if missing:
        return (f"Slurm test cluster needs {', '.join(missing)} "
                f"(Debian: apt-get install {PACKAGES})")
    if os.geteuid() != 0:
        return "the Slurm test cluster runs slurmd, which must run as root"
    return None


def node_hardware(slurmd_c: str) -> dict[str, int]:
    """CPUs, boards, sockets, cores, threads and memory from ``slurmd -C`` (pure)."""
    found = dict(re.findall(r"(\w+)=(\d+)", slurmd_c))
    keys = ("CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore",
            "RealMemory")
    if not all(k in found for k in keys):
        raise SlurmError(f"cannot read the node's hardware from `slurmd -C`: {slurmd_c[:200]!r}",
                         hint="check that slurmd runs on this machine")
    return {k: int(found[k]) for k in keys}


def slurm_conf(*, root: Path, host: str, node: str, hardware: Mapping[str, int],
               ctld_port: int, slurmd_port: int, munge_socket: Path, memory_mb: int,
               spool: Path | None = None, partition: str = PARTITION) -> str:
    """A minimal ``slurm.conf`` for one node on 127.0.0.1 (pure); *host* is this machine,
    *spool* slurmd's folder (it holds sockets: keep its path short)."""
    hw = hardware
    lines = [
        "ClusterName=labtools-test",
        f"SlurmctldHost={host}(127.0.0.1)",
        "SlurmUser=root",
        "SlurmdUser=root",
        f"SlurmctldPort={ctld_port}",
        f"SlurmdPort={slurmd_port}",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={munge_socket}",
        f"StateSaveLocation={root / 'state'}",
        f"SlurmdSpoolDir={spool or root / 'spool'}",
        f"SlurmctldPidFile={root / 'run' / 'slurmctld.pid'}",
        f"SlurmdPidFile={root / 'run' / 'slurmd.pid'}",
        f"SlurmctldLogFile={root / 'log' / 'slurmctld.log'}",
        f"SlurmdLogFile={root / 'log' / 'slurmd.log'}",
        f"PlugStackConfig={root / 'plugstack.conf'}",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        "SchedulerType=sched/backfill",
        "EnforcePartLimits=ALL",
        "JobCompType=jobcomp/none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "MpiDefault=none",
        "MailProg=/bin/true",
        "ReturnToService=2",
        "InactiveLimit=0",
        "MinJobAge=300",
        "KillWait=2",
        "SlurmctldDebug=info",
        "SlurmdDebug=info",
        f"NodeName={node} NodeHostname={host} NodeAddr=127.0.0.1 CPUs={hw['CPUs']} "
        f"Boards={hw['Boards']} "
        f"SocketsPerBoard={hw['SocketsPerBoard']} CoresPerSocket={hw['CoresPerSocket']} "
        f"ThreadsPerCore={hw['ThreadsPerCore']} RealMemory={memory_mb} State=UNKNOWN",
        f"PartitionName={partition} Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
    ]
    return "\n".join(lines) + "\n"


class LocalSlurmCluster(Lifetime[ClusterInfo]):
    """A context manager running munged, slurmctld and slurmd under *root*."""

    def __init__(self, root: Path, *, partition: str = PARTITION, node: str = NODE,
                 memory_mb: int = 2048) -> None:
        self.root = root.absolute()
        self.partition = partition
        self.node = node
        self.memory_mb = memory_mb
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._short: Path | None = None
        self.info: ClusterInfo | None = None

    # -- start --------------------------------------------------------------------
    def start(self) -> ClusterInfo:
        reason = unavailable_reason()
        if reason is not None:
            raise SlurmError(reason)
        shutil.rmtree(self.root / "state", ignore_errors=True)  # fresh: no jobs, ids from 1
        for sub in ("munge", "state", "run", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        # sockets (munge's, slurmstepd's) need a short path: Unix sockets max ~107 bytes
        self._short = Path(tempfile.mkdtemp(prefix="lt-slurm-"))
        self._short.chmod(0o755)
        (self._short / "spool").mkdir()
        (self.root / "munge").chmod(0o700)
        (self.root / "plugstack.conf").write_text("", encoding="utf-8")
        socket_path = self._start_munge()
        host, node = socket.gethostname().split(".")[0], self.node
        hardware = node_hardware(process.run([process.require("slurmd"), "-C"],
                                             timeout=60).stdout)
        memory = min(self.memory_mb, hardware["RealMemory"])
        conf = self.root / "slurm.conf"
        env = {**os.environ, "SLURM_CONF": str(conf)}
        last = ""
        for _attempt in range(3):
            conf.write_text(slurm_conf(root=self.root, host=host, node=node, hardware=hardware,
                                       ctld_port=free_port(), slurmd_port=free_port(),
                                       munge_socket=socket_path, memory_mb=memory,
                                       spool=self._short / "spool",
                                       partition=self.partition), encoding="utf-8")
            self._spawn("slurmctld", ["slurmctld", "-D", "-i", "-f", str(conf)], env)
            self._spawn("slurmd", ["slurmd", "-D", "-f", str(conf), "-N", node], env)
            info = ClusterInfo(conf=conf, node=node, partition=self.partition,
                               cpus=hardware["CPUs"], memory_mb=memory, root=self.root)
            last = self._wait_idle(info, env)
            if not last:
                self.info = info
                return info
            self._stop_daemons(("slurmd", "slurmctld"))
        raise SlurmError(f"the test cluster did not come up: {last}",
                         hint=f"see the logs in {self.root / 'log'}")

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str]) -> None:
        fd = os.open(self.root / "log" / f"{name}.out", os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                     0o600)
        try:
            proc = process.spawn(argv, env=env, stdout=fd, stderr=fd, new_session=True)
        finally:
            os.close(fd)
        self._procs.append((name, proc))

    def _start_munge(self) -> Path:
        munge = self.root / "munge"
        key = munge / "munge.key"
        if not key.exists():
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(1024))
        assert self._short is not None
        sock = self._short / "munge.socket"
        self._spawn("munged", ["munged", "--foreground", "--force", f"--socket={sock}",
                               f"--key-file={key}", f"--log-file={munge / 'munged.log'}",
                               f"--pid-file={munge / 'munged.pid'}",
                               f"--seed-file={munge / 'munged.seed'}"], os.environ)
        deadline = time.monotonic() + START_TIMEOUT
        while not sock.exists():
            proc = self._procs[-1][1]
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SlurmError(f"munged did not start: {self._log_tail('munged')}",
                                 hint=f"see {self.root / 'log' / 'munged.out'}")
            time.sleep(0.05)
        return sock

    def _wait_idle(self, info: ClusterInfo, env: Mapping[str, str]) -> str:
        """Wait until the node is idle; returns '' or why it did not get there."""
        deadline = time.monotonic() + START_TIMEOUT
        state = ""
        while time.monotonic() < deadline:
            for name, proc in self._procs:
                if proc.poll() is not None:
                    return f"{name} exited: {self._log_tail(name)}"
            done = process.run(["sinfo", "-h", "-n", info.node, "-o", "%T"], env=env,
                               timeout=30, check=False)
            state = done.stdout.strip()
            if state == "idle":
                return ""
            time.sleep(0.1)
        return f"node {info.node} is {state or 'unknown'} after {START_TIMEOUT:g} s"

    def _log_tail(self, name: str) -> str:
        path = self.root / "log" / f"{name}.out"
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "no log"
        lines = [ln for ln in text.splitlines() if "pmix" not in ln.lower() and "MPI" not in ln]
        return process.tail("\n".join(lines))

    # -- stop ---------------------------------------------------------------------
    def stop(self) -> None:
        if self.info is not None:
            self._cancel_all(self.info)
        self._stop_daemons(("slurmd", "slurmctld", "munged"))
        self._kill_leftovers()
        if self._short is not None:
            shutil.rmtree(self._short, ignore_errors=True)
            self._short = None
        self.info = None

    def _cancel_all(self, info: ClusterInfo) -> None:
        env = {**os.environ, **info.environ()}
        with contextlib.suppress(Exception):
            process.run(["scancel", "--quiet", "--user=root"], env=env, timeout=30,
                        check=False)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                done = process.run(["squeue", "-h", "-o", "%i"], env=env, timeout=30,
                                   check=False)
                if done.returncode != 0 or not done.stdout.strip():
                    break
                time.sleep(0.2)

    def _stop_daemons(self, names: tuple[str, ...]) -> None:
        for name in names:
            for entry in [e for e in self._procs if e[0] == name]:
                process.stop(entry[1], grace=10.0)
                self._procs.remove(entry)

    def _kill_leftovers(self) -> None:
        """SIGKILL any process still pointing at this cluster (slurmstepd, job processes)."""
        marker = f"SLURM_CONF={self.root / 'slurm.conf'}".encode()
        for pid in cluster_processes(marker):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def cluster_processes(marker: bytes) -> list[int]:
    """PIDs whose environment contains *marker* (Linux /proc; empty elsewhere)."""
    found: list[int] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            found.append(int(entry.name))
    return found
