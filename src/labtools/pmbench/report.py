"""Render benchmark results: a rich table, Markdown, and a matplotlib figure (Agg).

Pure of measuring: everything here reads a :class:`~labtools.pmbench.api.BenchResult`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labtools.errors import UsageError
from labtools.pmbench.api import BenchResult
from labtools.pmbench.harness import Measurement

HEADERS = ("scenario", "contestant", "version", "median", "p95", "min", "max", "runs",
           "x base", "pkgs")


SCENARIO_TITLES = {"solve": "solve only", "cold": "create, empty cache",
                   "warm": "create, filled cache"}


def _fmt(seconds: float) -> str:
    return f"{seconds:.3f}"


def rows(result: BenchResult) -> Iterator[tuple[str, ...]]:
    """One row per contestant and scenario (plain strings), failures included."""
    versions = {c.name: c.version or "?" for c in result.run.contestants}
    for m in result.run.measurements:
        version = versions.get(m.contestant, "?")
        if m.status != "ok" or m.stats is None:
            yield (m.scenario, m.contestant, version, "failed", "-", "-", "-",
                   str(len(m.samples)), "-", m.error or "no counted runs")
            continue
        s = m.stats
        ratio = f"{m.ratio:.2f}" if m.ratio is not None else "-"
        yield (m.scenario, m.contestant, version, _fmt(s.median), _fmt(s.p95), _fmt(s.min),
               _fmt(s.max), str(s.runs), ratio, _packages(m))


def _packages(m: Measurement) -> str:
    return "?" if m.packages is None else str(len(m.packages))


def absent_lines(result: BenchResult) -> list[str]:
    return [f"{c.name}: {c.detail}" for c in result.run.absent]


def agreement_lines(result: BenchResult) -> list[str]:
    out = []
    for a in result.run.agreements:
        who = ", ".join(a.contestants)
        if a.agree:
            out.append(f"{a.scenario} ({a.family}): {who} resolved the same packages")
        else:
            diff = "; ".join(f"{k} has {' '.join(v)}" for k, v in a.differences.items())
            out.append(f"{a.scenario} ({a.family}): {who} DISAGREE: {diff}")
    return out


def summary_lines(result: BenchResult) -> list[str]:
    run = result.run
    return [
        f"spec: {' '.join(result.specs)}"
        + (f"  (PyPI: {' '.join(result.pypi_specs)})" if result.pypi_specs else ""),
        f"channels: {', '.join(result.channels) or '(none)'}",
        f"{run.warmup} warm-up + {run.repeats} counted runs each, interleaved; "
        f"baseline: {run.baseline or '-'}; harness overhead {run.overhead_per_run * 1e3:.2f} "
        "ms per run",
        f"machine: {result.machine.get('platform')}, {result.machine.get('cpus')} CPUs",
    ]


def table(result: BenchResult) -> Any:
    """Rich tables of :func:`rows`, one per scenario (so they fit in 80 columns)."""
    from rich import box
    from rich.console import Group
    from rich.table import Table

    # scenario is the table's title; the run count is in the summary line
    keep = [i for i, name in enumerate(HEADERS) if name not in ("scenario", "runs")]
    tables = []
    for scenario in result.run.scenarios:
        t = Table(title=f"{scenario}: {SCENARIO_TITLES.get(scenario, scenario)} (seconds)",
                  box=box.SIMPLE_HEAD, title_justify="left")
        for i in keep:
            t.add_column(HEADERS[i], no_wrap=True)
        for row in rows(result):
            if row[0] != scenario:
                continue
            cells = [row[i] for i in keep]
            if row[3] == "failed":
                cells[-1] = "see below"
            t.add_row(*cells)
        tables.append(t)
    return Group(*tables)


def failure_lines(result: BenchResult) -> list[str]:
    return [f"{m.contestant} ({m.scenario}): {m.error}" for m in result.run.measurements
            if m.status != "ok"]


def markdown(result: BenchResult) -> str:
    """The result as a Markdown page section: summary, table, absent, agreement."""
    lines = [f"- {line}" for line in summary_lines(result)]
    lines += ["", "Times in seconds; x base = median / the baseline's median.", "",
              "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for row in rows(result):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    absent = absent_lines(result)
    if absent:
        lines += ["", "Absent contestants:", ""] + [f"- {line}" for line in absent]
    agree = agreement_lines(result)
    if agree:
        lines += ["", "Resolved package sets:", ""] + [f"- {line}" for line in agree]
    return "\n".join(lines) + "\n"


def plot(result: BenchResult, path: Path | str) -> Path:
    """Box plots of the counted runs, one panel per scenario, saved as PNG or SVG."""
    out = Path(path)
    if out.suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"cannot write a plot to {out.name}", hint="use a .png or .svg file")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    scenarios = list(result.run.scenarios)
    fig = Figure(figsize=(4.0 * max(1, len(scenarios)), 3.6), layout="constrained")
    axes = fig.subplots(1, max(1, len(scenarios)), squeeze=False)[0]
    for ax, scenario in zip(axes, scenarios, strict=False):
        measured = [m for m in result.run.measurements
                    if m.scenario == scenario and m.status == "ok" and m.samples]
        labels = [m.contestant for m in measured]
        if measured:
            ax.boxplot([[t * 1e3 for t in m.samples] for m in measured], tick_labels=labels)
            ax.set_yscale("log")
            plain = FuncFormatter(lambda value, _pos: f"{value:g}")
            ax.yaxis.set_major_formatter(plain)
            ax.yaxis.set_minor_formatter(plain)
        else:
            ax.text(0.5, 0.5, "no successful runs", ha="center", va="center",
                    transform=ax.transAxes)
        ax.set_title(scenario)
        ax.set_ylabel("milliseconds (log scale)")
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"labtools bench: {' '.join(result.specs)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    return out
