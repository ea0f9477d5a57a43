"""Benchmark: a warm ``labtools env create`` (a whole process) vs ``cp -al`` of the same env.

The target (issue 15, item 6): creating python + ipykernel from the local channel with a
warm package cache, as a user runs it (``labtools env create NAME python ipykernel``, a
new process each time, default options: the built-in engine, byte-compiled), takes at
most 1.3x a hard-link copy (``cp -al``) of the same finished env, also a whole process.
The two are interleaved (ABAB, then BABA), each run --repeats times (>= 7), and the
medians compared. Run the script three times; the ratio must hold in each run.

    python bench/env_create.py [--repeats 9] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from labtools import process
from labtools.channel.lab import ensure_lab_channel
from labtools.envs.prefix import Prefix, remove_tree

REPO = Path(__file__).resolve().parents[1]
SPECS = ("python", "ipykernel")
TARGET = 1.3


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    process.run(argv, env=env)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.repeats < 7:
        parser.error("--repeats must be at least 7")
    channel = ensure_lab_channel(REPO / "build")
    labtools = [sys.executable, "-m", "labtools"]
    with tempfile.TemporaryDirectory(prefix="bench-env-create-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "LABTOOLS_CACHE_DIR": str(work / "cache"), "HOME": str(work),
               "XDG_CONFIG_HOME": str(work / ".config"), "LABTOOLS_CHANNELS": str(channel)}
        root = work / "envs"

        def create(name: str) -> list[str]:
            return [*labtools, "env", "create", name, *SPECS, "--root", str(root),
                    "--backend", "rattler"]

        process.run(create("py311-kernel"), env=env)  # warm: packages and bytecode cached
        source = root / "py311-kernel"
        creates: list[float] = []
        copies: list[float] = []
        for i in range(args.repeats):
            name, copy = f"py311-kernel-{i}", work / f"copy-{i}"
            steps = [("create", create(name)), ("copy", ["cp", "-al", str(source), str(copy)])]
            for what, command in steps if i % 2 == 0 else reversed(steps):
                (creates if what == "create" else copies).append(timed(command, env))
            remove_tree(root / name)
            remove_tree(copy)
        packages = len(Prefix(source).records())
        files = sum(1 for _ in source.rglob("*"))
    med_create, med_copy = statistics.median(creates), statistics.median(copies)
    ratio = med_create / med_copy
    result = {"specs": list(SPECS), "packages": packages, "files": files,
              "repeats": args.repeats, "create_median_s": round(med_create, 4),
              "cp_al_median_s": round(med_copy, 4), "ratio": round(ratio, 3),
              "target": TARGET, "create_s": [round(x, 4) for x in creates],
              "cp_al_s": [round(x, 4) for x in copies]}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"env: {' + '.join(SPECS)} ({packages} packages, {files} files), "
              f"interleaved, median of {args.repeats}")
        print(f"  labtools env create (warm, whole process)  {med_create:.3f} s")
        print(f"  cp -al of the same env (whole process)     {med_copy:.3f} s")
        print(f"  ratio {ratio:.2f}x (target <= {TARGET}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
