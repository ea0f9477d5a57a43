"""Commands on a cluster's login node over one ssh connection.

One OpenSSH ControlMaster carries every command of a session (submit, polls, scancel), so
a login node that rate-limits connections or asks for a second factor sees one login. The
master's remote side is ``cat``: when labtools dies in any way, its stdin closes and the
master goes away with it. Where the client cannot multiplex (Windows' OpenSSH), each
command opens its own connection instead.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from labtools import process
from labtools.errors import TunnelError
from labtools.slurm.script import REMOTE_SHELL
from labtools.sshconfig import SshTarget, ssh_failure_line, ssh_options
from labtools.tunnel import runtime_dir

if TYPE_CHECKING:
    import subprocess

PIPE = -1  # subprocess.PIPE
DEVNULL = -3  # subprocess.DEVNULL
MASTER_TIMEOUT = 30.0


def _socket_path() -> Path:
    name = f"slurm-{secrets.token_hex(4)}.sock"
    path = runtime_dir() / name
    if len(str(path)) > 90:  # unix socket paths are limited to ~104 bytes
        short = Path(tempfile.gettempdir()) / f"labtools-{os.getuid()}"
        short.mkdir(mode=0o700, exist_ok=True)
        path = short / name
    return path


class LoginNode:
    """A context manager: ``run(script)`` executes a bash script on the login node."""

    def __init__(self, target: SshTarget) -> None:
        self.target = target
        self._socket: Path | None = None
        self._master: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    def __enter__(self) -> LoginNode:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None,
                                   TracebackType | None]) -> None:
        self.close()

    @property
    def host(self) -> str:
        return self.target.host

    def open(self) -> None:
        self._socket = _socket_path()
        self._log = self._socket.with_suffix(".log")
        fd = os.open(self._log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        argv = ["ssh", "-M", "-S", str(self._socket), "-o", "ControlPersist=no",
                *ssh_options(self.target), "-T", self.target.destination, "cat > /dev/null"]
        try:
            # its own session: a Ctrl-C meant for labtools must not kill the connection
            # that labtools needs to cancel the job
            self._master = process.spawn(argv, stdin=PIPE, stdout=DEVNULL, stderr=fd,
                                         new_session=True)
        finally:
            os.close(fd)
        deadline = time.monotonic() + MASTER_TIMEOUT
        while True:
            if self._master.poll() is not None:
                break
            if self._check():
                return
            if time.monotonic() > deadline:
                raise TunnelError(f"ssh to {self.host} did not connect within "
                                  f"{MASTER_TIMEOUT:g} s", hint="check the host and network")
            time.sleep(0.05)
        reason = ssh_failure_line(self._read_log())
        self._drop_master()
        # the master failed: if plain ssh works, this client just cannot multiplex
        probe = process.run(self._argv(), input="true\n", timeout=60, check=False)
        if probe.returncode == 0:
            return
        raise TunnelError(f"ssh to {self.host} failed: {ssh_failure_line(probe.stderr) or reason}",
                          hint="check the host, key (-i) and ~/.ssh/config; "
                               "`ssh -v HOST` shows more")

    def _check(self) -> bool:
        assert self._socket is not None
        if not self._socket.exists():
            return False
        done = process.run(["ssh", "-S", str(self._socket), "-O", "check",
                            *(["-F", str(self.target.config)] if self.target.config else []),
                            self.target.destination], timeout=10, check=False)
        return done.returncode == 0

    def _read_log(self) -> str:
        try:
            return self._log.read_text(errors="replace") if self._log else ""
        except OSError:
            return ""

    def _argv(self) -> list[str]:
        # through the master while it lives; a fresh connection once it is gone
        mux = (["-S", str(self._socket), "-o", "ControlMaster=no"]
               if self._master is not None and self._master.poll() is None
               and self._socket is not None else [])
        return ["ssh", *mux, *ssh_options(self.target), "-T", self.target.destination,
                REMOTE_SHELL]

    def alive(self) -> bool:
        """False once the master connection is gone (always True without a master)."""
        return self._master is None or self._master.poll() is None

    def run(self, script: str, *, timeout: float = 60.0) -> str:
        """Run *script* with bash on the login node; its stdout (ssh failures raise)."""
        done = process.run(self._argv(), input=script, timeout=timeout, check=False)
        if done.returncode == 255:
            raise TunnelError(f"lost the connection to {self.host}: "
                              f"{ssh_failure_line(done.stderr)}",
                              hint="check the network; `labtools jupyter remote HOST --slurm "
                                   "--list` shows what still runs")
        return done.stdout

    def _drop_master(self) -> None:
        if self._master is None:
            return
        if self._master.stdin is not None:
            with contextlib.suppress(OSError):
                self._master.stdin.close()
        if self._socket is not None and self._socket.exists():
            with contextlib.suppress(Exception):
                process.run(["ssh", "-S", str(self._socket), "-O", "exit",
                             *(["-F", str(self.target.config)] if self.target.config else []),
                             self.target.destination], timeout=10, check=False)
        process.stop(self._master, grace=3.0)
        self._master = None

    def close(self) -> None:
        self._drop_master()
        for path in (self._socket, self._log):
            if path is not None:
                path.unlink(missing_ok=True)
