"""The harness on real, cheap commands: interleaving, failure isolation, absence, agreement,
and Ctrl-C (the running tool's whole process group stops, nothing is left behind)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from labtools import process
from labtools.errors import UsageError
from labtools.pmbench.contestants import Command, Plan, Workspace
from labtools.pmbench.harness import BenchRun, remove_trees, run_benchmark

pytestmark = pytest.mark.integration


class Recorder(Command):
    """A command contestant that also records when it ran (shared log)."""

    def __init__(self, name: str, argv: list[str], log: list[str]) -> None:
        super().__init__(name, argv)
        self.log = log

    def plan(self, scenario: str, ws: Workspace) -> Plan | str:
        self.log.append(f"{scenario}:{self.name}")
        assert ws.root.is_dir() and not ws.prefix.exists() and ws.sandbox.root.is_dir()
        return super().plan(scenario, ws)


def test_contestants_run_interleaved_after_a_warmup(tmp_path: Path) -> None:
    log: list[str] = []
    a = Recorder("A", ["true"], log)
    b = Recorder("B", [sys.executable, "-c", "pass"], log)
    result = run_benchmark([a, b], scenarios=["warm", "solve"], repeats=7, warmup=1,
                           workdir=tmp_path)
    assert result.scenarios == ("solve", "warm")  # a round's order, whatever was asked
    assert log[:8] == ["solve:A", "solve:B", "warm:A", "warm:B",
                       "solve:B", "solve:A", "warm:B", "warm:A"]
    assert len(log) == 2 * 2 * 8
    assert [(s.contestant, s.counted) for s in result.order[:5]] == [
        ("A", False), ("B", False), ("A", False), ("B", False), ("B", True)]
    for m in result.measurements:
        assert m.status == "ok" and m.stats is not None
        assert len(m.samples) == 7 and m.stats.runs == 7
        assert m.stats.min <= m.stats.p25 <= m.stats.median <= m.stats.p75 <= m.stats.max
        assert m.commands[0][0].endswith(("/true", "/python3", "/python"))
    assert result.baseline == "A"
    assert result.measurement("A", "solve").ratio == 1.0  # type: ignore[union-attr]
    assert not result.interrupted
    assert list(tmp_path.iterdir()) == []  # every sandbox and workspace removed


def test_a_checkpoint_after_every_round_holds_the_rounds_so_far(tmp_path: Path) -> None:
    seen: list[BenchRun] = []
    result = run_benchmark([Command("A", ["true"]), Command("B", ["true"])],
                           scenarios=["solve", "warm"], repeats=7, warmup=1,
                           workdir=tmp_path, checkpoint=seen.append)
    # after rounds 1..7 (the last round's result is the return value itself)
    assert len(seen) == 7
    assert [len(run.order) for run in seen] == [4 * n for n in range(1, 8)]
    assert all(run.interrupted for run in seen) and not result.interrupted
    assert [len(m.samples) for m in seen[-1].measurements] == [6, 6, 6, 6]
    assert seen[0].measurements == ()  # the warm-up round counts nothing
    assert [len(m.samples) for m in result.measurements] == [7, 7, 7, 7]


class Reads(Command):
    """A contestant that prints a new line each run and records every read of what it made."""

    def __init__(self, name: str) -> None:
        super().__init__(name, [sys.executable, "-c", "import time; print(time.time_ns())"])
        self.reads: list[frozenset[str]] = []

    def plan(self, scenario: str, ws: Workspace) -> Plan | str:
        def read(out: list[process.Completed], _ws: Workspace) -> frozenset[str]:
            self.reads.append(frozenset(out[0].stdout.split()))
            return self.reads[-1]

        return Plan((self.argv,), read=read)


def test_what_a_run_made_is_read_on_the_first_and_the_last_run_only(tmp_path: Path) -> None:
    a, b = Reads("A"), Reads("B")
    result = run_benchmark([a, b], scenarios=["solve", "warm"], repeats=7, warmup=1,
                           workdir=tmp_path)
    assert len(a.reads) == len(b.reads) == 2 * 2  # two scenarios, two reads each
    assert all(len(m.samples) == 7 for m in result.measurements)  # every run still timed
    for m, reads in [(result.measurement("A", "warm"), a.reads),
                     (result.measurement("B", "warm"), b.reads)]:
        assert m is not None and m.packages == tuple(sorted(reads[-1]))  # the last run's
        assert reads[-1] != reads[0]  # (it prints a new line each run: really re-read)


def test_trees_are_removed_together_and_a_missing_one_is_fine(tmp_path: Path) -> None:
    trees = []
    for n in range(5):
        leaf = tmp_path / f"env{n}" / "lib" / "site-packages"
        leaf.mkdir(parents=True)
        (leaf / "mod.py").write_text("x = 1\n")
        os.link(leaf / "mod.py", leaf / "hardlink.py")
        trees.append(tmp_path / f"env{n}")
    remove_trees([*trees, tmp_path / "never-made"])
    assert list(tmp_path.iterdir()) == []
    remove_trees([])  # nothing to do


def test_a_failing_contestant_is_reported_and_the_others_measured(tmp_path: Path) -> None:
    ok = Command("ok", ["true"])
    bad = Command("bad", [sys.executable, "-c", "import sys; sys.exit('the solver exploded')"])
    result = run_benchmark([bad, ok], scenarios=["solve"], repeats=7, baseline="ok",
                           workdir=tmp_path)
    failed = result.measurement("bad", "solve")
    assert failed is not None and failed.status == "failed"
    assert failed.error is not None and "the solver exploded" in failed.error
    assert failed.stats is None
    good = result.measurement("ok", "solve")
    assert good is not None and good.status == "ok" and len(good.samples) == 7
    # the failed one ran once (warm-up), then was skipped; ok ran all eight rounds
    assert [s.contestant for s in result.order].count("bad") == 1
    assert [s.contestant for s in result.order].count("ok") == 8


def test_an_absent_contestant_is_listed_with_its_reason(tmp_path: Path) -> None:
    present = Command("here", ["true"])
    missing = Command("gone", ["labtools-no-such-tool-xyz"])
    result = run_benchmark([present, missing], scenarios=["cold"], repeats=7,
                           workdir=tmp_path)
    assert [c.name for c in result.absent] == ["gone"]
    assert "not on PATH" in result.absent[0].detail
    assert result.measurement("gone", "cold") is None
    assert result.measurement("here", "cold") is not None


def test_resolved_sets_are_compared_per_family(tmp_path: Path) -> None:
    same1 = Command("one", [sys.executable, "-c", "print('a==1')"], family="x")
    same2 = Command("two", [sys.executable, "-c", "print('a==1')"], family="x")
    other = Command("three", [sys.executable, "-c", "print('a==2')"], family="x")
    agreed = run_benchmark([same1, same2], scenarios=["solve"], repeats=1, workdir=tmp_path)
    assert [a.agree for a in agreed.agreements] == [True]
    split = run_benchmark([same1, other], scenarios=["solve"], repeats=1, workdir=tmp_path)
    assert split.agreements[0].agree is False
    assert split.agreements[0].differences == {"one": ["a==1"], "three": ["a==2"]}


def test_no_counted_run_or_an_unknown_baseline_is_refused() -> None:
    with pytest.raises(UsageError, match="counted run"):
        run_benchmark([Command("a", ["true"])], scenarios=["solve"], repeats=0)
    with pytest.raises(UsageError, match="baseline"):
        run_benchmark([Command("a", ["true"])], scenarios=["solve"], baseline="b")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.is_file() and stat.read_text().split(")")[-1].split()[0] == "Z")


def test_ctrl_c_stops_the_tool_and_its_children_and_keeps_the_partial_result(
        tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    work = tmp_path / "work"
    work.mkdir()
    quick = Command("quick", ["true"])
    # a "tool" that starts a child of its own and hangs, as a stuck solver would
    hang = Command("hang", ["sh", "-c", f"sleep 300 & echo $$ $! > {pids}; wait"])

    def interrupt() -> None:
        deadline = time.monotonic() + 120
        while not pids.exists() or not pids.read_text().strip():
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    result = run_benchmark([quick, hang], scenarios=["solve"], repeats=7, warmup=0,
                           workdir=work)
    assert result.interrupted
    m = result.measurement("quick", "solve")
    assert m is not None and m.status == "ok"  # what finished before Ctrl-C is kept
    shell, child = (int(p) for p in pids.read_text().split())
    deadline = time.monotonic() + 30
    while (_alive(shell) or _alive(child)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(shell) and not _alive(child)
    assert list(work.iterdir()) == []


def test_a_benchmark_killed_with_sigkill_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    stale = tmp_path / "labtools-bench-stale"
    (stale / "sb-0" / "envs").mkdir(parents=True)
    (stale / "owner").write_text(f"{2**22 + 17} 1")  # above pid_max: no such process
    other = tmp_path / "labtools-bench-not-ours"  # no owner file: left alone
    other.mkdir()
    run_benchmark([Command("a", ["true"])], scenarios=["solve"], repeats=1, workdir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labtools-bench-not-ours"]
