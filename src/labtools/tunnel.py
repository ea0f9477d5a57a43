"""SSH tunnels on the system OpenSSH client that are ready when returned and always cleaned up.

``open_tunnel(...)`` is a context manager (foreground); ``start_tunnel(...)`` leaves a
tunnel running in the background behind a control socket, recorded in the user's state
dir so ``list_tunnels()`` and ``close_tunnels()`` find it later.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import pwd
import secrets
import signal
import socket
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from labtools import process
from labtools.errors import TunnelError
from labtools.ports import free_port
from labtools.sshconfig import (
    LOOPBACK,
    Forward,
    SshTarget,
    control_argv,
    ssh_failure_line,
    tunnel_argv,
)

if TYPE_CHECKING:
    import subprocess

POLL = 0.02


@dataclass(frozen=True)
class Tunnel:
    """A tunnel that is up: every local port answers."""

    id: str
    host: str
    forwards: tuple[Forward, ...]
    pid: int
    control_path: Path | None = None
    log_path: Path | None = None
    started: float = 0.0

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(f.local_url for f in self.forwards)


def with_home_config(target: SshTarget) -> SshTarget:
    """Make ssh read ``$HOME/.ssh/config`` when HOME is not the passwd home (sandboxes, tests).

    OpenSSH reads ``~/.ssh`` from the passwd entry, not ``$HOME``; labtools follows ``$HOME``.
    """
    if target.config is not None:
        return target
    home = Path.home()
    try:
        real = Path(pwd.getpwuid(os.getuid()).pw_dir)
    except KeyError:
        real = home
    if home.resolve() == real.resolve():
        return target
    config = home / ".ssh" / "config"
    return replace(target, config=config if config.exists() else Path(os.devnull))


def ssh_target(host: str, *, port: int | None = None, user: str | None = None,
               identity: Path | None = None, jump: str | None = None,
               ssh_config: Path | None = None, batch: bool = True,
               alive_interval: int = 5) -> SshTarget:
    """The :class:`SshTarget` of the connection options every ssh-backed command takes
    (``ssh_config`` defaults to ``$HOME``'s, see :func:`with_home_config`)."""
    return with_home_config(SshTarget(host, port=port, user=user, identity=identity,
                                      jump=jump, config=ssh_config, batch=batch,
                                      alive_interval=alive_interval))


def resolve_forwards(forwards: Sequence[Forward]) -> tuple[Forward, ...]:
    """Give each forward with local port 0 a free port; refuse ports already taken."""
    out: list[Forward] = []
    for fwd in forwards:
        if fwd.local_port == 0:
            out.append(fwd.with_local_port(free_port(fwd.local_host)))
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((fwd.local_host, fwd.local_port))
            except OSError:
                raise TunnelError(
                    f"local port {fwd.local_port} on {fwd.local_host} is already in use",
                    hint=f"pick another port or let labtools choose: -L 0:{fwd.remote_host}:"
                    f"{fwd.remote_port}",
                ) from None
        out.append(fwd)
    return tuple(out)


def _port_answers(fwd: Forward) -> bool:
    try:
        with socket.create_connection((fwd.local_host, fwd.local_port), timeout=0.5):
            return True
    except OSError:
        return False


def _http_ok(fwd: Forward, path: str) -> bool:
    conn = http.client.HTTPConnection(fwd.local_host, fwd.local_port, timeout=2.0)
    try:
        conn.request("GET", path if path.startswith("/") else "/" + path)
        return conn.getresponse().status < 500
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _wait_ready(proc: subprocess.Popen[bytes], target: SshTarget, forwards: Sequence[Forward],
                log: Path, wait_http: str | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(forwards)
    http_pending = wait_http is not None
    while True:
        if proc.poll() is not None:
            raise TunnelError(
                f"ssh to {target.host} failed: {ssh_failure_line(_read(log))}",
                hint="check the host, key (-i) and ~/.ssh/config; run ssh -v HOST to see more",
            )
        pending = [f for f in pending if not _port_answers(f)]
        if not pending and http_pending and wait_http is not None:
            http_pending = not _http_ok(forwards[0], wait_http)
        if not pending and not http_pending:
            return
        if time.monotonic() > deadline:
            what = (f"port {pending[0].local_port}" if pending
                    else f"HTTP {wait_http} on port {forwards[0].local_port}")
            raise TunnelError(
                f"tunnel to {target.host} not ready after {timeout:g} s ({what} did not answer)",
                hint="check that the remote service listens, or raise --timeout",
            )
        time.sleep(POLL)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    process.stop(proc, grace=2.0)  # ssh ends at once on SIGTERM; SIGKILL if it does not


class LiveTunnel:
    """The handle :func:`open_tunnel` yields: the tunnel plus liveness checks."""

    def __init__(self, tunnel: Tunnel, proc: subprocess.Popen[bytes]) -> None:
        self.tunnel = tunnel
        self._proc = proc

    @property
    def forwards(self) -> tuple[Forward, ...]:
        return self.tunnel.forwards

    @property
    def urls(self) -> tuple[str, ...]:
        return self.tunnel.urls

    def alive(self) -> bool:
        return self._proc.poll() is None

    def wait_closed(self, timeout: float | None = None) -> str | None:
        """Block until ssh exits (None: forever); return why it went down, or None if still up."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._proc.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                return None
            time.sleep(0.1)
        reason = ssh_failure_line(_read(self.tunnel.log_path)) if self.tunnel.log_path else ""
        return f"tunnel to {self.tunnel.host} went down: {reason}"


def _spawn(target: SshTarget, forwards: Sequence[Forward], log: Path,
           control: Path | None, detach: bool) -> subprocess.Popen[bytes]:
    argv = tunnel_argv(target, forwards, control_path=control)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        return process.spawn(argv, stderr=fd, new_session=detach)
    finally:
        os.close(fd)


@contextlib.contextmanager
def open_tunnel(
    host: str,
    *,
    forwards: Sequence[Forward],
    port: int | None = None,
    user: str | None = None,
    identity: Path | None = None,
    jump: str | None = None,
    ssh_config: Path | None = None,
    wait_http: str | None = None,
    timeout: float = 30.0,
    batch: bool = True,
    alive_interval: int = 5,
) -> Iterator[LiveTunnel]:
    """Forward 127.0.0.1 ports to *host*; ready on entry, no ssh process left on exit."""
    target = ssh_target(host, port=port, user=user, identity=identity, jump=jump,
                        ssh_config=ssh_config, batch=batch, alive_interval=alive_interval)
    fwds = resolve_forwards(forwards)
    with tempfile.TemporaryDirectory(prefix="labtools-tunnel-") as tmp:
        log = Path(tmp) / "ssh.log"
        proc = _spawn(target, fwds, log, None, detach=False)
        try:
            _wait_ready(proc, target, fwds, log, wait_http, timeout)
            tunnel = Tunnel(id=secrets.token_hex(4), host=host, forwards=fwds, pid=proc.pid,
                            log_path=log, started=time.time())
            yield LiveTunnel(tunnel, proc)
        finally:
            _terminate(proc)


# -- background tunnels ---------------------------------------------------------------

def state_dir() -> Path:
    import platformdirs

    path = Path(platformdirs.user_state_dir("labtools")) / "tunnels"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def runtime_dir() -> Path:
    """The user's private runtime folder for labtools (sockets, token files): 0700, ours.

    The fallback name in /tmp is predictable, so a folder there that someone else made
    (or made writable) is refused, never used.
    """
    from labtools.secretfile import private_dir

    base = os.environ.get("XDG_RUNTIME_DIR")
    if base:
        path = Path(base) / "labtools"
    else:
        path = Path(tempfile.gettempdir()) / f"labtools-{os.getuid()}"
    return private_dir(path)


def _socket_dir() -> Path:
    from labtools.secretfile import private_dir

    path = runtime_dir() / "tunnels"
    if len(str(path)) > 80:  # unix socket paths are limited to ~104 bytes
        path = Path(tempfile.gettempdir()) / f"labtools-{os.getuid()}"
    return private_dir(path)


def start_tunnel(
    host: str,
    *,
    forwards: Sequence[Forward],
    port: int | None = None,
    user: str | None = None,
    identity: Path | None = None,
    jump: str | None = None,
    ssh_config: Path | None = None,
    wait_http: str | None = None,
    timeout: float = 30.0,
    alive_interval: int = 5,
) -> Tunnel:
    """Open a tunnel that outlives this process (ssh master with a control socket)."""
    target = ssh_target(host, port=port, user=user, identity=identity, jump=jump,
                        ssh_config=ssh_config, alive_interval=alive_interval)
    fwds = resolve_forwards(forwards)
    tid = secrets.token_hex(4)
    log = state_dir() / f"{tid}.log"
    control = _socket_dir() / f"{tid}.sock"
    proc = _spawn(target, fwds, log, control, detach=True)
    try:
        _wait_ready(proc, target, fwds, log, wait_http, timeout)
    except BaseException:
        _terminate(proc)
        control.unlink(missing_ok=True)
        raise
    tunnel = Tunnel(id=tid, host=host, forwards=fwds, pid=proc.pid, control_path=control,
                    log_path=log, started=time.time())
    record = asdict(tunnel) | {"target": asdict(target)}
    tmp = state_dir() / f".{tid}.json.tmp"
    tmp.write_text(json.dumps(record, default=str), encoding="utf-8")
    tmp.replace(state_dir() / f"{tid}.json")
    return tunnel


def _pid_alive(pid: int, control: Path | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists() and control is not None:
        return str(control).encode() in cmdline.read_bytes()
    return True


def _load(path: Path) -> tuple[Tunnel, SshTarget] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        target_data = data.pop("target")
        forwards = tuple(Forward(**f) for f in data.pop("forwards"))
        for key in ("control_path", "log_path"):
            data[key] = Path(data[key]) if data.get(key) else None
        for key in ("identity", "config"):
            target_data[key] = Path(target_data[key]) if target_data.get(key) else None
        return Tunnel(forwards=forwards, **data), SshTarget(**target_data)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def list_tunnels() -> list[Tunnel]:
    """Background tunnels still running; records of dead ones are removed."""
    found: list[Tunnel] = []
    for path in sorted(state_dir().glob("*.json")):
        loaded = _load(path)
        if loaded is not None and _pid_alive(loaded[0].pid, loaded[0].control_path):
            found.append(loaded[0])
            continue
        _forget(path.stem)
    return sorted(found, key=lambda t: t.started)


def _forget(tid: str) -> None:
    for suffix in (".json", ".log"):
        (state_dir() / f"{tid}{suffix}").unlink(missing_ok=True)
    (_socket_dir() / f"{tid}.sock").unlink(missing_ok=True)


def close_tunnels(ids: Sequence[str] = (), *, all: bool = False) -> list[str]:
    """Close background tunnels by id (or every one); returns the ids closed."""
    running = {t.id: t for t in list_tunnels()}
    if all:
        chosen = list(running)
    else:
        unknown = [i for i in ids if i not in running]
        if unknown:
            raise TunnelError(f"no running tunnel with id {unknown[0]!r}",
                              hint="see `labtools tunnel list`")
        chosen = list(ids)
    for tid in chosen:
        loaded = _load(state_dir() / f"{tid}.json")
        tunnel = running[tid]
        if loaded is not None and tunnel.control_path is not None:
            with contextlib.suppress(Exception):
                process.run(control_argv(loaded[1], tunnel.control_path, "exit"),
                            check=False, timeout=10)
        deadline = time.monotonic() + 3.0
        while _pid_alive(tunnel.pid, tunnel.control_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _pid_alive(tunnel.pid, tunnel.control_path):
            with contextlib.suppress(ProcessLookupError):
                os.kill(tunnel.pid, signal.SIGKILL)
        _forget(tid)
    return chosen


__all__ = ["LOOPBACK", "Forward", "LiveTunnel", "Tunnel", "close_tunnels", "list_tunnels",
           "open_tunnel", "ssh_target", "start_tunnel"]
