"""Pure parts of the benchmark harness: statistics, schedule, ratios, spec conversion."""

from __future__ import annotations

import pytest

from labtools.pmbench.contestants import to_pypi
from labtools.pmbench.stats import (
    agreement,
    normalize_name,
    percentile,
    ratios,
    schedule,
    summarize,
)


def test_summarize_known_samples() -> None:
    stats = summarize([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (stats.runs, stats.median, stats.min, stats.max, stats.mean) == (5, 3.0, 1.0, 5.0, 3.0)
    assert stats.p95 == pytest.approx(4.8)  # rank 3.8 between 4 and 5


def test_percentile_interpolates_and_checks_bounds() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_schedule_interleaves_rounds_and_marks_warmup() -> None:
    slots = schedule(["solve", "warm"], ["A", "B"], warmup=1, repeats=2)
    assert [(s.scenario, s.contestant) for s in slots] == [
        ("solve", "A"), ("solve", "B"), ("solve", "A"), ("solve", "B"),
        ("solve", "A"), ("solve", "B"),
        ("warm", "A"), ("warm", "B"), ("warm", "A"), ("warm", "B"),
        ("warm", "A"), ("warm", "B")]
    assert [s.counted for s in slots[:6]] == [False, False, True, True, True, True]
    with pytest.raises(ValueError):
        schedule(["solve"], ["A"], warmup=0, repeats=0)


def test_ratios_relative_to_baseline() -> None:
    assert ratios({"engine": 2.0, "conda": 6.0}, "engine") == {"engine": 1.0, "conda": 3.0}
    assert ratios({"engine": 2.0}, "missing") == {}


def test_agreement_names_the_differences() -> None:
    same = frozenset({"a==1", "b==2"})
    assert agreement({"x": same, "y": same}) == (True, {})
    ok, diff = agreement({"x": same, "y": frozenset({"a==1", "b==3"})})
    assert not ok
    assert diff == {"x": ["b==2"], "y": ["b==3"]}


def test_normalize_name_matches_conda_and_pypi_spellings() -> None:
    assert normalize_name("Typing_Extensions") == normalize_name("typing-extensions")
    assert normalize_name("zope.interface") == "zope-interface"


@pytest.mark.parametrize(("specs", "expected"), [
    (["numpy=1.26"], ["numpy==1.26.*"]),
    (["numpy >=1.2", "requests"], ["numpy>=1.2", "requests"]),
    (["scipy 1.11"], ["scipy==1.11.*"]),
    (["pkg=1.*"], ["pkg==1.*"]),
])
def test_to_pypi_converts_conda_specs(specs: list[str], expected: list[str]) -> None:
    assert to_pypi(specs)[0] == expected


@pytest.mark.parametrize("spec", ["python=3.11", "conda-forge::numpy", "numpy=1.26=py311_0"])
def test_to_pypi_refuses_conda_only_specs_with_a_reason(spec: str) -> None:
    converted, why = to_pypi([spec, "requests"])
    assert converted is None
    assert why
