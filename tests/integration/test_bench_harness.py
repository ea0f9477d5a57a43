"""The harness on real, cheap commands: interleaving, failure isolation, absence, agreement."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from labtools.errors import UsageError
from labtools.pmbench.contestants import CommandContestant, Workspace
from labtools.pmbench.harness import run_benchmark

pytestmark = pytest.mark.integration


class Recorder(CommandContestant):
    """A command contestant that also records when it ran (shared log)."""

    def __init__(self, name: str, argv: list[str], log: list[str]) -> None:
        super().__init__(name, argv)
        self.log = log

    def run(self, scenario: str, ws: Workspace) -> frozenset[str]:
        self.log.append(f"{scenario}:{self.name}")
        assert ws.root.is_dir() and not ws.prefix.exists() and ws.cache.is_dir()
        return super().run(scenario, ws)


def test_contestants_run_interleaved_after_a_warmup(tmp_path: Path) -> None:
    log: list[str] = []
    a = Recorder("A", ["true"], log)
    b = Recorder("B", [sys.executable, "-c", "pass"], log)
    result = run_benchmark([a, b], scenarios=["solve", "warm"], repeats=5, warmup=1,
                           workdir=tmp_path)
    assert log == ["solve:A", "solve:B"] * 6 + ["warm:A", "warm:B"] * 6
    assert [(s.contestant, s.counted) for s in result.order[:4]] == [
        ("A", False), ("B", False), ("A", True), ("B", True)]
    for m in result.measurements:
        assert m.status == "ok" and m.stats is not None
        assert len(m.samples) == 5 and m.stats.runs == 5
        assert m.stats.min <= m.stats.median <= m.stats.p95 <= m.stats.max
    assert result.baseline == "A"
    assert result.measurement("A", "solve").ratio == 1.0  # type: ignore[union-attr]
    assert result.overhead_per_run >= 0
    assert list(tmp_path.iterdir()) == []  # every workspace removed


def test_a_failing_contestant_is_reported_and_the_others_measured(tmp_path: Path) -> None:
    ok = CommandContestant("ok", ["true"])
    bad = CommandContestant("bad", [sys.executable, "-c",
                                    "import sys; sys.exit('the solver exploded')"])
    result = run_benchmark([bad, ok], scenarios=["solve"], repeats=5, baseline="ok",
                           workdir=tmp_path)
    failed = result.measurement("bad", "solve")
    assert failed is not None and failed.status == "failed"
    assert failed.error is not None and "the solver exploded" in failed.error
    assert failed.stats is None
    good = result.measurement("ok", "solve")
    assert good is not None and good.status == "ok" and len(good.samples) == 5
    # the failed one ran once (warm-up), then was skipped; ok ran all six rounds
    assert [s.contestant for s in result.order].count("bad") == 1
    assert [s.contestant for s in result.order].count("ok") == 6


def test_an_absent_contestant_is_listed_with_its_reason(tmp_path: Path) -> None:
    present = CommandContestant("here", ["true"])
    missing = CommandContestant("gone", ["labtools-no-such-tool-xyz"])
    result = run_benchmark([present, missing], scenarios=["cold"], repeats=5,
                           workdir=tmp_path)
    assert [c.name for c in result.absent] == ["gone"]
    assert "not on PATH" in result.absent[0].detail
    assert result.measurement("gone", "cold") is None
    assert result.measurement("here", "cold") is not None


def test_resolved_sets_are_compared_per_family(tmp_path: Path) -> None:
    same1 = CommandContestant("one", [sys.executable, "-c", "print('a==1')"], family="x")
    same2 = CommandContestant("two", [sys.executable, "-c", "print('a==1')"], family="x")
    other = CommandContestant("three", [sys.executable, "-c", "print('a==2')"], family="x")
    agreed = run_benchmark([same1, same2], scenarios=["solve"], repeats=5, workdir=tmp_path)
    assert [a.agree for a in agreed.agreements] == [True]
    split = run_benchmark([same1, other], scenarios=["solve"], repeats=5, workdir=tmp_path)
    assert split.agreements[0].agree is False
    assert split.agreements[0].differences == {"one": ["a==1"], "three": ["a==2"]}


def test_too_few_repeats_or_no_warmup_is_refused() -> None:
    with pytest.raises(UsageError, match="repeats"):
        run_benchmark([CommandContestant("a", ["true"])], scenarios=["solve"], repeats=4)
    with pytest.raises(UsageError, match="warm-up"):
        run_benchmark([CommandContestant("a", ["true"])], scenarios=["solve"], warmup=0)


def test_an_unknown_baseline_is_refused() -> None:
    with pytest.raises(UsageError, match="baseline"):
        run_benchmark([CommandContestant("a", ["true"])], scenarios=["solve"],
                      baseline="b")

