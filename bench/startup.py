"""Benchmark: how fast `labtools --version`, `labtools --help` and bare `labtools` start.

Each run is a fresh process, as a user types it; the contestants are interleaved with
`python -c pass` (the interpreter's own start-up, the floor) and medians compared.
Goal: each labtools start-up <= 0.25 s; the ratio to `python -c pass` says how much of
that is labtools' own.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPEATS = 21
GOAL = 0.25


def main() -> int:
    labtools = str(Path(sys.executable).parent / "labtools")
    contestants = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "labtools --version": [labtools, "--version"],
        "labtools --help": [labtools, "--help"],
        "labtools": [labtools],
    }
    times: dict[str, list[float]] = {name: [] for name in contestants}
    for argv in contestants.values():  # warm the OS caches once, uncounted
        subprocess.run(argv, capture_output=True, check=True)
    for _ in range(REPEATS):
        for name, argv in contestants.items():
            started = time.perf_counter()
            subprocess.run(argv, capture_output=True, check=True)
            times[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) for name, values in times.items()}
    floor = medians["python -c pass"]
    print(f"{REPEATS} interleaved fresh-process runs each; goal: labtools <= {GOAL:.2f} s")
    failed = False
    for name, median in medians.items():
        line = (f"  {name:<20} median {median * 1000:6.1f} ms "
                f"(min {min(times[name]) * 1000:.1f})")
        if name != "python -c pass":
            line += f"  {median / floor:4.1f}x python -c pass"
            failed |= median > GOAL
        print(line)
    print("goal met" if not failed else "goal missed (a loaded machine? see the minimums)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
