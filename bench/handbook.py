"""Cold handbook build vs no-change rebuild, measured in the same run.

Goal: a rebuild with nothing changed costs <= 10% of a cold build. Both are fresh
`labtools handbook build` processes on this project, into the same temporary site.
Usage: python bench/handbook.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from labtools import process

ROOT = Path(__file__).resolve().parents[1]


def timed_build(site: Path, *, force: bool) -> float:
    argv = [
        sys.executable,
        "-m",
        "labtools",
        "handbook",
        "build",
        "--project",
        str(ROOT),
        "--out",
        str(site),
        "--jobs",
        "2",
    ]
    started = time.perf_counter()
    process.run([*argv, "--force"] if force else argv, timeout=3600)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        cold = timed_build(site, force=True)
        warm = statistics.median(timed_build(site, force=False) for _ in range(args.repeats))
    ratio = warm / cold
    print(f"cold build (every tutorial executed, mkdocs): {cold:8.2f} s")
    print(f"no-change rebuild (median of {args.repeats}):         {warm:8.2f} s")
    print(
        f"ratio rebuild/cold: {ratio:.3f}  (goal <= 0.10: {'met' if ratio <= 0.10 else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
