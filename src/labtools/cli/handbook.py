"""``labtools handbook``: start, build and preview a verified handbook."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click

from labtools.cli._output import console, emit, json_option

project_option = click.option(
    "--project",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Handbook root holding mkdocs.yml.",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    default=None,
    type=click.IntRange(1, 32),
    help="Tutorials executed in parallel (default: `jobs:` in mkdocs.yml, else 1).",
)
kernel_option = click.option(
    "--kernel",
    "kernels",
    multiple=True,
    metavar="NAME=KERNEL",
    help="Run notebooks whose kernelspec is NAME on KERNEL instead (repeatable), "
    "e.g. python3=lab-env.",
)


@click.group()
def handbook() -> None:
    """Start, build and preview a handbook of executed, verified tutorials."""


@contextmanager
def _terminate_is_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP stop a build like Ctrl-C does: kernels killed, services stopped."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _printer(as_json: bool) -> tuple[Callable[[str, str, str], None], Callable[[str], None]]:
    err = console(stderr=True)

    def on_event(event: str, name: str, detail: str) -> None:
        if as_json:
            return
        if event == "failed":
            err.print(f"  failed   {detail}", markup=False)
        elif event in ("executed", "cached"):
            err.print(f"  {event:<8} {name}", markup=False)

    def echo(line: str) -> None:
        if not as_json:
            err.print(line, markup=False)

    return on_event, echo


@handbook.command("build")
@click.option(
    "--out", default="site", show_default=True, help="Site folder (relative to --project)."
)
@project_option
@click.option("--force", is_flag=True, help="Re-execute every tutorial, ignoring the cache.")
@jobs_option
@click.option(
    "--only", multiple=True, metavar="TEXT",
    help="Only tutorials whose name contains TEXT (repeatable).",
)
@click.option(
    "--keep-going", is_flag=True,
    help="Build the site even when tutorials fail (a red banner on each); still exits 1.",
)
@kernel_option
@click.option("--no-site", is_flag=True, help="Execute and stamp tutorials, skip mkdocs.")
@json_option
def build_cmd(
    out: str, project: str, force: bool, jobs: int | None, only: tuple[str, ...],
    keep_going: bool, kernels: tuple[str, ...], no_site: bool, as_json: bool,
) -> None:
    """Execute changed tutorials in a sandbox, stamp them and build the site.

    Every failing tutorial is listed (file:line, cell, error); the previous site is left
    as it was unless --keep-going.
    """
    from labtools.errors import HandbookError
    from labtools.handbook.kernels import parse_mapping
    from labtools.handbook.site import build_handbook

    on_event, echo = _printer(as_json)
    with _terminate_is_interrupt():
        result = build_handbook(
            Path(project), out=None if no_site else out, force=force, jobs=jobs, only=only,
            keep_going=keep_going or None, kernels=parse_mapping(kernels), on_event=on_event,
            echo=echo,
        )

    def render(_: object) -> None:
        executed = len(result.executed)
        failed = len(result.failures)
        cached = len(result.tutorials) - executed - failed
        where = f" -> {result.site_dir}" if result.site_dir and result.mkdocs_ran else ""
        site = "site built" if result.mkdocs_ran else "site unchanged"
        if result.site_dir is None:
            site = "no site (--no-site)"
        if result.failures and not (keep_going and result.mkdocs_ran):
            site = "site not replaced" if result.site_dir else "no site"
        console().print(
            f"handbook: {executed} executed, {cached} cached, {failed} failed, {site}{where} "
            f"({result.duration_s:.1f} s)", markup=False,
        )
        from labtools.handbook.execution_env import summary

        envs = summary(t.environment for t in result.tutorials)
        if envs:
            console().print(f"executed in: {envs}", markup=False)

    emit(result, as_json=as_json, render=render)
    if result.failures:
        names = ", ".join(t.name for t in result.tutorials if t.status == "failed")
        raise HandbookError(
            f"{len(result.failures)} tutorial(s) failed: {names}",
            hint="each is listed above with its file:line; "
            + ("the site shows them with a red banner" if keep_going and result.mkdocs_ran
               else "the previous site is left as it was"),
        )


@handbook.command("serve")
@project_option
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 (0 picks a free one).")
@jobs_option
@kernel_option
@json_option
def serve_cmd(project: str, port: int, jobs: int | None, kernels: tuple[str, ...],
              as_json: bool) -> None:
    """Preview the handbook on 127.0.0.1: edit a tutorial, it re-executes, the page reloads.

    Only the tutorial that changed runs again. Ctrl-C stops the server, every kernel and
    the sandbox's services.
    """
    from labtools.handbook.kernels import parse_mapping
    from labtools.handbook.site import serve_handbook

    on_event, echo = _printer(as_json)
    if as_json:  # one JSON document per line: the URL, then each tutorial as it is done

        def on_event(event: str, name: str, detail: str) -> None:
            if event in ("executed", "cached", "failed"):
                line = {"event": event, "tutorial": name, "failure": detail}
                sys.stdout.write(json.dumps(line) + "\n")
                sys.stdout.flush()

    def on_ready(url: str) -> None:
        if as_json:
            sys.stdout.write(json.dumps({"url": url, "project": str(Path(project).resolve())})
                             + "\n")
            sys.stdout.flush()
        else:
            console(stderr=True).print(f"handbook: serving {url} (Ctrl-C stops)", markup=False)

    with _terminate_is_interrupt():
        serve_handbook(Path(project), port=port, jobs=jobs, kernels=parse_mapping(kernels),
                       on_event=on_event, on_ready=on_ready, echo=None if as_json else echo)


@handbook.command("new")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--name", default=None, help="The handbook's title (default: from DIRECTORY).")
@json_option
def new_cmd(directory: str, name: str | None, as_json: bool) -> None:
    """Start a handbook for your lab in DIRECTORY (new or empty): mkdocs.yml, docs/, an
    example tutorial, labtools.toml and a CI workflow. Then: cd DIRECTORY && labtools
    handbook build."""
    from labtools.handbook.scaffold import new_handbook

    made = new_handbook(Path(directory), name=name)

    def render(_: object) -> None:
        out = console()
        out.print(f"handbook: created {made.root}", markup=False)
        for path in made.files:
            out.print(f"  {path}", markup=False)
        out.print(f"next: cd {directory} && labtools handbook build   (or: labtools handbook "
                  "serve)", markup=False)

    emit(made, as_json=as_json, render=render)
