"""``labtools channel demo``: a small local channel for machines without conda-forge."""

from __future__ import annotations

from pathlib import Path

import click

from labtools.cli._output import console, emit, json_option


@click.command("demo")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--wheels", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Take ipykernel and its dependencies from this folder of wheels "
                   "(fully offline); default: download them once from PyPI.")
@click.option("--force", is_flag=True, help="Rebuild even when DIRECTORY is up to date.")
@json_option
def demo_cmd(directory: Path, wheels: Path | None, force: bool, as_json: bool) -> None:
    """Make a small channel in DIRECTORY: this Python, pip, ipykernel, labdemo.

    For a machine that cannot reach conda-forge: environments created from it can run
    the handbook's tutorials and Jupyter kernels. Point the profile at it afterwards:
    export LABTOOLS_CHANNELS=DIRECTORY, or labtools profile init --set channels=DIRECTORY.
    """
    from labtools.demo_channel import make_demo_channel

    def say(step: str) -> None:  # progress goes to stderr, with or without --json
        console(stderr=True).print(f"[dim]{step}[/dim]")

    result = make_demo_channel(directory, wheels=wheels, force=force, progress=say)

    def render(_: object) -> None:
        verb = "already up to date" if result.reused else f"built in {result.seconds:.0f} s"
        click.echo(f"demo channel {result.path}: python {result.python} + "
                   f"{len(result.packages) - 1} packages, {verb}")
        click.echo(f"use it: export LABTOOLS_CHANNELS={result.path}")

    emit(result, as_json=as_json, render=render)
