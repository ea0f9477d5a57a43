"""Plots have readable, non-overlapping ticks (issue 18, item 9).

The figures labtools draws: ``labtools bench --plot`` (the box plots tutorial 06 shows, drawn
by labtools.pmbench.report.plot) and the example tutorial's figure of ``labtools handbook
new``; each re-rendered the way the site shows it, with data as wide as a real run.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import jupytext
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from plugins.figure_ticks import capture_figures, tick_problems

from labtools.handbook import scaffold
from labtools.pmbench import report
from labtools.pmbench.api import BenchResult
from labtools.pmbench.contestants import ALL, SCENARIOS
from labtools.pmbench.harness import BenchRun, ContestantInfo, Measurement
from labtools.pmbench.stats import summarize

VERSIONS = {"engine": "0.1.0", "conda-classic": "26.7.1", "conda-libmamba": "26.7.1",
            "mamba": "2.8.1", "micromamba": "2.8.1", "pip": "25.3", "uv": "0.9.5",
            "cp-al": "9.4"}
#: median seconds per contestant, as tutorial 06 measures them (its small request on the
#: lab channel): from 20 ms to 10 s
TUTORIAL = {"engine": 0.05, "conda-classic": 9.0, "conda-libmamba": 4.0, "mamba": 2.5,
            "micromamba": 1.1, "pip": 7.3, "uv": 0.07, "cp-al": 0.02}
#: a large request's cold create: from 30 ms (the copy floor) to two minutes
WIDE = {"engine": 0.9, "conda-classic": 118.0, "conda-libmamba": 21.0, "mamba": 6.5,
        "micromamba": 2.2, "pip": 14.0, "uv": 0.45, "cp-al": 0.03}


def bench_result(scenarios: tuple[str, ...], medians: dict[str, float]) -> BenchResult:
    rng = random.Random(7)
    measurements = []
    for scenario in scenarios:
        for name in ALL:
            if name == "cp-al" and scenario != "warm":
                measurements.append(Measurement(name, scenario, "n/a", (), None, None, None,
                                                error="the floor of a warm create only"))
                continue
            samples = tuple(medians[name] * rng.uniform(0.8, 1.3) for _ in range(7))
            ratio = medians[name] / medians["conda-libmamba"]
            measurements.append(Measurement(name, scenario, "ok", samples, summarize(samples),
                                            ratio, ("python==3.12.7",)))
    run = BenchRun(
        scenarios=scenarios,
        contestants=tuple(ContestantInfo(n, "conda", True, VERSIONS[n], n) for n in ALL),
        baseline="conda-libmamba", warmup=1, repeats=7, measurements=tuple(measurements),
        agreements=(), order=(), seconds=1800.0,
    )
    machine = {"cpu": "AMD EPYC 7763 64-Core Processor", "usable_cores": "2",
               "memory": "7.8 GiB", "load_before": "3.41"}
    return BenchResult(specs=("python", "ipykernel"), pypi_specs=("ipykernel",),
                       channels=("/lab/chan",), wheelhouse=Path("/lab/chan/wheels"),
                       add="labdemo", pip_added=True, machine=machine,
                       started=datetime(2026, 1, 1, tzinfo=UTC), run=run, cold_means={})


def overlapping_figure() -> Figure:
    fig = Figure(figsize=(2.0, 1.5))
    ax = fig.subplots()
    ax.plot(range(12), range(12))
    ax.set_xticks(range(12), [f"label number {i}" for i in range(12)])
    return fig


def test_the_check_finds_overlapping_and_escaping_ticks() -> None:
    problems = tick_problems(overlapping_figure(), "crowded")
    assert any("overlap" in p for p in problems), problems
    assert any("leaves the figure" in p for p in problems), problems
    tiny = Figure(figsize=(4, 3), layout="constrained")
    ax = tiny.subplots()
    ax.plot([1, 2, 3])
    ax.tick_params(labelsize=4)
    assert any("4.0 pt" in p for p in tick_problems(tiny, "tiny")), "tiny ticks not found"


@pytest.mark.parametrize(("scenarios", "medians"), [
    (("solve", "warm"), TUTORIAL),
    (tuple(SCENARIOS), TUTORIAL),
    (tuple(SCENARIOS), WIDE),
], ids=["tutorial-06", "every-scenario", "four-decades"])
def test_bench_plot_ticks_are_readable(tmp_path: Path, scenarios: tuple[str, ...],
                                       medians: dict[str, float]) -> None:
    with capture_figures() as figures:
        report.plot(bench_result(scenarios, medians), tmp_path / "bench.png")
    (fig,) = figures
    assert len(fig.axes) == len(scenarios)
    for ax in fig.axes:  # every panel shows its contestants and a labelled time axis
        assert len([t for t in ax.get_yticklabels() if t.get_text()]) >= 7
    assert tick_problems(fig, "labtools bench --plot") == []
    shown = {t.get_text() for ax in fig.axes for t in ax.get_xticklabels() if t.get_text()}
    assert len(shown) >= 3, shown


def test_the_new_handbooks_example_figure_has_readable_ticks() -> None:
    nb = jupytext.reads(scaffold.TUTORIAL_PY, fmt="py:percent")
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "plt.subplots" in c.source]
    plt.close("all")
    try:
        exec(compile(cell.source.replace("plt.show()", ""), "example", "exec"), {})
        fig = plt.gcf()
        assert fig.axes, "the example drew nothing"
        assert tick_problems(fig, "handbook new's example") == []
    finally:
        plt.close("all")
