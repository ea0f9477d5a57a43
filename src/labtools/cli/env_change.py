"""``labtools env install | uninstall``: add packages to an environment or take them out.

Registered onto the ``env`` group at the end of :mod:`labtools.cli.env`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from labtools.cli._output import console, emit, json_option
from labtools.cli.env import waiting
from labtools.cli.env_update import _progress, confirm_plan, render_plan, target_options


def _options(func: Any) -> Any:
    options: list[Callable[[Any], Any]] = [
        click.option("--dry-run", is_flag=True, help="Show the plan; change nothing."),
        click.option("-y", "--yes", is_flag=True, help="Apply the plan without asking."),
        click.option("-c", "--channel", "channels", multiple=True, metavar="DIR|URL",
                     help="Channel to install from (repeatable), before the profile's."),
        target_options,
        json_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _render(result: Any, out: Any, err: Any) -> None:
    if result.dry_run or not result.applied:
        render_plan(result.plan, out=out, err=err)
        out.print("dry run: nothing changed" if result.dry_run else "not applied")
        return
    render_plan(result.plan, out=out, err=err)
    verb = "installed into" if result.operation == "install" else "removed from"
    out.print(f"{verb} {result.prefix.name} with {result.backend} ({result.backend_reason})")
    if result.snapshot is not None:
        out.print(f"snapshot {result.snapshot.id} saved (labtools env rollback "
                  f"{result.prefix.name} --to {result.snapshot.id})")


@click.command("install")
@click.argument("env_name", metavar="ENV")
@click.argument("specs", nargs=-1)
@_options
def install_cmd(env_name: str, specs: tuple[str, ...], dry_run: bool, yes: bool,
                channels: tuple[str, ...], backend: str | None, root: Path | None,
                no_wait: bool, as_json: bool) -> None:
    """Install SPECs into ENV through the tool that made it (snapshot first)."""
    from labtools.envs.change import install_packages

    out, err = console(stderr=as_json), console(stderr=True)
    with _progress(not as_json) as progress:
        result = install_packages(env=env_name, specs=specs, channels=channels, backend=backend,
                                  dry_run=dry_run, root=root, confirm=confirm_plan(yes, out, err),
                                  progress=progress, wait=not no_wait, on_wait=waiting)
    emit(result, as_json=as_json, render=lambda r: _render(r, out, err))


@click.command("uninstall")
@click.argument("env_name", metavar="ENV")
@click.argument("names", nargs=-1)
@_options
def uninstall_cmd(env_name: str, names: tuple[str, ...], dry_run: bool, yes: bool,
                  channels: tuple[str, ...], backend: str | None, root: Path | None,
                  no_wait: bool, as_json: bool) -> None:
    """Remove the packages NAMES from ENV through the tool that made it (snapshot first)."""
    from labtools.envs.change import remove_packages

    out, err = console(stderr=as_json), console(stderr=True)
    with _progress(not as_json) as progress:
        result = remove_packages(env=env_name, names=names, channels=channels, backend=backend,
                                 dry_run=dry_run, root=root, confirm=confirm_plan(yes, out, err),
                                 progress=progress, wait=not no_wait, on_wait=waiting)
    emit(result, as_json=as_json, render=lambda r: _render(r, out, err))


__all__ = ["install_cmd", "uninstall_cmd"]
