"""Start Jupyter on a remote host over ssh, tunnel to it, stop it when done.

The server binds 127.0.0.1 on the remote with a fresh token that travels over ssh's stdin
(never on a command line). Its port comes from ``jupyter server list --json`` (no log
scraping), polled with a timeout. Closing the ssh session's stdin stops the server, so
Ctrl-C, an error, or a dropped connection all leave nothing running on the remote.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from labtools import process
from labtools.errors import CommandFailedError, TunnelError
from labtools.secret_registry import register_secret
from labtools.sshconfig import Forward, SshTarget, remote_argv, ssh_failure_line
from labtools.tunnel import LiveTunnel, open_tunnel, runtime_dir, ssh_target

if TYPE_CHECKING:
    import subprocess

PIPE = -1  # subprocess.PIPE


@dataclass(frozen=True)
class RemoteJupyter:
    """A Jupyter server running on *host*, reachable at *url* (the token is not included)."""

    host: str
    remote_port: int
    remote_pid: int
    url: str
    token_file: Path


def launcher(*, env: str | None = None, python: str | None = None) -> str:
    """How to call ``jupyter`` on the remote (pure)."""
    if python:
        return f"{shlex.quote(python)} -m jupyter"
    if env:
        return f"conda run --no-capture-output -n {shlex.quote(env)} jupyter"
    return "jupyter"


def server_script(jupyter: str, *, allow_root: bool = False) -> str:
    """The remote shell script: read the token from stdin, serve, die when stdin closes."""
    extra = " --allow-root" if allow_root else ""
    return "\n".join([
        "exec 3<&0",  # background jobs get /dev/null as stdin; keep ssh's stdin as fd 3
        "read -r JUPYTER_TOKEN <&3; export JUPYTER_TOKEN",
        'log="${TMPDIR:-/tmp}/labtools-jupyter-$$.log"',
        f"{jupyter} server --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=0"
        f' --ServerApp.open_browser=False{extra} </dev/null >"$log" 2>&1 &',
        "pid=$!",
        'echo "labtools-jupyter pid=$pid log=$log"',
        '( cat <&3 >/dev/null; kill "$pid" ) >/dev/null 2>&1 &',
        'wait "$pid"',
    ])


def listing_command(jupyter: str, seconds: float) -> str:
    """``jupyter server list --json``, ended on the remote too after *seconds* (pure).

    Killing the local ssh does not stop a remote command that has no terminal, so one
    that hangs is bounded there by coreutils' ``timeout`` where the host has it.
    """
    limit = max(1, int(seconds + 0.999))
    listing = f"{jupyter} server list --json"
    return (f"if command -v timeout >/dev/null 2>&1; then timeout {limit} {listing}; "
            f"else {listing}; fi")


def find_server(listing: str, token: str) -> dict[str, Any] | None:
    """The entry of ``jupyter server list --json`` output that carries *token* (pure)."""
    for line in listing.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("token") == token:
            return entry
    return None


class LiveRemote:
    """What :func:`remote_jupyter` yields."""

    def __init__(self, server: RemoteJupyter, tunnel: LiveTunnel,
                 session: subprocess.Popen[bytes]) -> None:
        self.server = server
        self.tunnel = tunnel
        self._session = session

    def wait_closed(self, timeout: float | None = None) -> str | None:
        """Block until the server or the tunnel goes away; return why (None: still up)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._session.poll() is not None:
                return f"jupyter server on {self.server.host} exited"
            if not self.tunnel.alive():
                return self.tunnel.wait_closed(0)
            if deadline is not None and time.monotonic() > deadline:
                return None
            time.sleep(0.2)


@contextlib.contextmanager
def remote_jupyter(
    host: str,
    *,
    env: str | None = None,
    python: str | None = None,
    local_port: int = 0,
    port: int | None = None,
    user: str | None = None,
    identity: Path | None = None,
    jump: str | None = None,
    ssh_config: Path | None = None,
    timeout: float = 60.0,
    allow_root: bool = False,
) -> Iterator[LiveRemote]:
    """Run ``jupyter server`` on *host* (127.0.0.1, fresh token), tunnel to it, stop it on exit."""
    target = ssh_target(host, port=port, user=user, identity=identity, jump=jump,
                        ssh_config=ssh_config)
    if local_port:  # refuse a planted link or someone else's file before starting anything
        from labtools.secretfile import check_target

        check_target(token_path(local_port))
    token = register_secret(secrets.token_hex(24))
    jupyter = launcher(env=env, python=python)
    deadline = time.monotonic() + timeout  # one budget for start, listing and tunnel
    session = process.spawn(remote_argv(target, server_script(jupyter, allow_root=allow_root)),
                            stdin=PIPE, stdout=PIPE, stderr=PIPE)
    try:
        assert session.stdin is not None and session.stdout is not None
        session.stdin.write(token.encode() + b"\n")
        session.stdin.flush()
        first = _first_line(session, deadline)
        if first is None:
            raise TunnelError(f"no answer from jupyter on {host} within {timeout:g} s",
                              hint="check `ssh HOST jupyter --version` works, or raise --timeout")
        if not first.startswith("labtools-jupyter pid="):
            err = _available(session.stderr, 1.0)
            raise TunnelError(f"could not start jupyter on {host}: {ssh_failure_line(err)}",
                              hint="check `ssh HOST jupyter --version` works")
        fields = dict(part.split("=", 1) for part in first.split()[1:])
        entry = _poll_listing(target, jupyter, token, session, fields.get("log", "?"), deadline,
                              timeout)
        with open_tunnel(host, forwards=[Forward(local_port, "127.0.0.1", int(entry["port"]))],
                         port=port, user=user, identity=identity, jump=jump,
                         ssh_config=target.config, wait_http="/api",
                         timeout=max(1.0, deadline - time.monotonic())) as tun:
            token_file = _token_file(tun.forwards[0].local_port, token)
            server = RemoteJupyter(host=host, remote_port=int(entry["port"]),
                                   remote_pid=int(entry.get("pid", fields.get("pid", 0))),
                                   url=tun.urls[0] + "/", token_file=token_file)
            try:
                yield LiveRemote(server, tun, session)
            finally:
                token_file.unlink(missing_ok=True)
    finally:
        _end(session)


def _first_line(session: subprocess.Popen[bytes], deadline: float) -> str | None:
    """The first line the remote script prints, or None when none came before *deadline*.

    Read with select on the raw pipe: a blocking readline would ignore --timeout when
    ssh hangs (an unreachable jump host, a server that never answers).
    """
    assert session.stdout is not None
    fd = session.stdout.fileno()
    buffer = b""
    while b"\n" not in buffer:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:  # ssh closed its stdout: it failed; the caller reads stderr
                break
            buffer += chunk
    return buffer.split(b"\n", 1)[0].decode(errors="replace")


def _available(stream: IO[bytes] | None, wait: float) -> str:
    """What *stream* has to say within *wait* seconds (never blocks longer)."""
    if stream is None:
        return ""
    fd = stream.fileno()
    deadline = time.monotonic() + wait
    out = b""
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        out += chunk
    return out.decode(errors="replace")


def token_path(local_port: int) -> Path:
    """Where the token of the server tunnelled to *local_port* is kept (0600 in a 0700 dir)."""
    return runtime_dir() / f"jupyter-{local_port}.token"


def _token_file(local_port: int, token: str) -> Path:
    from labtools.secretfile import write_secret

    return write_secret(token_path(local_port), token + "\n")


def _poll_listing(target: SshTarget, jupyter: str, token: str,
                  session: subprocess.Popen[bytes], log: str, deadline: float,
                  timeout: float) -> dict[str, Any]:
    """Ask ``jupyter server list --json`` on the remote until our server shows, by *deadline*.

    Each call gets only the time that is left, so --timeout bounds the whole wait.
    """
    while True:
        if session.poll() is not None:
            raise TunnelError(f"jupyter server on {target.host} exited during startup",
                              hint=f"see {log} on {target.host}")
        left = deadline - time.monotonic()
        done = None
        if left > 0:
            try:
                seconds = max(0.5, min(30.0, left))
                done = process.run(remote_argv(target, listing_command(jupyter, seconds)),
                                   timeout=seconds, check=False)
            except CommandFailedError:  # CommandTimeoutError included
                done = None
        if done is not None:
            entry = find_server(done.stdout, token)
            if entry is not None:
                return entry
        if time.monotonic() >= deadline:
            raise TunnelError(f"jupyter server on {target.host} not listed after {timeout:g} s",
                              hint=f"see {log} on {target.host}, or raise --timeout")
        time.sleep(min(0.3, max(0.0, deadline - time.monotonic())))


def _end(session: subprocess.Popen[bytes]) -> None:
    """Close stdin (the remote script then stops Jupyter) and let ssh finish, within ~3 s."""
    if session.stdin is not None:
        with contextlib.suppress(OSError):
            session.stdin.close()
    deadline = time.monotonic() + 2.0
    while session.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    # ssh gone: the remote's watcher sees its stdin end and kills the server anyway
    process.stop(session, grace=1.0)
