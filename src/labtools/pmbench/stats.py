"""Pure statistics and scheduling for the benchmark harness (no I/O, unit-tested)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stats:
    """Summary of one contestant's counted runs in one scenario (seconds)."""

    runs: int
    median: float
    p95: float
    min: float
    max: float
    mean: float


@dataclass(frozen=True)
class Slot:
    """One run in the schedule: which scenario, which round, which contestant."""

    scenario: str
    round: int
    contestant: str
    counted: bool


def percentile(samples: Sequence[float], q: float) -> float:
    """The *q*-th percentile (0..100) with linear interpolation between ranks."""
    if not samples:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(samples: Sequence[float]) -> Stats:
    """Median, p95, min, max and mean of *samples*."""
    if not samples:
        raise ValueError("no samples to summarize")
    return Stats(
        runs=len(samples),
        median=percentile(samples, 50),
        p95=percentile(samples, 95),
        min=min(samples),
        max=max(samples),
        mean=sum(samples) / len(samples),
    )


def schedule(
    scenarios: Sequence[str], contestants: Sequence[str], *, warmup: int, repeats: int
) -> list[Slot]:
    """Interleaved order: per scenario, round by round, every contestant once (A B A B ...).

    The first *warmup* rounds are not counted, so drift (caches, CPU clocks, other
    load) hits every contestant equally instead of whichever ran last.
    """
    if warmup < 0 or repeats < 1:
        raise ValueError("need warmup >= 0 and repeats >= 1")
    return [
        Slot(scenario, rnd, name, rnd >= warmup)
        for scenario in scenarios
        for rnd in range(warmup + repeats)
        for name in contestants
    ]


def ratios(medians: Mapping[str, float], baseline: str) -> dict[str, float]:
    """Each contestant's median divided by the baseline's (>1: slower than the baseline)."""
    base = medians.get(baseline)
    if base is None or base <= 0:
        return {}
    return {name: value / base for name, value in medians.items()}


def agreement(package_sets: Mapping[str, frozenset[str]]) -> tuple[bool, dict[str, list[str]]]:
    """Whether all sets are equal; otherwise, per contestant, what it has that not all have."""
    if len(package_sets) < 2:
        return True, {}
    sets = list(package_sets.values())
    common = frozenset.intersection(*sets)
    extra = {name: sorted(pkgs - common) for name, pkgs in package_sets.items() if pkgs - common}
    return not extra, extra


def normalize_name(name: str) -> str:
    """PEP 503 normalization, so conda and PyPI names compare (Foo_Bar -> foo-bar)."""
    out = name.strip().lower()
    for sep in ("_", "."):
        out = out.replace(sep, "-")
    while "--" in out:
        out = out.replace("--", "-")
    return out
