"""Rendering of benchmark results: rows, Markdown, absent contestants, plots."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from labtools.errors import UsageError
from labtools.pmbench import report
from labtools.pmbench.api import BenchResult
from labtools.pmbench.harness import Agreement, BenchRun, ContestantInfo, Measurement
from labtools.pmbench.stats import summarize


def result() -> BenchResult:
    fast, slow = (0.1, 0.2, 0.1, 0.1, 0.3), (0.5, 0.4, 0.6, 0.5, 0.5)
    run = BenchRun(
        scenarios=("solve",),
        contestants=(
            ContestantInfo("engine", "conda", True, "0.28.0", "in-process"),
            ContestantInfo("mamba", "conda", True, "2.0.5", "/usr/bin/mamba"),
            ContestantInfo("broken", "conda", True, "1.0", "/usr/bin/broken"),
            ContestantInfo("pixi", "conda", False, None, "pixi is not on PATH (install pixi)"),
        ),
        baseline="engine", warmup=1, repeats=5,
        measurements=(
            Measurement("engine", "solve", "ok", fast, summarize(fast), 1.0, ("a==1",)),
            Measurement("mamba", "solve", "ok", slow, summarize(slow), 5.0, ("a==2",)),
            Measurement("broken", "solve", "failed", (), None, None, None,
                        error="broken exited with status 1: boom"),
        ),
        agreements=(Agreement("solve", "conda", ("engine", "mamba"), False,
                              {"engine": ["a==1"], "mamba": ["a==2"]}),),
        order=(), overhead_per_run=0.0002,
    )
    return BenchResult(specs=("python", "numpy"), pypi_specs=None, channels=("conda-forge",),
                       find_links=None, machine={"platform": "Linux", "cpus": "2"},
                       started=datetime(2026, 1, 1, tzinfo=UTC), run=run)


def test_rows_show_stats_ratio_and_failures() -> None:
    rows = list(report.rows(result()))
    assert rows[0] == ("solve", "engine", "0.28.0", "0.100", "0.280", "0.100", "0.300", "5",
                       "1.00", "1")
    assert rows[1][8] == "5.00"
    assert rows[2][3] == "failed" and rows[2][-1] == "broken exited with status 1: boom"


def test_markdown_lists_absent_contestants_and_disagreement() -> None:
    text = report.markdown(result())
    assert "| solve | mamba | 2.0.5 | 0.500 |" in text
    assert "- pixi: pixi is not on PATH (install pixi)" in text
    assert "DISAGREE: engine has a==1; mamba has a==2" in text
    assert "harness overhead 0.20 ms per run" in text


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_writes_the_figure(tmp_path: Path, suffix: str) -> None:
    out = report.plot(result(), tmp_path / f"fig{suffix}")
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data[:2000]


def test_plot_refuses_other_formats(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="png"):
        report.plot(result(), tmp_path / "fig.pdf")
