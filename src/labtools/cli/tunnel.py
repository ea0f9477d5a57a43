"""``labtools tunnel``: SSH tunnels, keys and ~/.ssh/config blocks."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, ExitStack, nullcontext
from typing import Any

import click

from labtools.cli._output import emit, json_option, path_arg
from labtools.cli._params import PORT, SECONDS


def waiting(message: str) -> AbstractContextManager[Any]:
    """A spinner on stderr while waiting, when stderr is a terminal."""
    if not sys.stderr.isatty():
        return nullcontext()
    from labtools.cli._output import console

    return console(stderr=True).status(message)  # type: ignore[no-any-return]


@click.group()
def tunnel() -> None:
    """SSH tunnels to remote Jupyter/TensorBoard, keys and ssh config blocks."""


def _forwards(values: tuple[str, ...]) -> list[Any]:
    from labtools.sshconfig import parse_forward

    return [parse_forward(v) for v in values]


def _fixed_forwards(values: tuple[str, ...]) -> list[Any]:
    """Forwards for an ssh config: ssh cannot pick a free local port, so LOCAL is required."""
    from labtools.errors import UsageError

    forwards = _forwards(values)
    for text, fwd in zip(values, forwards, strict=True):
        if fwd.local_port == 0:
            raise UsageError(f"forward {text!r} names no local port; an ssh config needs one",
                             hint="use -L LOCAL:RHOST:RPORT, e.g. -L 8888:localhost:8888")
    return forwards


def _render_tunnel(t: Any) -> None:
    for fwd in t.forwards:
        click.echo(f"{fwd.local_url} -> {t.host}:{fwd.remote_host}:{fwd.remote_port}")


def _render_background(t: Any) -> None:
    _render_tunnel(t)
    click.echo(f"tunnel {t.id} runs in the background; close it: labtools tunnel close {t.id}")


def _render_foreground(t: Any) -> None:
    _render_tunnel(t)
    click.echo("tunnel is up; press Ctrl-C to close it")


@tunnel.command("open")
@click.argument("host")
@click.option("-L", "forward", multiple=True, required=True, metavar="[LOCAL:]RHOST:RPORT",
              help="Forward 127.0.0.1:LOCAL to RHOST:RPORT as seen from HOST (LOCAL 0 or "
                   "omitted: pick a free port). Repeatable.")
@click.option("-p", "--port", type=PORT, help="SSH port of HOST.")
@click.option("-l", "--user", help="Remote user name.")
@click.option("-i", "--identity", type=click.Path(dir_okay=False), help="Private key file.")
@click.option("-J", "--jump", help="Jump host(s), as for ssh -J.")
@click.option("-F", "--ssh-config", type=click.Path(dir_okay=False),
              help="ssh config file (default: ~/.ssh/config).")
@click.option("--wait-http", metavar="PATH",
              help="Also wait until GET PATH on the first forward answers below 500.")
@click.option("--timeout", type=SECONDS, default=30.0, show_default=True,
              help="Seconds to wait for the tunnel to be ready.")
@click.option("--background", is_flag=True,
              help="Leave the tunnel running (control socket); close with `tunnel close`.")
@click.option("--interactive", is_flag=True,
              help="Allow ssh to prompt (passphrase, host key); default is BatchMode.")
@json_option
def open_cmd(host: str, forward: tuple[str, ...], port: int | None, user: str | None,
             identity: str | None, jump: str | None, ssh_config: str | None,
             wait_http: str | None, timeout: float, background: bool, interactive: bool,
             as_json: bool) -> None:
    """Open a tunnel to HOST; returns once every local port answers."""
    from labtools.errors import TunnelError
    from labtools.tunnel import open_tunnel, start_tunnel

    kwargs: dict[str, Any] = dict(
        forwards=_forwards(forward), port=port, user=user,
        identity=path_arg(identity) if identity else None, jump=jump,
        ssh_config=path_arg(ssh_config) if ssh_config else None,
        wait_http=wait_http, timeout=timeout,
    )
    if background:
        with waiting(f"opening a tunnel to {host}"):
            result = start_tunnel(host, **kwargs)
        emit(result, as_json=as_json, render=_render_background)
        return
    with ExitStack() as stack:
        with waiting(f"opening a tunnel to {host}"):
            live = stack.enter_context(open_tunnel(host, batch=not interactive, **kwargs))
        emit(live.tunnel, as_json=as_json, render=_render_foreground)
        sys.stdout.flush()
        try:
            reason = live.wait_closed()
        except KeyboardInterrupt:
            click.echo("tunnel closed", err=True)
            return
    raise TunnelError(reason or "tunnel went down", hint="check the host and reopen the tunnel")


@tunnel.command("list")
@json_option
def list_cmd(as_json: bool) -> None:
    """Background tunnels that are running."""
    from labtools.tunnel import list_tunnels

    def render(tunnels: list[Any]) -> None:
        if not tunnels:
            click.echo("no background tunnels")
        for t in tunnels:
            click.echo(f"{t.id}  pid {t.pid}  {t.host}  " + "  ".join(t.urls))

    emit(list_tunnels(), as_json=as_json, render=render)


@tunnel.command("close")
@click.argument("ids", nargs=-1)
@click.option("--all", "close_all", is_flag=True, help="Close every background tunnel.")
@json_option
def close_cmd(ids: tuple[str, ...], close_all: bool, as_json: bool) -> None:
    """Close background tunnels by ID (see `tunnel list`) or --all."""
    from labtools.errors import UsageError
    from labtools.tunnel import close_tunnels

    if not ids and not close_all:
        raise UsageError("name the tunnels to close", hint="pass an ID or --all")
    closed = close_tunnels(ids, all=close_all)
    emit({"closed": closed}, as_json=as_json,
         render=lambda r: click.echo(f"closed {len(r['closed'])} tunnel(s)"
                                     + (": " + " ".join(r["closed"]) if r["closed"] else "")))


@tunnel.command("keygen")
@click.option("--type", "key_type", type=click.Choice(["ed25519", "rsa"]), default="ed25519",
              show_default=True, help="Key type (rsa means RSA 4096).")
@click.option("--file", "file", type=click.Path(dir_okay=False),
              help="Private key path (default: ~/.ssh/id_TYPE).")
@click.option("--comment", help="Key comment.")
@click.option("--force", is_flag=True, help="Replace an existing key.")
@json_option
def keygen_cmd(key_type: str, file: str | None, comment: str | None, force: bool,
               as_json: bool) -> None:
    """Create an SSH key pair (private key 0600; never printed)."""
    from labtools.keys import generate_key

    pair = generate_key(key_type=key_type, path=path_arg(file) if file else None,
                        comment=comment, overwrite=force)
    emit(pair, as_json=as_json, render=lambda p: click.echo(
        f"private key: {p.private_key} (0600, keep it secret)\n"
        f"public key:  {p.public_key}\nfingerprint: {p.fingerprint}\n"
        f"install it on the remote: ssh-copy-id -i {p.public_key} HOST"))


@tunnel.command("ssh-config")
@click.argument("alias")
@click.option("--hostname", help="Real host name or address (HostName).")
@click.option("-p", "--port", type=PORT, help="SSH port.")
@click.option("-l", "--user", help="Remote user name.")
@click.option("-i", "--identity", type=click.Path(dir_okay=False), help="Private key file.")
@click.option("-J", "--jump", help="Jump host (ProxyJump).")
@click.option("--known-hosts", type=click.Path(dir_okay=False), help="UserKnownHostsFile.")
@click.option("-L", "forward", multiple=True, metavar="LOCAL:RHOST:RPORT",
              help="LocalForward lines. Repeatable.")
@json_option
def ssh_config_cmd(alias: str, hostname: str | None, port: int | None, user: str | None,
                   identity: str | None, jump: str | None, known_hosts: str | None,
                   forward: tuple[str, ...], as_json: bool) -> None:
    """Print a Host block for ~/.ssh/config."""
    from labtools.sshconfig import ssh_config_block

    block = ssh_config_block(
        alias, hostname=hostname, port=port, user=user,
        identity=path_arg(identity).absolute() if identity else None, jump=jump,
        known_hosts=path_arg(known_hosts).absolute() if known_hosts else None,
        forwards=_fixed_forwards(forward))
    emit({"host": alias, "block": block}, as_json=as_json,
         render=lambda _: click.echo(block, nl=False))
