"""An SSH server on 127.0.0.1 (a stand-in lab host) for the handbook sandbox and the tests.

OpenSSH ``sshd`` when installed (what a lab's GPU box runs); otherwise an in-process
asyncssh server (public-key auth, local forwards, commands) so tutorials run anywhere.
Either way clients connect with host-key checking on, through a known_hosts line.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from labtools import process
from labtools.errors import TunnelError
from labtools.lifetime import Lifetime
from labtools.ports import free_port
from labtools.proctree import descendants
from labtools.sshconfig import LOOPBACK, known_hosts_line

if TYPE_CHECKING:
    import subprocess

START_TIMEOUT = 15.0
PIPE = -1  # subprocess.PIPE; subprocesses themselves go through labtools.process


@dataclass(frozen=True)
class SshHostInfo:
    """How to reach a running loopback SSH host."""

    kind: str  # "openssh" | "asyncssh"
    host: str
    port: int
    user: str
    host_public_key: str

    def known_hosts_line(self) -> str:
        return known_hosts_line(self.host, self.port, self.host_public_key)


def _banner(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            return sock.recv(8).startswith(b"SSH-")
    except OSError:
        return False


class LoopbackSshHost(Lifetime[SshHostInfo]):
    """A context manager running an SSH server on 127.0.0.1 that accepts *authorized_keys*.

    ``forwarding``: ``"local"`` (like a GPU box) or ``"yes"`` (a jump host).
    ``setenv``: variables every session on the host sees (e.g. PATH with Jupyter on it).
    ``prefer``: ``"auto"`` (sshd if installed), ``"openssh"`` or ``"asyncssh"``.
    """

    def __init__(
        self,
        root: Path,
        *,
        authorized_keys: Sequence[str],
        forwarding: str = "local",
        setenv: Mapping[str, str] | None = None,
        prefer: str = "auto",
    ) -> None:
        self.root = root.absolute()
        self.authorized_keys = list(authorized_keys)
        self.forwarding = forwarding
        self.setenv = dict(setenv or {})
        self.prefer = prefer
        self._proc: subprocess.Popen[bytes] | None = None
        self.info: SshHostInfo | None = None

    # -- lifetime -----------------------------------------------------------------
    def start(self) -> SshHostInfo:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "authorized_keys").write_text(
            "".join(k.strip() + "\n" for k in self.authorized_keys), encoding="utf-8")
        kind = self.prefer
        if kind == "auto":
            kind = "openssh" if process.which("sshd") else "asyncssh"
        self.info = self._start_openssh() if kind == "openssh" else self._start_asyncssh()
        return self.info

    def stop(self) -> None:
        if self._proc is not None:
            self.signal_all(signal.SIGTERM)
            process.stop(self._proc)
            self._proc = None

    def kill(self) -> None:
        """Simulate a crash: SIGKILL the server and every connection it serves."""
        self.signal_all(signal.SIGKILL)
        self.stop()

    def signal_all(self, sig: signal.Signals) -> None:
        """Send *sig* to the server and every process below it (SIGSTOP simulates a hang)."""
        # sshd's per-connection children call setsid(): find them through their parents
        if self._proc is None:
            return
        for pid in [*descendants(self._proc.pid), self._proc.pid]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)

    # -- OpenSSH ------------------------------------------------------------------
    def _host_key(self) -> str:
        key = self.root / "host_ed25519"
        if not key.exists():
            process.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "labtools-host",
                         "-f", str(key)], timeout=60)
        return key.with_name(key.name + ".pub").read_text(encoding="utf-8").strip()

    def _sshd_config(self, port: int) -> str:
        lines = [
            f"ListenAddress {LOOPBACK}",
            f"Port {port}",
            f"HostKey {self.root / 'host_ed25519'}",
            f"PidFile {self.root / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.root / 'authorized_keys'}",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password",
            "StrictModes no",
            f"AllowTcpForwarding {self.forwarding}",
            "AllowAgentForwarding no",
            "X11Forwarding no",
            "PrintMotd no",
            "ClientAliveInterval 5",
            "LogLevel INFO",
        ]
        if self.setenv:
            lines.append("SetEnv " + " ".join(f'"{k}={v}"' for k, v in self.setenv.items()))
        return "\n".join(lines) + "\n"

    def _start_openssh(self) -> SshHostInfo:
        sshd = process.require("sshd")
        host_key = self._host_key()
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        config = self.root / "sshd_config"
        log_path = self.root / "sshd.log"
        last_error = ""
        for _attempt in range(3):
            port = free_port()
            config.write_text(self._sshd_config(port), encoding="utf-8")
            process.run([sshd, "-t", "-f", str(config)], timeout=30)
            log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                proc = process.spawn([sshd, "-D", "-e", "-f", str(config)], stderr=log_fd,
                                     new_session=True)
            finally:
                os.close(log_fd)
            self._proc = proc
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and proc.poll() is None:
                if _banner(LOOPBACK, port):
                    return SshHostInfo("openssh", LOOPBACK, port, getpass.getuser(), host_key)
                time.sleep(0.05)
            last_error = process.tail(log_path.read_text(encoding="utf-8", errors="replace"))
            self.stop()
        raise TunnelError(f"sshd did not start on {LOOPBACK}: {last_error}",
                          hint=f"see {log_path}")

    # -- asyncssh -----------------------------------------------------------------
    def _start_asyncssh(self) -> SshHostInfo:
        # a separate process: no threads in the caller, and kill() works as for sshd
        (self.root / "setenv.json").write_text(json.dumps(self.setenv), encoding="utf-8")
        log_path = self.root / "asyncssh.log"
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            proc = process.spawn([sys.executable, "-m", "labtools.embedded_sshd", str(self.root),
                                  self.forwarding], stdout=PIPE, stderr=log_fd, new_session=True)
        finally:
            os.close(log_fd)
        self._proc = proc
        assert proc.stdout is not None
        line = proc.stdout.readline().decode(errors="replace").split(maxsplit=1)
        if len(line) != 2 or not line[0].isdigit():
            self.stop()
            tail = process.tail(log_path.read_text(encoding="utf-8", errors="replace"))
            raise TunnelError(f"the embedded SSH server did not start: {tail}",
                              hint=f"see {log_path}")
        return SshHostInfo("asyncssh", LOOPBACK, int(line[0]), getpass.getuser(),
                           line[1].strip())
