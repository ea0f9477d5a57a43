"""Run scenarios x contestants x repeats, interleaved, into a frozen :class:`BenchRun`.

Only a contestant's timed commands are inside the clock: folders, sandboxes, any
set-up and the clean-up happen outside it. A *cold* run gets a brand-new sandbox
(every cache empty); the other scenarios share one sandbox per contestant, filled by
the warm-up round. Within a round, install adds a package to the env that round's warm
create made, and remove removes it (each tool works on an env it made itself; without
a warm run, the contestant's own create runs first, untimed). A
contestant that fails is recorded with its error and skipped for the rest of that
scenario; the others go on. Ctrl-C (or SIGTERM turned into KeyboardInterrupt by the
caller) stops the running tool's whole process group, removes every folder made
here, and returns what was measured so far, marked ``interrupted``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from labtools.envs.prefix import Prefix
from labtools.errors import LabtoolsError, UsageError
from labtools.pmbench.contestants import Contestant, Plan, Workspace
from labtools.pmbench.runner import resolve, run_steps
from labtools.pmbench.sandbox import Sandbox
from labtools.pmbench.stats import (
    MIN_REPEATS,
    Slot,
    Stats,
    agreement,
    indistinguishable,
    ratios,
    schedule,
    summarize,
)

#: progress(done, total, what)
BenchProgress = Callable[[int, int, str], None]
#: the file in a benchmark's folder naming the process that owns it
OWNER = "owner"
#: the order of scenarios inside a round (install and remove use the warm create's env)
_ORDER = ("solve", "cold", "warm", "install", "remove")
Key = tuple[str, str]  # (contestant, scenario)


@dataclass(frozen=True)
class ContestantInfo:
    name: str
    family: str
    available: bool
    version: str | None
    detail: str


@dataclass(frozen=True)
class Measurement:
    """One contestant in one scenario: its counted samples and what it resolved or made.

    ``status`` is ``ok``, ``failed`` (``error`` says why) or ``n/a`` (the scenario does
    not apply to this contestant; ``error`` says why). ``peers`` are the contestants
    next to it whose spread overlaps its own: not distinguishable from it.
    """

    contestant: str
    scenario: str
    status: str
    samples: tuple[float, ...]
    stats: Stats | None
    ratio: float | None
    packages: tuple[str, ...] | None
    error: str | None = None
    peers: tuple[str, ...] = ()
    #: the timed command lines, in order (programs resolved to absolute paths)
    commands: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Agreement:
    """Whether contestants resolved (or made) the same packages in a scenario."""

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
    interrupted: bool = False
    #: the benchmark's wall time, and how much of it was inside the clock (all runs)
    seconds: float = 0.0
    timed_seconds: float = 0.0
    #: wall time per run outside the clock: set-up, clean-up, reading the envs (seconds)
    overhead_per_run: float = 0.0

    @property
    def absent(self) -> tuple[ContestantInfo, ...]:
        return tuple(c for c in self.contestants if not c.available)

    def measurement(self, contestant: str, scenario: str) -> Measurement | None:
        for m in self.measurements:
            if m.contestant == contestant and m.scenario == scenario:
                return m
        return None


def _identity(pid: int) -> str:
    """``PID START``: the process and its start time (a reused pid has another)."""
    try:
        start = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        start = "?"
    return f"{pid} {start}"


def remove_stale(parent: Path) -> list[Path]:
    """Remove what a benchmark killed with SIGKILL left behind (its owner is gone)."""
    removed = []
    for folder in parent.glob("labtools-bench-*"):
        try:
            pid, _, start = (folder / OWNER).read_text(encoding="utf-8").partition(" ")
            alive = _identity(int(pid)) == f"{pid} {start}"
        except (OSError, ValueError):
            continue  # not a benchmark's folder, or not ours to judge
        if not alive:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _describe(exc: BaseException) -> str:
    if isinstance(exc, LabtoolsError):
        return exc.one_line()
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


@dataclass
class _State:
    """What the run loop has learnt so far (mutable; frozen into a BenchRun at the end)."""

    samples: dict[Key, list[float]] = field(default_factory=dict)
    packages: dict[Key, frozenset[str] | None] = field(default_factory=dict)
    errors: dict[Key, str] = field(default_factory=dict)
    not_applicable: dict[Key, str] = field(default_factory=dict)
    commands: dict[Key, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    order: list[Slot] = field(default_factory=list)
    timed: float = 0.0


def _sandbox(own: Path, slot: Slot, index: int, warm: dict[str, Sandbox]) -> Sandbox:
    if slot.scenario == "cold":
        return Sandbox(own / f"cold-{index}").make()
    if slot.contestant not in warm:
        warm[slot.contestant] = Sandbox(own / f"sb-{len(warm)}").make()
    return warm[slot.contestant]


def _check_prefix(plan: Plan, ws: Workspace) -> None:
    if plan.expect_prefix is True and not (ws.prefix / "bin").is_dir() \
            and not Prefix(ws.prefix).is_env():
        raise LabtoolsError(f"it exited 0 but made no environment at {ws.prefix.name}")
    if plan.expect_prefix is False and ws.prefix.exists():
        raise LabtoolsError("it exited 0 but the environment is still there")


def run_benchmark(
    contestants: Sequence[Contestant],
    *,
    scenarios: Sequence[str],
    repeats: int = MIN_REPEATS,
    warmup: int = 1,
    baseline: str | None = None,
    prefer: Sequence[str] = (),
    workdir: Path | None = None,
    progress: BenchProgress | None = None,
    timeout: float = 1800.0,
    clock: Callable[[], float] = time.perf_counter,
    checkpoint: Callable[[BenchRun], None] | None = None,
) -> BenchRun:
    """Measure *contestants* (see module docs); absent ones are listed, never dropped.

    Ratios are to *baseline*, or else to the first present of *prefer*, or the first.
    *checkpoint*, when given, gets the result so far after every round (marked
    ``interrupted``: that is what it is if nothing follows), so a long run that is
    killed outright still leaves its finished rounds on disk.
    :func:`labtools.benchmark` insists on a warm-up and 7 counted runs; this lower
    level takes fewer, for tests that check what each tool made rather than its speed.
    """
    if repeats < 1 or warmup < 0:
        raise UsageError("need at least one counted run and no negative warm-up",
                         hint=f"use --repeats {MIN_REPEATS} --warmup 1")
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
    base = baseline or next((n for n in [*prefer, *names] if n in names), None)
    scenarios = sorted(dict.fromkeys(scenarios), key=_ORDER.index)
    slots = schedule(scenarios, names, warmup=warmup, repeats=repeats)
    by_name = {c.name: c for c in present}
    state = _State()
    interrupted = False
    remove_stale(Path(workdir) if workdir else Path(tempfile.gettempdir()))
    own = Path(tempfile.mkdtemp(prefix="labtools-bench-", dir=workdir))
    (own / OWNER).write_text(_identity(os.getpid()), encoding="utf-8")
    started = clock()
    warm: dict[str, Sandbox] = {}

    def freeze(stopped: bool) -> BenchRun:
        wall = clock() - started
        return BenchRun(
            scenarios=tuple(scenarios), contestants=tuple(infos), baseline=base,
            warmup=warmup, repeats=repeats,
            measurements=tuple(_measurements(scenarios, names, state, base)),
            agreements=tuple(_agreements(scenarios, present, state)),
            order=tuple(state.order), interrupted=stopped, seconds=wall,
            timed_seconds=state.timed,
            overhead_per_run=max(0.0, wall - state.timed) / len(state.order)
            if state.order else 0.0)

    try:
        for index, slot in enumerate(slots):
            if progress is not None:
                progress(index, len(slots), f"{slot.scenario} round {slot.round + 1}/"
                         f"{warmup + repeats}: {slot.contestant}")
            key = (slot.contestant, slot.scenario)
            if index and slots[index - 1].round != slot.round:
                _end_round(warm, slots[index - 1].round)
                if checkpoint is not None:
                    checkpoint(freeze(True))
            if key in state.errors or key in state.not_applicable:
                continue
            _one_run(by_name[slot.contestant], slot, index, own, warm, state, timeout, clock,
                     last=slot.round == warmup + repeats - 1)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        remove_trees(sorted(own.iterdir()) if own.is_dir() else [])
        shutil.rmtree(own, ignore_errors=True)
    if progress is not None:
        progress(len(slots), len(slots), "interrupted" if interrupted else "done")
    return freeze(interrupted)


def _prefix(sandbox: Sandbox, slot: Slot, index: int) -> Path:
    """warm, install and remove of one round share the env; the others get their own."""
    if slot.scenario in ("warm", "install", "remove"):
        return sandbox.envs / f"r{slot.round}"
    return sandbox.envs / f"e{index}"


def remove_trees(paths: Sequence[Path], *, workers: int = 8) -> None:
    """Remove the folders *paths*, several at once (missing ones are fine).

    Deleting an env is tens of thousands of unlinks, each waiting on the disk rather
    than the CPU: a few at a time take a fraction of the wall time of one after the
    other. Only called while nothing is being timed (between rounds, at the end).
    """
    from concurrent.futures import ThreadPoolExecutor

    if len(paths) < 2:
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(paths))) as pool:
        list(pool.map(lambda path: shutil.rmtree(path, ignore_errors=True), paths))


def _end_round(warm: dict[str, Sandbox], rnd: int) -> None:
    remove_trees([sandbox.envs / f"r{rnd}" for sandbox in warm.values()])


def _one_run(contestant: Contestant, slot: Slot, index: int, own: Path,
             warm: dict[str, Sandbox], state: _State, timeout: float,
             clock: Callable[[], float], *, last: bool) -> None:
    """One run. What it made is read on its first run and its last (the set reported),
    not in between: reading an env is untimed work that would tell nothing new."""
    key = (slot.contestant, slot.scenario)
    sandbox = _sandbox(own, slot, index, warm)
    run_root = own / f"run-{index}"
    run_root.mkdir()
    ws = Workspace(root=run_root, prefix=_prefix(sandbox, slot, index), sandbox=sandbox)
    shared = slot.scenario in ("warm", "install", "remove")
    try:
        plan = contestant.plan(slot.scenario, ws)
        if isinstance(plan, str):
            state.not_applicable[key] = plan
            return
        env = sandbox.environ(contestant.extra_env())
        state.order.append(slot)
        if key not in state.commands:
            state.commands[key] = tuple(tuple(resolve(step, env)) for step in plan.timed)
        if slot.scenario == "warm" and ws.prefix.exists():
            shutil.rmtree(ws.prefix)
        if plan.setup and not (shared and ws.prefix.exists()):
            run_steps(plan.setup, env, run_root, timeout=timeout)
        elapsed, done = run_steps(plan.timed, env, run_root, timeout=timeout, clock=clock)
        _check_prefix(plan, ws)
        found = plan.read(done, ws) if plan.read is not None and (
            last or key not in state.packages) else state.packages.get(key)
    except Exception as exc:  # isolate: record and keep measuring the others
        state.errors[key] = _describe(exc)
        shutil.rmtree(ws.prefix, ignore_errors=True)
        return
    finally:
        shutil.rmtree(run_root, ignore_errors=True)
        if not shared:
            shutil.rmtree(ws.prefix, ignore_errors=True)
        if slot.scenario == "cold":  # its package cache and env, side by side
            remove_trees(sorted(sandbox.root.iterdir()) if sandbox.root.is_dir() else [])
            shutil.rmtree(sandbox.root, ignore_errors=True)
    state.timed += elapsed
    if slot.counted:
        state.samples.setdefault(key, []).append(elapsed)
    state.packages[key] = found


def _measurements(scenarios: Sequence[str], names: Sequence[str], state: _State,
                  baseline: str | None) -> list[Measurement]:
    out: list[Measurement] = []
    for scenario in scenarios:
        stats = {n: summarize(state.samples[(n, scenario)]) for n in names
                 if (n, scenario) not in state.errors and state.samples.get((n, scenario))}
        rel = ratios({n: s.median for n, s in stats.items()}, baseline or "")
        peers = indistinguishable(stats)
        for name in names:
            key = (name, scenario)
            found = state.packages.get(key)
            status = ("failed" if key in state.errors
                      else "n/a" if key in state.not_applicable else "ok")
            if status == "ok" and name not in stats:
                continue  # interrupted before its first run
            out.append(Measurement(
                contestant=name, scenario=scenario, status=status,
                samples=tuple(state.samples.get(key, ())), stats=stats.get(name),
                ratio=rel.get(name),
                packages=tuple(sorted(found)) if found is not None else None,
                error=state.errors.get(key) or state.not_applicable.get(key),
                peers=tuple(peers.get(name, ())), commands=state.commands.get(key, ())))
    return out


def _agreements(scenarios: Sequence[str], present: Sequence[Contestant],
                state: _State) -> list[Agreement]:
    from labtools.pmbench.pkgsets import pypi_view

    out: list[Agreement] = []
    for scenario in scenarios:
        sets: dict[str, dict[str, frozenset[str]]] = {}
        for c in present:
            found = state.packages.get((c.name, scenario))
            if found is not None and (c.name, scenario) not in state.errors:
                sets.setdefault(c.family, {})[c.name] = found
        for family, members in sets.items():
            if family == "floor" or len(members) < 2:
                continue
            agree, diff = agreement(members)
            out.append(Agreement(scenario, family, tuple(members), agree, diff))
        conda, pypi = sets.get("conda", {}), sets.get("pypi", {})
        if conda and pypi:  # a venv and a conda env of the same request: same Python dists?
            one_conda = next(iter(conda))
            one_pypi = next(iter(pypi))
            members = {one_conda: pypi_view(conda[one_conda]), one_pypi: pypi[one_pypi]}
            agree, diff = agreement(members)
            out.append(Agreement(scenario, "conda vs pypi", tuple(members), agree, diff))
    return out
