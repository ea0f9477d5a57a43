"""Render benchmark results: a rich table, Markdown, and a matplotlib figure (Agg).

Pure of measuring: everything here reads a :class:`~labtools.pmbench.api.BenchResult`.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labtools.errors import UsageError
from labtools.pmbench.api import BenchResult
from labtools.pmbench.contestants import SCENARIOS
from labtools.pmbench.harness import Measurement

HEADERS = ("scenario", "contestant", "version", "median", "p25-p75", "min", "max", "runs",
           "x base", "pkgs", "note")


def _fmt(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.2f}"


def _note(m: Measurement) -> str:
    return f"~ {', '.join(m.peers)}" if m.peers else ""


def rows(result: BenchResult) -> Iterator[tuple[str, ...]]:
    """One row per contestant and scenario (plain strings), failures included."""
    versions = {c.name: c.version or "?" for c in result.run.contestants}
    for m in result.run.measurements:
        version = versions.get(m.contestant, "?")
        if m.status == "n/a":
            continue  # see na_lines
        if m.status != "ok" or m.stats is None:
            yield (m.scenario, m.contestant, version, m.status, "-", "-", "-",
                   str(len(m.samples)), "-", "-", m.error or "no counted runs")
            continue
        s = m.stats
        ratio = f"{m.ratio:.2f}" if m.ratio is not None else "-"
        pkgs = "?" if m.packages is None else str(len(m.packages))
        yield (m.scenario, m.contestant, version, _fmt(s.median),
               f"{_fmt(s.p25)}-{_fmt(s.p75)}", _fmt(s.min), _fmt(s.max), str(s.runs), ratio,
               pkgs, _note(m))


def contestant_lines(result: BenchResult) -> list[str]:
    """Each present contestant's version and where it came from, one line each."""
    return [f"{c.name} {c.version or '?'}: {c.detail}" for c in result.run.contestants
            if c.available]


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


def na_lines(result: BenchResult) -> list[str]:
    """Scenarios that do not apply to a contestant, one line per contestant."""
    skipped: dict[tuple[str, str], list[str]] = {}
    for m in result.run.measurements:
        if m.status == "n/a":
            skipped.setdefault((m.contestant, m.error or ""), []).append(m.scenario)
    return [f"{name} ({', '.join(scenarios)}): {why}"
            for (name, why), scenarios in skipped.items()]


def failure_lines(result: BenchResult) -> list[str]:
    return [f"{m.contestant} ({m.scenario}): {m.error}" for m in result.run.measurements
            if m.status == "failed"]


def summary_lines(result: BenchResult) -> list[str]:
    run, mach = result.run, result.machine
    lines = [
        f"spec: {' '.join(result.specs)}"
        + (f"  (pip/uv: {' '.join(result.pypi_specs)})" if result.pypi_specs else ""),
        f"channels: {', '.join(result.channels)}"
        + (f"; wheelhouse: {result.wheelhouse}" if result.wheelhouse else ""),
        f"install scenario adds: {result.add or '(none found)'}"
        + ("; pip requested by name (python brings it with some tools only)"
           if result.pip_added else ""),
        f"{run.warmup} warm-up + {run.repeats} counted runs each, interleaved; "
        f"baseline: {run.baseline or '-'}; whole processes; {run.seconds:.0f} s in all, "
        f"{run.timed_seconds:.0f} s of it timed",
        f"machine: {mach.get('cpu')}, {mach.get('usable_cores')} of {mach.get('cores')} "
        f"cores usable, {mach.get('memory', '?')}; disk {mach.get('disk', '?')}",
        f"load average (1/5/15 min) before {mach.get('load_before')}, "
        f"after {mach.get('load_after', '?')}",
    ]
    if run.interrupted:
        lines.insert(0, "INTERRUPTED: a partial result, with the runs finished so far")
    return lines


def table(result: BenchResult) -> Any:
    """Rich tables of :func:`rows`, one per scenario, so that every column fits in 80:
    no versions (:func:`contestant_lines` lists them), no min and max (the Markdown and
    the JSON have them, with every sample)."""
    from rich import box
    from rich.console import Group
    from rich.table import Table

    left_out = ("scenario", "runs", "version", "min", "max")
    keep = [i for i, name in enumerate(HEADERS) if name not in left_out]
    tables = []
    for scenario in result.run.scenarios:
        t = Table(title=f"{scenario}: {SCENARIOS.get(scenario, scenario)} (seconds)",
                  box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
        for i in keep:
            t.add_column(HEADERS[i], no_wrap=HEADERS[i] != "note")
        for row in rows(result):
            if row[0] == scenario:
                t.add_row(*[row[i] for i in keep])
        tables.append(t)
    return Group(*tables)


def command_lines(result: BenchResult) -> list[str]:
    """The timed command of each contestant per scenario, sandbox paths shortened."""
    import re

    out = []
    for m in result.run.measurements:
        if m.commands:
            text = " && ".join(shlex.join(step) for step in m.commands)
            text = re.sub(r"\S*/labtools-bench-[^/\s]+/(?:sb|cold)-\d+", "$SANDBOX", text)
            out.append(f"{m.scenario} {m.contestant}: {text}")
    return out


def markdown(result: BenchResult) -> str:
    """The result as a Markdown page section: summary, tables, absent, agreement."""
    lines = [f"- {line}" for line in summary_lines(result)]
    lines += ["", "Times in seconds, whole processes; x base = median / the baseline's "
              "median; ~ NAME: not distinguishable from NAME (their p25-p75 overlap)."]
    for scenario in result.run.scenarios:
        lines += ["", f"**{scenario}**: {SCENARIOS.get(scenario, scenario)}", "",
                  "| " + " | ".join(HEADERS[1:]) + " |", "|" + "---|" * (len(HEADERS) - 1)]
        for row in rows(result):
            if row[0] == scenario:
                lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row[1:]) + " |")
    for line in na_lines(result):
        lines += ["", f"Not applicable: {line}"]
    absent = absent_lines(result)
    if absent:
        lines += ["", "Absent contestants:", ""] + [f"- {line}" for line in absent]
    agree = agreement_lines(result)
    if agree:
        lines += ["", "Package sets:", ""] + [f"- {line}" for line in agree]
    return "\n".join(lines) + "\n"


def _tick_subs(measured: list[Measurement]) -> tuple[float, ...]:
    """Ticks at 1, 2 and 5 per decade while they fit; over more than two decades of
    samples only the powers of ten, so neighbouring labels never overlap."""
    samples = [s for m in measured for s in m.samples if s > 0]
    if samples and math.log10(max(samples) / min(samples)) > 2.0:
        return (1.0,)
    return (1.0, 2.0, 5.0)


def plot(result: BenchResult, path: Path | str) -> Path:
    """Box plots of every counted run, one panel per scenario, ratios to the baseline."""
    out = Path(path)
    if out.suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"cannot write a plot to {out.name}", hint="use a .png or .svg file")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    run = result.run
    panels = [[m for m in run.measurements if m.scenario == s and m.status == "ok"
               and m.samples] for s in run.scenarios]
    heights = [0.9 + 0.32 * max(1, len(p)) for p in panels]
    fig = Figure(figsize=(6.4, sum(heights) + 1.2), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False, height_ratios=heights)[:, 0]
    plain = FuncFormatter(lambda value, _pos: f"{value:g}")
    versions = {c.name: c.version or "?" for c in run.contestants}
    for ax, scenario, measured in zip(axes, run.scenarios, panels, strict=True):
        measured = sorted(measured, key=lambda m: m.stats.median if m.stats else 0.0,
                          reverse=True)
        if measured:
            ax.boxplot([list(m.samples) for m in measured], orientation="horizontal",
                       tick_labels=[f"{m.contestant} {versions[m.contestant]}"[:34]
                                    for m in measured], widths=0.6)
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(subs=_tick_subs(measured)))
            ax.xaxis.set_major_formatter(plain)
            ax.xaxis.set_minor_formatter(NullFormatter())
            for m in measured:
                if m.contestant == run.baseline and m.stats is not None:
                    ax.axvline(m.stats.median, color="grey", linestyle="--", linewidth=0.8)
            for y, m in enumerate(measured, start=1):
                if m.ratio is not None and m.stats is not None:
                    ax.annotate(f"{m.ratio:.2f}x", (m.stats.max, y), xytext=(6, 0),
                                textcoords="offset points", va="center", fontsize=8)
            ax.margins(x=0.15)
        else:
            ax.text(0.5, 0.5, "no successful runs", ha="center", va="center",
                    transform=ax.transAxes)
        ax.set_title(f"{scenario}: {SCENARIOS.get(scenario, scenario)}", fontsize=10,
                     loc="left")
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel(f"seconds (log scale); ratios to {run.baseline or '-'}")
    mach = result.machine
    fig.suptitle(f"labtools bench: {' '.join(result.specs)}", fontsize=11)
    fig.supxlabel(f"{mach.get('cpu')}, {mach.get('usable_cores')} cores, "
                  f"{mach.get('memory')}, load {mach.get('load_before')}; "
                  f"{run.warmup}+{run.repeats} runs, interleaved", fontsize=7)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    return out
