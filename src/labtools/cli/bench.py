"""``labtools bench``: measure the package managers on this machine, fairly."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from labtools.cli._output import console, emit, json_option

if TYPE_CHECKING:
    from labtools.pmbench.api import BenchResult

# kept here, not imported, so `labtools bench --help` stays fast (a test checks they agree)
CONTESTANTS = ("engine", "conda-classic", "conda-libmamba", "mamba", "micromamba", "pip", "uv",
               "cp-al")
#: accepted, and always listed as absent with the reason (see pmbench.contestants)
UNSUPPORTED = ("pixi",)
SCENARIOS = ("solve", "warm", "cold", "install", "remove")


def _names(values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> list[str]:
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    bad = [n for n in names if n not in allowed]
    if bad:
        raise click.BadParameter(f"unknown {what} {', '.join(bad)}; choose from "
                                 f"{', '.join(allowed)}")
    return names


#: without a terminal (a log file, CI), a progress line at least this often (seconds)
PLAIN_EVERY = 60.0


def _plain_progress() -> Callable[[int, int, str], None]:
    """One line per round, and one at least every :data:`PLAIN_EVERY` seconds within a
    round: a large case runs for hours and its log must say where it is."""
    import time

    started = time.monotonic()
    stage_shown = [""]  # the scenario and round last named
    when_shown = [started]

    def update(done: int, total: int, what: str) -> None:
        now = time.monotonic()
        stage = what.split(":", 1)[0]
        if stage == stage_shown[0] and now - when_shown[0] < PLAIN_EVERY:
            return
        stage_shown[0], when_shown[0] = stage, now
        click.echo(f"bench: [{done}/{total}] {what} ({now - started:.0f} s)", err=True)

    return update


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    if not enabled:
        yield None
        return
    if not sys.stderr.isatty():
        yield _plain_progress()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("benchmark", total=None)

        def update(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        yield update


def _replace(path: Path, text: str) -> None:
    """Write *text* to *path* whole (a reader never sees half a file)."""
    part = path.with_name(f".{path.name}.part")
    part.write_text(text, encoding="utf-8")
    part.replace(path)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a job scheduler, ``kill``) stops the benchmark like Ctrl-C does."""
    def handler(_sig: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("bench")
@click.option("-s", "--spec", "specs", multiple=True, metavar="SPECS",
              help='Packages to request, e.g. "python ipykernel" (the default).')
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Take the specs (and channels) from an environment.yml.")
@click.option("-c", "--channel", "channels", multiple=True, metavar="DIR|URL",
              help="Channel (repeatable); default: the profile's channels.")
@click.option("--contestants", "contestants", multiple=True, metavar="NAMES",
              help=f"Comma-separated subset of {', '.join(CONTESTANTS)} (default: all; "
                   "pixi is listed as absent: labtools has no pixi adapter).")
@click.option("--scenarios", "scenarios", multiple=True, metavar="NAMES",
              help=f"Comma-separated subset of {', '.join(SCENARIOS)} (default: all).")
@click.option("-n", "--repeats", default=7, show_default=True, type=click.IntRange(min=7),
              help="Counted runs per contestant and scenario.")
@click.option("--warmup", default=1, show_default=True, type=click.IntRange(min=1),
              help="Uncounted warm-up rounds.")
@click.option("--baseline", metavar="NAME",
              help="Ratios relative to NAME (default: conda, else the first present).")
@click.option("--wheelhouse", "--find-links", "wheelhouse",
              type=click.Path(file_okay=False, path_type=Path),
              help="pip/uv install from this wheel folder (default: CHANNEL/wheels).")
@click.option("--add", "add", metavar="SPEC",
              help="The package the install scenario adds (default: one from the channel).")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the sandboxes and envs go (default: the temp folder).")
@click.option("--timeout", default=1800.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds one command may take before it counts as failed.")
@click.option("--literal", is_flag=True,
              help="Keep the request as typed (by default pip is asked for with python).")
@click.option("--markdown", "markdown_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the result as Markdown to this file.")
@click.option("--save-json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the --json document to this file.")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw box plots into this .png or .svg file.")
@json_option
@click.pass_context
def bench(ctx: click.Context, specs: tuple[str, ...], file: Path | None,
          channels: tuple[str, ...], contestants: tuple[str, ...], scenarios: tuple[str, ...],
          repeats: int, warmup: int, baseline: str | None, wheelhouse: Path | None,
          add: str | None, workdir: Path | None, timeout: float, literal: bool,
          markdown_file: Path | None, json_file: Path | None,
          plot_file: Path | None, as_json: bool) -> None:
    """Time solves, creates, installs and removals with every package manager found here.

    Every contestant runs as a whole process in its own sealed sandbox, interleaved
    (A B C, B C A, ...) after a warm-up; absent ones are listed with the reason. Ctrl-C
    stops the running tool, removes every temporary env, and prints what was measured.
    """
    from labtools.pmbench import report
    from labtools.pmbench.api import benchmark

    if any(not text.strip() for text in specs):  # never a silent default to python
        raise click.BadParameter("an empty spec; name the packages, e.g. -s 'python=3.11 numpy'",
                                 param_hint="'--spec'")
    if plot_file is not None and plot_file.suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter("use a .png or .svg file", param_hint="--plot")
    chosen = _names(contestants, CONTESTANTS + UNSUPPORTED, "contestant") or None
    picked = _names(scenarios, SCENARIOS, "scenario") or list(SCENARIOS)
    def save(result: BenchResult) -> None:
        """The Markdown and JSON files; rewritten after every round of a long run."""
        if markdown_file is not None:
            _replace(markdown_file, report.markdown(result))
        if json_file is not None:
            import json

            from labtools.cli._output import to_jsonable

            _replace(json_file, json.dumps(to_jsonable(result), indent=2) + "\n")

    with _progress(not as_json) as progress, _sigterm_interrupts():
        result = benchmark(specs=specs, file=file, channels=channels, contestants=chosen,
                           scenarios=picked, repeats=repeats, warmup=warmup,
                           baseline=baseline, wheelhouse=wheelhouse, add=add,
                           workdir=workdir, progress=progress, timeout=timeout,
                           literal=literal,
                           checkpoint=save if markdown_file or json_file else None)
    save(result)
    if plot_file is not None and any(m.samples for m in result.run.measurements):
        report.plot(result, plot_file)

    def render(_: object) -> None:
        out = console()
        for line in report.summary_lines(result):
            out.print(line)
        for line in report.contestant_lines(result):
            out.print(f"contestant: {line}")
        out.print(report.table(result))
        for line in report.failure_lines(result):
            out.print(f"failed: {line}")
        for line in report.na_lines(result):
            out.print(f"n/a: {line}")
        for line in report.absent_lines(result):
            out.print(f"absent: {line}")
        for line in report.agreement_lines(result):
            out.print(f"packages: {line}")
        for path in (markdown_file, json_file, plot_file):
            if path is not None and path.exists():
                out.print(f"wrote {path}")

    emit(result, as_json=as_json, render=render)
    if result.run.interrupted:
        click.echo("labtools: interrupted; the result above is partial", err=True)
        ctx.exit(130)
