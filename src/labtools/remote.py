"""Start Jupyter on a remote host over ssh, tunnel to it, stop it when done.

The server binds 127.0.0.1 on the remote with a fresh token that travels over ssh's stdin
(never on a command line). Its port comes from ``jupyter server list --json`` (no log
scraping), polled with a timeout. Closing the ssh session's stdin stops the server, so
Ctrl-C, an error, or a dropped connection all leave nothing running on the remote.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labtools import process
from labtools.errors import CommandFailedError, TunnelError
from labtools.secret_registry import register_secret
from labtools.sshconfig import Forward, SshTarget, remote_argv, ssh_failure_line
from labtools.tunnel import LiveTunnel, open_tunnel, runtime_dir, with_home_config

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
    target = with_home_config(SshTarget(host, port=port, user=user, identity=identity,
                                        jump=jump, config=ssh_config))
    if local_port:  # refuse a planted link or someone else's file before starting anything
        from labtools.secretfile import check_target

        check_target(token_path(local_port))
    token = register_secret(secrets.token_hex(24))
    jupyter = launcher(env=env, python=python)
    session = process.spawn(remote_argv(target, server_script(jupyter, allow_root=allow_root)),
                            stdin=PIPE, stdout=PIPE, stderr=PIPE)
    try:
        assert session.stdin is not None and session.stdout is not None
        session.stdin.write(token.encode() + b"\n")
        session.stdin.flush()
        first = session.stdout.readline().decode(errors="replace")
        if not first.startswith("labtools-jupyter pid="):
            err = session.stderr.read().decode(errors="replace") if session.stderr else ""
            raise TunnelError(f"could not start jupyter on {host}: {ssh_failure_line(err)}",
                              hint="check `ssh HOST jupyter --version` works")
        fields = dict(part.split("=", 1) for part in first.split()[1:])
        entry = _poll_listing(target, jupyter, token, session, fields.get("log", "?"), timeout)
        with open_tunnel(host, forwards=[Forward(local_port, "127.0.0.1", int(entry["port"]))],
                         port=port, user=user, identity=identity, jump=jump,
                         ssh_config=target.config, wait_http="/api", timeout=timeout) as tun:
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


def token_path(local_port: int) -> Path:
    """Where the token of the server tunnelled to *local_port* is kept (0600 in a 0700 dir)."""
    return runtime_dir() / f"jupyter-{local_port}.token"


def _token_file(local_port: int, token: str) -> Path:
    from labtools.secretfile import write_secret

    return write_secret(token_path(local_port), token + "\n")


def _poll_listing(target: SshTarget, jupyter: str, token: str,
                  session: subprocess.Popen[bytes], log: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        if session.poll() is not None:
            raise TunnelError(f"jupyter server on {target.host} exited during startup",
                              hint=f"see {log} on {target.host}")
        try:
            done = process.run(remote_argv(target, f"{jupyter} server list --json"),
                               timeout=30, check=False)
        except CommandFailedError:
            done = None
        if done is not None:
            entry = find_server(done.stdout, token)
            if entry is not None:
                return entry
        if time.monotonic() > deadline:
            raise TunnelError(f"jupyter server on {target.host} not listed after {timeout:g} s",
                              hint=f"see {log} on {target.host}, or raise --timeout")
        time.sleep(0.3)


def _end(session: subprocess.Popen[bytes]) -> None:
    """Close stdin (the remote script then stops Jupyter) and wait for ssh to finish."""
    if session.stdin is not None:
        with contextlib.suppress(OSError):
            session.stdin.close()
    deadline = time.monotonic() + 15
    while session.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.stop(session, grace=3.0)
