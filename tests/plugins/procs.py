"""What runs on this machine, read from /proc: for tests that must find nothing left behind.

``descendants(pid)`` is a snapshot of a process tree (children that started their own
session, as Jupyter kernels and background ssh do, included: it follows parent ids).
``survivors(pids)`` are those of *pids* still running (zombies do not count), after waiting
up to a grace period for them to be reaped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    pgid: int
    sid: int
    state: str
    cmdline: str


def _read(pid: int) -> Proc | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return Proc(pid, int(fields[1]), int(fields[2]), int(fields[3]), fields[0],
                raw.replace(b"\0", b" ").decode(errors="replace").strip())


def table() -> dict[int, Proc]:
    found: dict[int, Proc] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            proc = _read(int(entry))
            if proc is not None:
                found[proc.pid] = proc
    return found


def descendants(root: int) -> list[Proc]:
    """Every process below *root* right now (not *root* itself), by parent ids."""
    from labtools.proctree import descendants as below

    found = (_read(pid) for pid in below(root))
    return [proc for proc in found if proc is not None]


def running(pids: Iterable[int]) -> list[Proc]:
    """Those of *pids* that exist and are not zombies."""
    out = []
    for pid in pids:
        proc = _read(pid)
        if proc is not None and proc.state not in ("Z", "X"):
            out.append(proc)
    return out


def in_groups(pgids: Iterable[int]) -> list[Proc]:
    wanted = set(pgids)
    return [p for p in table().values() if p.pgid in wanted and p.state not in ("Z", "X")]


def survivors(pids: Iterable[int], *, grace: float = 10.0) -> list[Proc]:
    """*pids* still running after up to *grace* seconds (processes may take a moment to die)."""
    pids = list(pids)
    deadline = time.monotonic() + grace
    while True:
        left = running(pids)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)
