"""Pure parts of the benchmark harness: statistics, schedule, ratios, spread flags."""

from __future__ import annotations

import pytest

from labtools.pmbench.stats import (
    agreement,
    indistinguishable,
    normalize_name,
    percentile,
    ratios,
    schedule,
    summarize,
)


def test_summarize_known_samples() -> None:
    stats = summarize([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (stats.runs, stats.median, stats.min, stats.max, stats.mean) == (5, 3.0, 1.0, 5.0, 3.0)
    assert (stats.p25, stats.p75, stats.iqr) == (2.0, 4.0, 2.0)
    assert stats.p95 == pytest.approx(4.8)  # rank 3.8 between 4 and 5
    assert stats.stdev == pytest.approx(1.5811, abs=1e-4)


def test_percentile_interpolates_and_checks_bounds() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_schedule_goes_round_by_round_and_rotates_the_start() -> None:
    slots = schedule(["solve", "warm"], ["A", "B", "C"], warmup=1, repeats=2)
    by_round = [[(s.scenario, s.contestant) for s in slots if s.round == r] for r in range(3)]
    assert by_round[0] == [("solve", "A"), ("solve", "B"), ("solve", "C"),
                           ("warm", "A"), ("warm", "B"), ("warm", "C")]
    assert [c for _, c in by_round[1][:3]] == ["B", "C", "A"]
    assert [c for _, c in by_round[2][:3]] == ["C", "A", "B"]
    assert [s.counted for s in slots] == [False] * 6 + [True] * 12
    with pytest.raises(ValueError):
        schedule(["solve"], ["A"], warmup=0, repeats=0)


def test_ratios_relative_to_baseline() -> None:
    assert ratios({"engine": 2.0, "conda": 6.0}, "engine") == {"engine": 1.0, "conda": 3.0}
    assert ratios({"engine": 2.0}, "missing") == {}


def test_overlapping_spreads_are_not_distinguishable() -> None:
    fast = summarize([1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6])   # p25 1.15, p75 1.45
    close = summarize([1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0])  # p25 1.55 > 1.45: apart
    wide = summarize([1.0, 1.3, 1.5, 1.7, 2.5, 3.0, 4.0])   # p25 1.4 <= close's p75
    far = summarize([9.0, 9.1, 9.2, 9.3, 9.4, 9.5, 9.6])
    assert indistinguishable({"a": fast, "b": close, "z": far}) == {}
    assert indistinguishable({"b": close, "w": wide, "z": far}) == {"b": ["w"], "w": ["b"]}


def test_agreement_names_the_differences() -> None:
    same = frozenset({"a==1", "b==2"})
    assert agreement({"x": same, "y": same}) == (True, {})
    ok, diff = agreement({"x": same, "y": frozenset({"a==1", "b==3"})})
    assert not ok
    assert diff == {"x": ["b==2"], "y": ["b==3"]}


def test_normalize_name_matches_conda_and_pypi_spellings() -> None:
    assert normalize_name("Typing_Extensions") == normalize_name("typing-extensions")
    assert normalize_name("zope.interface") == "zope-interface"
