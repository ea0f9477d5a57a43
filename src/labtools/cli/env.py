"""``labtools env``: create, list, inspect and remove environments."""

from __future__ import annotations

from pathlib import Path

import click

from labtools.cli._output import console, emit, json_option


@click.group()
def env() -> None:
    """Create, inspect and remove environments."""


@env.command("inspect")
@click.argument("target", required=False)
@click.option("--why", "module", metavar="MODULE", help="Explain where MODULE is imported from.")
@json_option
def inspect_cmd(target: str | None, module: str | None, as_json: bool) -> None:
    """Show an environment's layout, interpreter and site-packages (default: the running one)."""
    from labtools.envs.inspect import inspect_env, where_is

    report = inspect_env(Path(target) if target else None)
    location = where_is(module) if module else None
    result = {"env": report, "module": location} if module else report

    def render(_: object) -> None:
        out = console()
        out.print(f"[bold]{report.prefix}[/bold] ({report.kind})")
        out.print(f"  python        {report.python or '-'} {report.python_version or ''}")
        out.print(f"  site-packages {report.site_packages or '-'}")
        for name, present in report.layout.items():
            out.print(f"  {name + '/':<13} {'yes' if present else 'no'}")
        if location is not None:
            out.print(f"  {location.module}: {location.explanation}")

    emit(result, as_json=as_json, render=render)
