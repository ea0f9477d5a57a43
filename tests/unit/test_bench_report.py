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

FAST = (0.1, 0.2, 0.1, 0.1, 0.3, 0.1, 0.2)
SLOW = (0.5, 0.4, 0.6, 0.5, 0.5, 0.45, 0.55)


def result(*, interrupted: bool = False) -> BenchResult:
    run = BenchRun(
        scenarios=("solve", "warm"),
        contestants=(
            ContestantInfo("engine", "conda", True, "0.1.0", "labtools env create"),
            ContestantInfo("mamba", "conda", True, "2.8.1", "/usr/bin/mamba"),
            ContestantInfo("broken", "conda", True, "1.0", "/usr/bin/broken"),
            ContestantInfo("cp-al", "floor", True, "9.1", "/usr/bin/cp"),
            ContestantInfo("uv", "pypi", False, None, "uv is not on PATH (pip install uv)"),
        ),
        baseline="engine", warmup=1, repeats=7,
        measurements=(
            Measurement("engine", "solve", "ok", FAST, summarize(FAST), 1.0, ("a==1",),
                        peers=("mamba",)),
            Measurement("mamba", "solve", "ok", SLOW, summarize(SLOW), 5.0, ("a==2",),
                        peers=("engine",)),
            Measurement("broken", "solve", "failed", (), None, None, None,
                        error="broken exited with status 1: boom"),
            Measurement("cp-al", "solve", "n/a", (), None, None, None,
                        error="the floor of a warm create only"),
            Measurement("engine", "warm", "ok", SLOW, summarize(SLOW), 1.0, ("a==1",)),
            Measurement("cp-al", "warm", "ok", FAST, summarize(FAST), 0.2, ("a==1",)),
        ),
        agreements=(Agreement("solve", "conda", ("engine", "mamba"), False,
                              {"engine": ["a==1"], "mamba": ["a==2"]}),),
        order=(), interrupted=interrupted, seconds=12.0,
    )
    return BenchResult(specs=("python", "ipykernel"), pypi_specs=("ipykernel",),
                       channels=("/lab/chan",), wheelhouse=Path("/lab/chan/wheels"),
                       add="labdemo", pip_added=True, machine={"cpu": "AMD EPYC", "cores": "2",
                                               "usable_cores": "2", "load_before": "1.0"},
                       started=datetime(2026, 1, 1, tzinfo=UTC), run=run,
                       cold_means={"engine": ("LABTOOLS_CACHE_DIR",)})


def test_rows_show_stats_ratio_spread_and_failures() -> None:
    rows = list(report.rows(result()))
    assert rows[0] == ("solve", "engine", "0.1.0", "0.100", "0.100-0.200", "0.100", "0.300",
                       "7", "1.00", "1", "~ mamba")
    assert rows[1][8] == "5.00"
    assert rows[2][3] == "failed" and rows[2][-1] == "broken exited with status 1: boom"
    assert all(row[1] != "cp-al" for row in rows if row[0] == "solve")  # n/a: listed apart


def test_markdown_lists_absent_not_applicable_and_disagreement() -> None:
    text = report.markdown(result())
    assert "| mamba | 2.8.1 | 0.500 | 0.475-0.525 |" in text
    assert "Not applicable: cp-al (solve): the floor of a warm create only" in text
    assert "- uv: uv is not on PATH (pip install uv)" in text
    assert "DISAGREE: engine has a==1; mamba has a==2" in text
    assert "install scenario adds: labdemo" in text
    assert "INTERRUPTED" not in text
    assert report.markdown(result(interrupted=True)).startswith("- INTERRUPTED")


def test_commands_are_shown_with_the_sandbox_shortened() -> None:
    base = result()
    m = Measurement("uv", "warm", "ok", SLOW, summarize(SLOW), 1.0, None, commands=(
        ("/opt/uv", "venv", "/tmp/labtools-bench-ab12/sb-3/envs/r2"),
        ("/opt/uv", "pip", "install", "--python", "/tmp/labtools-bench-ab12/sb-3/envs/r2/bin/"
         "python", "six")))
    run = BenchRun(**{**base.run.__dict__, "measurements": (m,)})
    shown = report.command_lines(BenchResult(**{**base.__dict__, "run": run}))
    assert shown == ["warm uv: /opt/uv venv $SANDBOX/envs/r2 && /opt/uv pip install --python "
                     "$SANDBOX/envs/r2/bin/python six"]


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_writes_the_figure(tmp_path: Path, suffix: str) -> None:
    out = report.plot(result(), tmp_path / f"fig{suffix}")
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data[:2000]


def test_plot_refuses_other_formats(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="png"):
        report.plot(result(), tmp_path / "fig.pdf")


def test_the_terminal_table_shows_every_column_in_80_columns() -> None:
    """The tables once lost their columns to ellipses in a notebook's 80 columns."""
    from rich.console import Console

    console = Console(width=80, record=True, color_system=None)
    console.print(report.table(result()))
    text = console.export_text()
    assert "…" not in text, text
    for header in ("contestant", "median", "p25-p75", "x base", "pkgs", "note"):
        assert header in text
    assert "0.100-0.200" in text and "~ mamba" in text
    assert report.contestant_lines(result())[0] == "engine 0.1.0: labtools env create"
