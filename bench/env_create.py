"""Benchmark: create an ipykernel-sized env with the built-in engine vs ``cp -al``.

Measured in the same run: cold-cache create, warm-cache create (with and without
byte-compiling site-packages), and the physical limit, a hard-link copy (``cp -al``)
of the finished prefix. Prints medians and the warm/cp-al ratio (goal <= 1.5x).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from labtools import process
from labtools.channel.lab import ensure_lab_channel
from labtools.envs.create import create_env, remove_tree

REPO = Path(__file__).resolve().parents[1]
SPECS = ["python", "ipykernel"]
REPEATS = 3


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> int:
    channel = ensure_lab_channel(REPO / "build")
    with tempfile.TemporaryDirectory(prefix="bench-env-create-") as tmp:
        work = Path(tmp)
        counter = iter(range(1000))

        def create(cache: Path, compile_bytecode: bool) -> Path:
            return create_env(name=f"py311-kernel-{next(counter)}", specs=SPECS,
                              channels=[str(channel)], backend="rattler", root=work / "envs",
                              cache_dir=cache, compile_bytecode=compile_bytecode).prefix

        cold = []
        for i in range(REPEATS):
            cold.append(timed(lambda i=i: create(work / f"cold-cache-{i}", False)))
        warm_cache = work / "cold-cache-0"
        warm = [timed(lambda: create(warm_cache, False)) for _ in range(REPEATS)]
        warm_pyc = [timed(lambda: create(warm_cache, True)) for _ in range(REPEATS)]
        source = create(warm_cache, False)
        copies = []
        for i in range(REPEATS):
            target = work / f"copy-{i}"
            copies.append(timed(lambda t=target: process.run(["cp", "-al", source, t])))
            remove_tree(target)
        packages = len(list((source / "conda-meta").glob("*.json")))

    med = {name: statistics.median(values) for name, values in
           [("cold", cold), ("warm", warm), ("warm+pyc", warm_pyc), ("cp -al", copies)]}
    print(f"env: {' + '.join(SPECS)} ({packages} packages), median of {REPEATS}")
    for name, value in med.items():
        print(f"  {name:<9} {value:7.3f} s")
    ratio = med["warm"] / med["cp -al"]
    print(f"warm create / cp -al      = {ratio:.2f}x (goal <= 1.5x)")
    print(f"warm+pyc create / cp -al  = {med['warm+pyc'] / med['cp -al']:.2f}x")
    print(f"cold create / warm create = {med['cold'] / med['warm']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
