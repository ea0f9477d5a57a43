"""``labtools env``: create, name, list, inspect and remove environments."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from labtools.cli._output import console, emit, json_option
from labtools.errors import EnvError

BACKEND_CHOICES = ("auto", "rattler", "conda", "mamba", "micromamba")


@click.group()
def env() -> None:
    """Create, inspect and remove environments."""


def waiting(holder: str) -> None:
    """Say whom a command waits for (another labtools process holds the env's lock)."""
    click.echo(f"labtools: waiting for labtools process {holder}, which is changing this "
               "environment (--no-wait fails at once instead)", err=True)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar on a terminal; nothing otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("linking", total=None)

        def update(what: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=what)

        yield update


@env.command("create")
@click.argument("name", required=False)
@click.argument("specs", nargs=-1)
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read specs, channels and a pip: list from an environment.yml.")
@click.option("-c", "--channel", "channels", multiple=True, metavar="DIR|URL",
              help="Channel to install from (repeatable); default: the profile's channels.")
@click.option("--from-lock", "from_lock", metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Install exactly the URLs of a conda-lock.yml, pixi.lock or @EXPLICIT "
                   "file, each verified against its sha256 (else md5) first.")
@click.option("--platform", metavar="P",
              help="The lock's platform to install (with --from-lock); default: this "
                   "machine's.")
@click.option("--backend", type=click.Choice(BACKEND_CHOICES), default=None,
              help="Package manager to use; default: the profile's (auto).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Folder that holds the environments; default: the profile's envs root.")
@click.option("--dry-run", is_flag=True, help="Solve and show the plan; install nothing.")
@click.option("--force-name", is_flag=True, help="Accept a vague name such as env1 or test.")
@click.option("--no-compile", is_flag=True, help="Do not byte-compile site-packages.")
@click.option("--no-wait", is_flag=True,
              help="Fail at once if another labtools process is working on NAME.")
@json_option
def create_cmd(name: str | None, specs: tuple[str, ...], file: Path | None,
               channels: tuple[str, ...], from_lock: Path | None, platform: str | None,
               backend: str | None, root: Path | None,
               dry_run: bool, force_name: bool, no_compile: bool, no_wait: bool,
               as_json: bool) -> None:
    """Create environment NAME from SPECs (or --file, or exactly a --from-lock), atomically."""
    from labtools.lifecycle import create_env

    with _progress(not as_json) as progress:
        result = create_env(
            name=name, specs=specs, file=file, channels=channels, from_lock=from_lock,
            platform=platform, backend=backend, root=root,
            dry_run=dry_run, force_name=force_name, compile_bytecode=not no_compile,
            progress=progress, wait=not no_wait, on_wait=waiting,
        )

    def render(_: object) -> None:
        # start-up: plain lines through click, not a rich console: importing rich was the
        # largest cost of a warm create's output (measured with bench/env_create.py)
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(f"backend: {result.backend} ({result.backend_reason})")
        verb = "would install" if result.dry_run else "installed"
        click.echo(f"{verb} {len(result.packages)} packages"
                   + (f" + pip: {' '.join(result.pip)}" if result.pip else ""))
        for pkg in result.packages:
            click.echo(f"  {pkg.name:<28} {pkg.version:<14} {pkg.build}")
        if not result.dry_run:
            click.echo(f"created {result.name} at {result.prefix} in {result.seconds:.1f} s")

    emit(result, as_json=as_json, render=render)


@env.command("name")
@click.argument("specs", nargs=-1, required=True)
@json_option
def name_cmd(specs: tuple[str, ...], as_json: bool) -> None:
    """Derive a semantic name from SPECs (python=3.11 pytorch=2.0 -> py311-torch20)."""
    from labtools.envs.names import derive_name

    name = derive_name(specs)
    emit({"name": name, "specs": list(specs)}, as_json=as_json,
         render=lambda _: click.echo(name))


@env.command("list")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Envs root to search besides conda's folders.")
@json_option
def list_cmd(root: Path | None, as_json: bool) -> None:
    """List environments (profile root, conda envs dirs, ~/.conda/environments.txt)."""
    from labtools.envs.listing import list_envs

    found = list_envs(root=root)
    broken = [e for e in found if e.status == "broken"]
    if broken and as_json:  # one error document, naming the file
        raise EnvError(f"{broken[0].name}: {broken[0].detail}",
                       hint="see labtools env list (without --json) for the others")

    def render(_: object) -> None:
        from rich.table import Table

        table = Table("name", "python", "status", "prefix", "found via")
        for entry in found:
            table.add_row(entry.name, entry.python_version or "-", entry.status,
                          str(entry.prefix), entry.source)
        console().print(table if found else "no environments found")
        for entry in found:
            if entry.status == "incomplete":
                console(stderr=True).print(f"warning: {entry.name} is incomplete: "
                                           f"{entry.detail}")

    emit(found, as_json=as_json, render=render)
    if broken:
        raise EnvError(f"{broken[0].name}: {broken[0].detail}",
                       hint="the table above shows the other environments")


@env.command("remove")
@click.argument("target")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Folder that holds the environments; default: the profile's envs root.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--no-wait", is_flag=True,
              help="Fail at once if another labtools process is working on it.")
@json_option
def remove_cmd(target: str, root: Path | None, yes: bool, no_wait: bool,
               as_json: bool) -> None:
    """Remove environment NAME or PATH through the tool that made it (never base)."""
    from labtools.envs.listing import remove_env, resolve_env
    from labtools.errors import UsageError

    if not yes:
        prefix = resolve_env(target, root=root)
        if not sys.stdin.isatty():
            raise UsageError(f"refusing to remove {prefix} without confirmation",
                             hint="pass --yes")
        click.confirm(f"Remove {prefix}?", abort=True)
    removed = remove_env(target, root=root, wait=not no_wait)
    emit(removed, as_json=as_json,
         render=lambda _: click.echo(f"removed {removed.name} ({removed.prefix})"))


@env.command("inspect")
@click.argument("target", required=False)
@click.option("--why", "module", metavar="MODULE", help="Explain whether MODULE is importable.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Folder that holds the environments; default: the profile's envs root.")
@json_option
def inspect_cmd(target: str | None, module: str | None, root: Path | None,
                as_json: bool) -> None:
    """Show an environment's layout, interpreter, packages by origin (default: running one)."""
    from labtools.envs.inspect import inspect_env, where_is
    from labtools.envs.listing import resolve_complete
    from labtools.envs.packages import packages_of, why_in_env

    report = inspect_env(resolve_complete(target, root=root).path if target else None)
    packages = packages_of(report.prefix)
    location: Any = None
    if module:
        location = where_is(module) if report.is_running else why_in_env(report.prefix, module)
    result = {"env": report, "packages": packages.packages, "warnings": packages.warnings}
    if module:
        result["module"] = location

    def render(_: object) -> None:
        out = console()
        out.print(f"[bold]{report.prefix}[/bold] ({report.kind})")
        out.print(f"  python        {report.python or '-'} {report.python_version or ''}")
        out.print(f"  site-packages {report.site_packages or '-'}")
        for name, present in report.layout.items():
            out.print(f"  {name + '/':<13} {'yes' if present else 'no'}")
        conda = sum(p.origin == "conda" for p in packages.packages)
        out.print(f"  packages      {conda} from conda, {len(packages.packages) - conda} from pip")
        for pkg in packages.packages:
            if pkg.origin == "pip":
                out.print(f"    pip: {pkg.name} {pkg.version}")
        for warning in packages.warnings:
            console(stderr=True).print(f"warning: {warning}")
        if location is not None:
            out.print(f"  {location.module}: {location.explanation}")

    emit(result, as_json=as_json, render=render)

from labtools.cli.env_change import install_cmd, uninstall_cmd  # noqa: E402
from labtools.cli.env_update import rollback_cmd, snapshots_cmd, update_cmd  # noqa: E402

for _command in (install_cmd, uninstall_cmd, update_cmd, rollback_cmd, snapshots_cmd):
    env.add_command(_command)
