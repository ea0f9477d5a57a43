"""``labtools handbook``: build the verified handbook."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from labtools.cli._output import console, emit, json_option


@click.group()
def handbook() -> None:
    """Execute the tutorials and build the verified handbook."""


@handbook.command("build")
@click.option(
    "--out", default="site", show_default=True, help="Site folder (relative to --project)."
)
@click.option(
    "--project",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Project root holding mkdocs.yml, docs/ and notebooks/.",
)
@click.option("--force", is_flag=True, help="Re-execute every tutorial, ignoring the cache.")
@click.option(
    "--jobs",
    "-j",
    default=1,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Tutorials executed in parallel.",
)
@click.option(
    "--only",
    multiple=True,
    metavar="TEXT",
    help="Only tutorials whose name contains TEXT (repeatable).",
)
@click.option("--no-site", is_flag=True, help="Execute and stamp tutorials, skip mkdocs.")
@json_option
def build_cmd(
    out: str,
    project: str,
    force: bool,
    jobs: int,
    only: tuple[str, ...],
    no_site: bool,
    as_json: bool,
) -> None:
    """Execute changed tutorials in a sandbox, stamp them and build the site."""
    from labtools.handbook.build import build_handbook

    err = console(stderr=True)
    progress = None
    task = None
    if sys.stderr.isatty() and not as_json:
        from rich.progress import Progress

        progress = Progress(console=err, transient=True)
        progress.start()
        task = progress.add_task("tutorials", total=None)

    def on_event(event: str, name: str) -> None:
        if progress is not None and task is not None:
            progress.update(task, description=f"{event}: {name}")
        if event in ("executed", "cached", "failed") and not as_json:
            err.print(f"  {event:<8} {name}")

    try:
        result = build_handbook(
            Path(project),
            out=None if no_site else out,
            force=force,
            jobs=jobs,
            only=only,
            on_event=on_event,
        )
    finally:
        if progress is not None:
            progress.stop()

    def render(_: object) -> None:
        executed = len(result.executed)
        cached = len(result.tutorials) - executed
        where = f" -> {result.site_dir}" if result.site_dir else ""
        site = "site built" if result.mkdocs_ran else "site unchanged"
        console().print(
            f"handbook: {executed} executed, {cached} cached, {site}{where} "
            f"({result.duration_s:.1f} s)"
        )

    emit(result, as_json=as_json, render=render)
