"""``labtools bench``: measure the package managers on this machine, fairly."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from labtools.cli._output import console, emit, json_option

CONTESTANTS = ("engine", "conda-classic", "conda-libmamba", "mamba", "micromamba", "pixi",
               "pip", "uv")
SCENARIOS = ("solve", "cold", "warm")


def _names(values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> list[str]:
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    bad = [n for n in names if n not in allowed]
    if bad:
        raise click.BadParameter(f"unknown {what} {', '.join(bad)}; choose from "
                                 f"{', '.join(allowed)}")
    return names


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("benchmark", total=None)

        def update(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        yield update


@click.command("bench")
@click.option("-s", "--spec", "specs", multiple=True, metavar="SPECS",
              help='Packages to request, e.g. "python=3.11 numpy" (default: python).')
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Take the specs (and channels) from an environment.yml.")
@click.option("-c", "--channel", "channels", multiple=True, metavar="DIR|URL",
              help="Channel (repeatable); default: the profile's channels.")
@click.option("--contestants", "contestants", multiple=True, metavar="NAMES",
              help=f"Comma-separated subset of {', '.join(CONTESTANTS)} (default: all).")
@click.option("--scenarios", "scenarios", multiple=True, metavar="NAMES",
              help="Comma-separated subset of solve, cold, warm (default: all).")
@click.option("-n", "--repeats", default=5, show_default=True, type=click.IntRange(min=5),
              help="Counted runs per contestant and scenario.")
@click.option("--warmup", default=1, show_default=True, type=click.IntRange(min=1),
              help="Uncounted warm-up rounds.")
@click.option("--baseline", metavar="NAME", help="Ratios relative to NAME (default: engine).")
@click.option("--find-links", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="pip/uv: install offline from this wheel folder (--no-index).")
@click.option("--markdown", "markdown_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the result as Markdown to this file.")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw box plots into this .png or .svg file.")
@json_option
def bench(specs: tuple[str, ...], file: Path | None, channels: tuple[str, ...],
          contestants: tuple[str, ...], scenarios: tuple[str, ...], repeats: int, warmup: int,
          baseline: str | None, find_links: Path | None, markdown_file: Path | None,
          plot_file: Path | None, as_json: bool) -> None:
    """Time environment solves and creates with every package manager found here.

    Contestants run interleaved (A B A B ...) after a warm-up; absent ones are listed
    with the reason. pip and uv join when the spec is PyPI-only.
    """
    from labtools.pmbench import report
    from labtools.pmbench.api import benchmark

    if plot_file is not None and plot_file.suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter("use a .png or .svg file", param_hint="--plot")
    chosen = _names(contestants, CONTESTANTS, "contestant") or None
    picked = _names(scenarios, SCENARIOS, "scenario") or list(SCENARIOS)
    with _progress(not as_json) as progress:
        result = benchmark(specs=specs, file=file, channels=channels, contestants=chosen,
                           scenarios=picked, repeats=repeats, warmup=warmup,
                           baseline=baseline, find_links=find_links, progress=progress)
    if markdown_file is not None:
        markdown_file.write_text(report.markdown(result), encoding="utf-8")
    if plot_file is not None:
        report.plot(result, plot_file)

    def render(_: object) -> None:
        out = console()
        for line in report.summary_lines(result):
            out.print(line)
        out.print(report.table(result))
        for line in report.failure_lines(result):
            out.print(f"failed: {line}")
        for line in report.absent_lines(result):
            out.print(f"absent: {line}")
        for line in report.agreement_lines(result):
            out.print(f"agreement: {line}")
        for path in (markdown_file, plot_file):
            if path is not None:
                out.print(f"wrote {path}")

    emit(result, as_json=as_json, render=render)
