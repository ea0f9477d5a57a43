"""Benchmark of the benchmark: what the clock itself adds to every measured run.

`labtools bench` times each contestant as whole processes (spawn in a new process
group, wait, reap). Timing `true` the same way gives that floor: the cost of starting
and reaping one trivial process through the harness. Compared with the fastest real
contestant's median on the lab channel (a dry run), it says how much of the smallest
figure in the handbook is measurement rather than tool. Goal: < 5%.

    python bench/harness_overhead.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from labtools import benchmark
from labtools.channel.lab import ensure_lab_channel
from labtools.pmbench.runner import run_steps
from labtools.pmbench.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[1]
GOAL = 0.05


def main() -> int:
    channel = ensure_lab_channel(REPO / "build")
    with tempfile.TemporaryDirectory(prefix="labtools-bench-overhead-") as tmp:
        env = Sandbox(Path(tmp)).make().environ()
        floor = statistics.median(run_steps([["true"]], env, Path(tmp), timeout=60)[0]
                                  for _ in range(31))
    result = benchmark(specs=["python", "ipykernel"], channels=[str(channel)],
                       contestants=["engine", "micromamba", "mamba"], scenarios=["solve"])
    medians = {m.contestant: m.stats.median for m in result.run.measurements if m.stats}
    for name, value in sorted(medians.items(), key=lambda kv: kv[1]):
        print(f"solve {name:<11} median {value * 1e3:8.2f} ms")
    fastest, value = min(medians.items(), key=lambda kv: kv[1])
    ratio = floor / value
    print(f"the clock's floor (spawn + reap `true`): {floor * 1e3:.2f} ms (median of 31)")
    verdict = "OK" if ratio < GOAL else "ABOVE GOAL"
    print(f"floor / fastest median ({fastest}) = {ratio:.4f} ({ratio:.2%}; goal < {GOAL:.0%}) "
          f"{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
