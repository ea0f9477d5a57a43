"""``labtools jupyter``: secure server config, config audit, remote servers over ssh."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import Any

import click

from labtools.cli._output import emit, json_option, path_arg
from labtools.cli._params import PORT, SECONDS
from labtools.cli.jupyter_slurm import run_slurm, slurm_options, wants_slurm
from labtools.cli.tunnel import waiting


@click.group()
def jupyter() -> None:
    """Secure Jupyter servers: config, audit, remote launch through a tunnel."""


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline().rstrip("\n")
    if not line:
        from labtools.errors import UsageError

        raise UsageError("--password read an empty password from stdin",
                         hint="pipe the password in, or run on a terminal to be prompted")
    return line


@jupyter.command("config")
@click.option("--password", "with_password", is_flag=True,
              help="Also set a password (prompted, or one line on stdin; never an argument).")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Config file (default: $JUPYTER_CONFIG_DIR/jupyter_server_config.json).")
@json_option
def config_cmd(with_password: bool, out: str | None, as_json: bool) -> None:
    """Write a secure jupyter_server_config.json (127.0.0.1, random token, 0600).

    Unsafe settings it finds there, or in config files Jupyter reads before it, are
    replaced and reported; a symlink or another user's file at the path is refused.
    """
    from labtools.jupyter import write_server_config

    password = _read_password() if with_password else None
    result = write_server_config(out=path_arg(out) if out else None, password=password)

    def render(r: Any) -> None:
        click.echo(f"wrote {r.path} (mode {r.mode}): ip {r.ip}, random token"
                   + (", argon2 password hash" if r.password else "")
                   + "\nthe token is in the file; it is not printed")
        for f in r.replaced:
            click.echo(f"replaced: {_where(f)}{f.code}: {f.message}")

    emit(result, as_json=as_json, render=render)
    for f in result.remaining:  # warnings go to stderr, with --json too
        click.echo(f"labtools: warning: still unsafe: {_where(f)}{f.code}: {f.message} "
                   f"(fix: {f.fix})", err=True)


def _where(finding: Any) -> str:
    return f"{finding.where}: " if finding.where else ""


@jupyter.command("audit")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--service", "services", multiple=True, type=click.Path(dir_okay=False),
              help="A systemd unit, batch script or kernel.json whose jupyter command line "
                   "starts the server; its flags count too (repeatable).")
@json_option
def audit_cmd(files: tuple[str, ...], services: tuple[str, ...], as_json: bool) -> None:
    """Find every setting that exposes a Jupyter server; exit 1 on findings.

    Without FILES: every config source Jupyter Server reads (all `jupyter --paths`
    config folders, .py and .json, jupyter_server_config and the legacy
    jupyter_notebook_config), each finding with its file, line and fix.
    """
    from labtools.jupyter_audit import audit_config

    report = audit_config([path_arg(f) for f in files],
                          services=[path_arg(s) for s in services])

    def render(r: Any) -> None:
        if r.ok:
            one = len(files) == 1 and not services
            where = str(r.path) if one else (
                f"{len(r.sources)} config file(s)" if r.sources else "no config files")
            click.echo(f"{where}: no findings")
        for f in r.findings:
            click.echo(f"{_where(f)}{f.code}: {f.message} (fix: {f.fix})")

    emit(report, as_json=as_json, render=render)
    if not report.ok:
        click.get_current_context().exit(1)


@jupyter.command("remote")
@click.argument("host")
@click.option("--env", help="Conda environment on the remote to run Jupyter from.")
@click.option("--python", help="Python interpreter on the remote to run Jupyter from.")
@click.option("--port", "local_port", type=PORT, default=0, show_default=True,
              help="Local port (0: pick a free one).")
@click.option("-p", "--ssh-port", type=PORT, help="SSH port of HOST.")
@click.option("-i", "--identity", type=click.Path(dir_okay=False), help="Private key file.")
@click.option("-J", "--jump", help="Jump host(s), as for ssh -J.")
@click.option("-F", "--ssh-config", type=click.Path(dir_okay=False), help="ssh config file.")
@click.option("--timeout", type=SECONDS, default=60.0, show_default=True,
              help="Seconds to wait for the server.")
@click.option("--allow-root", is_flag=True, hidden=True,
              help="Pass --allow-root to Jupyter (sandboxes only; never on a shared box).")
@slurm_options
@json_option
def remote_cmd(host: str, env: str | None, python: str | None, local_port: int,
               ssh_port: int | None, identity: str | None, jump: str | None,
               ssh_config: str | None, timeout: float, allow_root: bool, as_json: bool,
               **slurm: Any) -> None:
    """Start Jupyter on HOST (127.0.0.1, fresh token), tunnel to it; Ctrl-C stops both.

    With --slurm, HOST is a cluster's login node: Jupyter runs in a batch job on a compute
    node, reached through HOST; Ctrl-C (or SIGTERM) cancels the job.
    """
    if wants_slurm(slurm):
        del slurm["slurm"]
        run_slurm(host, as_json=as_json, env=env, python=python, local_port=local_port,
                  ssh_port=ssh_port, identity=identity, jump=jump, ssh_config=ssh_config,
                  timeout=timeout, allow_root=allow_root, **slurm)
        return
    from labtools.errors import TunnelError
    from labtools.remote import remote_jupyter

    with ExitStack() as stack:
        with waiting(f"starting Jupyter on {host} and opening a tunnel"):
            live = stack.enter_context(remote_jupyter(
                host, env=env, python=python, local_port=local_port, port=ssh_port,
                identity=path_arg(identity) if identity else None, jump=jump,
                ssh_config=path_arg(ssh_config) if ssh_config else None,
                timeout=timeout, allow_root=allow_root))
        emit(live.server, as_json=as_json, render=lambda s: click.echo(
            f"Jupyter on {s.host} (remote port {s.remote_port}) at {s.url}\n"
            f"the token is in {s.token_file} (0600; not printed); Ctrl-C stops the server"))
        sys.stdout.flush()
        try:
            reason = live.wait_closed()
        except KeyboardInterrupt:
            click.echo("stopped the remote server and closed the tunnel", err=True)
            return
    raise TunnelError(reason or "the remote server went away", hint="start it again")
