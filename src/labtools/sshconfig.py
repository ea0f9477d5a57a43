"""Pure cores of the SSH tools: forward specs, ssh command lines, config blocks.

Nothing here does I/O; :mod:`labtools.tunnel` and :mod:`labtools.loopback_sshd` do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from labtools.errors import UsageError

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Forward:
    """One local forward: ``127.0.0.1:local_port`` -> ``remote_host:remote_port`` on the far side.

    ``local_port`` 0 means "pick a free port"; :func:`labtools.tunnel.open_tunnel` fills it in.
    """

    local_port: int
    remote_host: str
    remote_port: int
    local_host: str = LOOPBACK

    def spec(self) -> str:
        """The ``-L`` argument, always with the explicit loopback bind address."""
        return f"{self.local_host}:{self.local_port}:{self.remote_host}:{self.remote_port}"

    def with_local_port(self, port: int) -> Forward:
        return replace(self, local_port=port)

    @property
    def local_url(self) -> str:
        return f"http://{self.local_host}:{self.local_port}"


def _port(text: str, what: str, original: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise UsageError(
            f"bad {what} {text!r} in forward {original!r}",
            hint="use -L [LOCAL:]RHOST:RPORT, e.g. -L 8888:localhost:8888 or -L 0:localhost:8888",
        )
    return int(text)


def parse_forward(text: str) -> Forward:
    """Parse ``[LOCAL:]RHOST:RPORT`` (``[bind:]`` prefixes other than loopback are refused)."""
    parts = text.strip().split(":")
    if len(parts) == 2:
        parts = ["0", *parts]
    if len(parts) == 4:
        if parts[0] not in (LOOPBACK, "localhost"):
            raise UsageError(
                f"forward {text!r} binds {parts[0]!r}; labtools only binds {LOOPBACK}",
                hint="drop the bind address: -L LOCAL:RHOST:RPORT",
            )
        parts = parts[1:]
    if len(parts) != 3 or not parts[1]:
        raise UsageError(
            f"cannot read forward {text!r}",
            hint="use -L [LOCAL:]RHOST:RPORT, e.g. -L 8888:localhost:8888",
        )
    local = _port(parts[0] or "0", "local port", text)
    remote = _port(parts[2], "remote port", text)
    if remote == 0:
        raise UsageError(f"remote port 0 in forward {text!r}", hint="name the remote port")
    return Forward(local_port=local, remote_host=parts[1], remote_port=remote)


@dataclass(frozen=True)
class SshTarget:
    """Where and how to connect: a host (or ``~/.ssh/config`` alias) plus optional overrides."""

    host: str
    port: int | None = None
    user: str | None = None
    identity: Path | None = None
    jump: str | None = None
    config: Path | None = None
    batch: bool = True
    alive_interval: int = 5
    alive_count: int = 3
    connect_timeout: int = 10

    @property
    def destination(self) -> str:
        return f"{self.user}@{self.host}" if self.user else self.host


def ssh_options(target: SshTarget) -> list[str]:
    """The ssh options common to every command labtools runs against *target*."""
    argv: list[str] = []
    if target.config is not None:
        argv += ["-F", str(target.config)]
    if target.port is not None:
        argv += ["-p", str(target.port)]
    if target.identity is not None:
        argv += ["-i", str(target.identity), "-o", "IdentitiesOnly=yes"]
    if target.jump:
        argv += ["-J", target.jump]
    argv += [
        "-o", f"BatchMode={'yes' if target.batch else 'no'}",
        "-o", f"ServerAliveInterval={target.alive_interval}",
        "-o", f"ServerAliveCountMax={target.alive_count}",
        "-o", f"ConnectTimeout={target.connect_timeout}",
    ]
    return argv


def tunnel_argv(
    target: SshTarget,
    forwards: Sequence[Forward],
    *,
    control_path: Path | None = None,
    ssh: str = "ssh",
) -> list[str]:
    """``ssh -N -L 127.0.0.1:L:H:P ...`` with ExitOnForwardFailure; a master when *control_path*."""
    if not forwards:
        raise UsageError("a tunnel needs at least one forward", hint="add -L [LOCAL:]RHOST:RPORT")
    argv = [ssh, "-N", "-T", *ssh_options(target), "-o", "ExitOnForwardFailure=yes"]
    if control_path is not None:
        argv += ["-M", "-S", str(control_path)]
    for fwd in forwards:
        if fwd.local_port == 0:
            raise ValueError("resolve local port 0 before building the command line")
        argv += ["-L", fwd.spec()]
    argv.append(target.destination)
    return argv


def control_argv(
    target: SshTarget, control_path: Path, command: str, *, ssh: str = "ssh"
) -> list[str]:
    """``ssh -S SOCKET -O check|exit HOST``."""
    return [ssh, *(["-F", str(target.config)] if target.config else []),
            "-S", str(control_path), "-O", command, target.destination]


def remote_argv(target: SshTarget, command: str, *, ssh: str = "ssh") -> list[str]:
    """``ssh HOST COMMAND`` (no tty, no forwards) for running a command on the remote."""
    return [ssh, "-T", *ssh_options(target), target.destination, command]


_ALIAS_RE = re.compile(r"^[A-Za-z0-9._@-]+$")


def ssh_config_block(
    alias: str,
    *,
    hostname: str | None = None,
    port: int | None = None,
    user: str | None = None,
    identity: Path | None = None,
    jump: str | None = None,
    known_hosts: Path | None = None,
    forwards: Sequence[Forward] = (),
) -> str:
    """A ``Host`` block for ``~/.ssh/config``. Host-key checking is left on."""
    if not _ALIAS_RE.match(alias):
        raise UsageError(f"bad host alias {alias!r}", hint="use letters, digits, '.', '-', '_'")
    lines = [f"Host {alias}"]
    if hostname:
        lines.append(f"    HostName {hostname}")
    if port is not None:
        lines.append(f"    Port {port}")
    if user:
        lines.append(f"    User {user}")
    if identity is not None:
        lines.append(f"    IdentityFile {identity}")
        lines.append("    IdentitiesOnly yes")
    if jump:
        lines.append(f"    ProxyJump {jump}")
    if known_hosts is not None:
        lines.append(f"    UserKnownHostsFile {known_hosts}")
    for fwd in forwards:
        lines.append(f"    LocalForward {fwd.local_host}:{fwd.local_port} "
                     f"{fwd.remote_host}:{fwd.remote_port}")
    lines.append("    ServerAliveInterval 15")
    lines.append("    ExitOnForwardFailure yes")
    return "\n".join(lines) + "\n"


def known_hosts_line(host: str, port: int, public_key: str) -> str:
    """A known_hosts entry (``[host]:port`` form for non-22 ports); drops the key comment."""
    name = host if port == 22 else f"[{host}]:{port}"
    kind, blob = public_key.split()[:2]
    return f"{name} {kind} {blob}\n"


_NOISE = ("Warning: Permanently added", "Pseudo-terminal", "channel ", "debug1:")


def ssh_failure_line(stderr: str) -> str:
    """The one line of ssh's stderr that says why it failed, minus the ``user@host:`` prefix."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(_NOISE)]
    if not lines:
        return "ssh exited without a message"
    for keyword in ("Permission denied", "Host key verification failed", "Address already in use",
                    "Connection refused", "Could not resolve", "timed out", "Connection closed",
                    "No route", "Too many authentication"):
        for line in lines:
            if keyword in line:
                return _strip_prefix(line)
    return _strip_prefix(lines[-1])


def _strip_prefix(line: str) -> str:
    # "root@127.0.0.1: Permission denied (publickey)." -> "Permission denied (publickey)"
    match = re.match(r"^[^\s:]+@[^\s:]+: (.*)$", line)
    if match:
        line = match.group(1)
    if line.startswith("ssh: "):
        line = line[5:]
    return line.rstrip(".")
