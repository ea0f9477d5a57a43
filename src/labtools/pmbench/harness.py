"""Run scenarios x contestants x repeats, interleaved, into a frozen :class:`BenchRun`.

Only ``contestant.run`` is timed. Folders are made before the clock starts and removed
after it stops; a cold run gets a fresh package cache, a warm run and a solve share one
per contestant (filled by the warm-up). A contestant that fails is recorded with its
error and skipped for the rest of that scenario; the others go on.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from labtools.errors import LabtoolsError, UsageError
from labtools.pmbench.contestants import Contestant, Workspace
from labtools.pmbench.stats import Slot, Stats, agreement, ratios, schedule, summarize

#: progress(done, total, what)
BenchProgress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ContestantInfo:
    name: str
    family: str
    available: bool
    version: str | None
    detail: str


@dataclass(frozen=True)
class Measurement:
    """One contestant in one scenario: its counted samples and what it resolved."""

    contestant: str
    scenario: str
    status: str  # "ok" | "failed"
    samples: tuple[float, ...]
    stats: Stats | None
    ratio: float | None
    packages: tuple[str, ...] | None
    error: str | None = None


@dataclass(frozen=True)
class Agreement:
    """Whether the contestants of one family resolved the same packages in a scenario."""

    scenario: str
    family: str
    contestants: tuple[str, ...]
    agree: bool
    differences: dict[str, list[str]]


@dataclass(frozen=True)
class BenchRun:
    scenarios: tuple[str, ...]
    contestants: tuple[ContestantInfo, ...]
    baseline: str | None
    warmup: int
    repeats: int
    measurements: tuple[Measurement, ...]
    agreements: tuple[Agreement, ...]
    order: tuple[Slot, ...]
    #: harness time per run outside the timed call and the folder clean-up (seconds)
    overhead_per_run: float

    @property
    def absent(self) -> tuple[ContestantInfo, ...]:
        return tuple(c for c in self.contestants if not c.available)

    def measurement(self, contestant: str, scenario: str) -> Measurement | None:
        for m in self.measurements:
            if m.contestant == contestant and m.scenario == scenario:
                return m
        return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, LabtoolsError):
        return exc.one_line()
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def run_benchmark(
    contestants: Sequence[Contestant],
    *,
    scenarios: Sequence[str],
    repeats: int = 5,
    warmup: int = 1,
    baseline: str | None = None,
    workdir: Path | None = None,
    progress: BenchProgress | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> BenchRun:
    """Measure *contestants* (see module docs); absent ones are listed, never dropped."""
    if repeats < 5:
        raise UsageError(f"--repeats {repeats} is too few for a median and p95",
                         hint="use --repeats 5 or more")
    if warmup < 1:
        raise UsageError("at least one warm-up round is needed", hint="use --warmup 1")
    infos = []
    for c in contestants:
        probe = c.probe()
        infos.append(ContestantInfo(c.name, c.family, probe.available, probe.version,
                                    probe.detail))
    present = [c for c, info in zip(contestants, infos, strict=True) if info.available]
    names = [c.name for c in present]
    if baseline is not None and baseline not in names:
        raise UsageError(f"baseline {baseline!r} is not among the contestants that can run",
                         hint=f"pick one of {', '.join(names) or '(none present)'}")
    base = baseline or (names[0] if names else None)
    slots = schedule(scenarios, names, warmup=warmup, repeats=repeats)
    by_name = {c.name: c for c in present}
    samples: dict[tuple[str, str], list[float]] = {}
    packages: dict[tuple[str, str], frozenset[str] | None] = {}
    errors: dict[tuple[str, str], str] = {}
    order: list[Slot] = []
    timed = cleanup = 0.0
    runs = 0
    own = Path(tempfile.mkdtemp(prefix="labtools-bench-", dir=workdir))
    loop_start = clock()
    try:
        for index, slot in enumerate(slots):
            key = (slot.contestant, slot.scenario)
            if progress is not None:
                progress(index, len(slots), f"{slot.scenario}: {slot.contestant}")
            if key in errors:
                continue
            run_root = own / f"run-{index}"
            cache = (run_root / "cache" if slot.scenario == "cold"
                     else own / "caches" / slot.scenario / slot.contestant)
            run_root.mkdir(parents=True)
            cache.mkdir(parents=True, exist_ok=True)
            ws = Workspace(root=run_root, prefix=run_root / "env", cache=cache)
            order.append(slot)
            runs += 1
            started = clock()
            try:
                found = by_name[slot.contestant].run(slot.scenario, ws)
            except Exception as exc:  # isolate: record and keep measuring the others
                errors[key] = _describe(exc)
                found = None
            finally:
                elapsed = clock() - started
                timed += elapsed
                tidy = clock()
                shutil.rmtree(run_root, ignore_errors=True)
                cleanup += clock() - tidy
            if key not in errors:
                if slot.counted:
                    samples.setdefault(key, []).append(elapsed)
                packages[key] = found
    finally:
        loop = clock() - loop_start
        shutil.rmtree(own, ignore_errors=True)
    if progress is not None:
        progress(len(slots), len(slots), "done")
    measurements = _measurements(scenarios, names, samples, packages, errors, base)
    agreements = _agreements(scenarios, present, packages, errors)
    overhead = max(0.0, loop - timed - cleanup) / runs if runs else 0.0
    return BenchRun(
        scenarios=tuple(scenarios), contestants=tuple(infos), baseline=base, warmup=warmup,
        repeats=repeats, measurements=tuple(measurements), agreements=tuple(agreements),
        order=tuple(order), overhead_per_run=overhead,
    )


def _measurements(
    scenarios: Sequence[str], names: Sequence[str],
    samples: dict[tuple[str, str], list[float]],
    packages: dict[tuple[str, str], frozenset[str] | None],
    errors: dict[tuple[str, str], str], baseline: str | None,
) -> list[Measurement]:
    out: list[Measurement] = []
    for scenario in scenarios:
        stats = {n: summarize(samples[(n, scenario)]) for n in names
                 if (n, scenario) not in errors and samples.get((n, scenario))}
        rel = ratios({n: s.median for n, s in stats.items()}, baseline or "")
        for name in names:
            key = (name, scenario)
            found = packages.get(key)
            out.append(Measurement(
                contestant=name, scenario=scenario,
                status="failed" if key in errors else "ok",
                samples=tuple(samples.get(key, ())), stats=stats.get(name),
                ratio=rel.get(name), packages=tuple(sorted(found)) if found is not None
                else None, error=errors.get(key)))
    return out


def _agreements(
    scenarios: Sequence[str], present: Sequence[Contestant],
    packages: dict[tuple[str, str], frozenset[str] | None],
    errors: dict[tuple[str, str], str],
) -> list[Agreement]:
    out: list[Agreement] = []
    for scenario in scenarios:
        for family in dict.fromkeys(c.family for c in present):
            sets = {c.name: found for c in present
                    if c.family == family and (c.name, scenario) not in errors
                    and (found := packages.get((c.name, scenario))) is not None}
            if len(sets) < 2:
                continue
            agree, diff = agreement(sets)
            out.append(Agreement(scenario, family, tuple(sets), agree, diff))
    return out
