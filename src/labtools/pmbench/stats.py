"""Pure statistics and scheduling for the benchmark harness (no I/O, unit-tested)."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: fewest counted runs per contestant and scenario: a median and quartiles need them
MIN_REPEATS = 7


@dataclass(frozen=True)
class Stats:
    """Summary of one contestant's counted runs in one scenario (seconds).

    ``p25``..``p75`` is the spread (interquartile range) used to decide whether two
    contestants can be told apart; ``stdev`` is the sample standard deviation.
    """

    runs: int
    median: float
    p25: float
    p75: float
    p95: float
    min: float
    max: float
    mean: float
    stdev: float

    @property
    def iqr(self) -> float:
        return self.p75 - self.p25


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
    """Median, quartiles, p95, min, max, mean and standard deviation of *samples*."""
    if not samples:
        raise ValueError("no samples to summarize")
    return Stats(
        runs=len(samples),
        median=percentile(samples, 50),
        p25=percentile(samples, 25),
        p75=percentile(samples, 75),
        p95=percentile(samples, 95),
        min=min(samples),
        max=max(samples),
        mean=sum(samples) / len(samples),
        stdev=statistics.stdev(samples) if len(samples) > 1 else 0.0,
    )


def schedule(
    scenarios: Sequence[str], contestants: Sequence[str], *, warmup: int, repeats: int
) -> list[Slot]:
    """Interleaved order: round by round, each scenario, every contestant once.

    Within a round each scenario starts one contestant later than in the round
    before (A B C, then B C A, then C A B, ...), so no contestant always runs right
    after the same other one (whose disk writes or cache pressure it would inherit).
    Scenarios keep their given order inside a round (install and remove use the env
    the round's warm create made). The first *warmup* rounds are not counted, so
    drift (caches, CPU clocks, other load) hits every contestant alike.
    """
    if warmup < 0 or repeats < 1:
        raise ValueError("need warmup >= 0 and repeats >= 1")
    slots = []
    n = len(contestants)
    for rnd in range(warmup + repeats):
        for scenario in scenarios:
            for i in range(n):
                name = contestants[(i + rnd) % n]
                slots.append(Slot(scenario, rnd, name, rnd >= warmup))
    return slots


def ratios(medians: Mapping[str, float], baseline: str) -> dict[str, float]:
    """Each contestant's median divided by the baseline's (>1: slower than the baseline)."""
    base = medians.get(baseline)
    if base is None or base <= 0:
        return {}
    return {name: value / base for name, value in medians.items()}


def indistinguishable(stats: Mapping[str, Stats]) -> dict[str, list[str]]:
    """Which neighbours (by median) each contestant cannot be told apart from.

    Two contestants next to each other in median order are *not distinguishable*
    when their interquartile ranges overlap: the spread of their runs is wider than
    the gap between them, so which one is faster may be noise. Only neighbours are
    compared; the result is symmetric.
    """
    ordered = sorted(stats, key=lambda name: stats[name].median)
    out: dict[str, list[str]] = {name: [] for name in ordered}
    for faster, slower in itertools.pairwise(ordered):
        if stats[faster].p75 >= stats[slower].p25:
            out[faster].append(slower)
            out[slower].append(faster)
    return {name: sorted(peers) for name, peers in out.items() if peers}


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
