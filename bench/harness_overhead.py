"""Benchmark of the benchmark: the harness's own cost per run vs the fastest contestant.

Runs ``labtools bench``'s harness on the lab channel (built-in engine, solve and warm
create; uv on the demo wheels) and reads the harness overhead it measures for itself:
the wall time of the run loop minus the timed calls and the folder clean-up, per run.
A second run with ``true`` as the only contestant shows the overhead alone. Goal: the
overhead is < 5% of the fastest contestant's median.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from labtools.channel.lab import demo_wheels, ensure_lab_channel
from labtools.pmbench.api import benchmark
from labtools.pmbench.contestants import CommandContestant
from labtools.pmbench.harness import run_benchmark

REPO = Path(__file__).resolve().parents[1]
GOAL = 0.05


def main() -> int:
    channel = ensure_lab_channel(REPO / "build")
    with tempfile.TemporaryDirectory(prefix="bench-harness-") as tmp:
        wheels = Path(tmp) / "wheels"
        demo_wheels(wheels)
        real = benchmark(specs=["labdemo-extra"], channels=[str(channel)],
                         contestants=["engine", "uv"], scenarios=["solve", "warm"],
                         repeats=10, find_links=wheels, workdir=Path(tmp))
        idle = run_benchmark([CommandContestant("true", ["true"])], scenarios=["solve"],
                             repeats=20, workdir=Path(tmp))
    medians = {(m.contestant, m.scenario): m.stats.median
               for m in real.run.measurements if m.stats is not None}
    for (name, scenario), value in sorted(medians.items(), key=lambda kv: kv[1]):
        print(f"{scenario:>6} {name:<8} median {value * 1e3:8.2f} ms")
    (fastest_key, fastest) = min(medians.items(), key=lambda kv: kv[1])
    overhead = real.run.overhead_per_run
    ratio = overhead / fastest
    print(f"harness overhead per run: {overhead * 1e3:.3f} ms (real run), "
          f"{idle.overhead_per_run * 1e3:.3f} ms (with `true` only)")
    print(f"fastest contestant: {fastest_key[0]} {fastest_key[1]} {fastest * 1e3:.2f} ms")
    verdict = "OK" if ratio < GOAL else "ABOVE GOAL"
    print(f"overhead / fastest median = {ratio:.4f} ({ratio:.2%}; goal < {GOAL:.0%}) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
