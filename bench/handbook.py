"""Handbook build speed: --jobs 2 vs --jobs 1, and a no-change rebuild vs a cold build.

A generated handbook of 16 tutorials (percent .py, each a kernel start, a little numeric
work and a plot, like a real tutorial) is built by fresh `labtools handbook build`
processes. Cold builds (`--force`) with --jobs 1 and --jobs 2 are interleaved and repeated;
medians are compared. Then the no-change rebuild (nothing executes, mkdocs is skipped) is
compared with the cold --jobs 1 build.

Goals (issue 18): jobs2/jobs1 <= 0.65 on a 2-core machine; rebuild/cold <= 0.05.
Usage: python bench/handbook.py [--repeats N] [--tutorials N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from labtools import process

TUTORIAL = """\
# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Tutorial {n}

# %%
import math

total = sum(math.sqrt(i) * math.sin(i) for i in range(600_000 + {n}))
print(f"total {{total:.3f}}")

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
ax.plot(range(10), [i * i for i in range(10)], marker="o")
plt.show()

# %% tags=["verify"]
assert math.isfinite(total)
"""

MKDOCS = """\
site_name: bench
strict: true
use_directory_urls: false
plugins:
  - search
  - labtools
"""


def make_project(root: Path, count: int) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# bench\n")
    (root / "mkdocs.yml").write_text(MKDOCS)
    for n in range(count):
        (root / "notebooks" / f"{n:02d}-tutorial.py").write_text(TUTORIAL.format(n=n))
    return root


def timed(project: Path, *args: str) -> float:
    argv = [sys.executable, "-m", "labtools", "handbook", "build", "--project", str(project),
            *args]
    started = time.perf_counter()
    process.run(argv, timeout=3600)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tutorials", type=int, default=16)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "hb", args.tutorials)
        timed(project, "--jobs", "2")  # warm the OS caches and build the site once
        one, two = [], []
        for _ in range(args.repeats):  # interleaved: drift in machine load hits both
            one.append(timed(project, "--force", "--jobs", "1"))
            two.append(timed(project, "--force", "--jobs", "2"))
        rebuild = statistics.median(timed(project) for _ in range(max(3, args.repeats)))
    cold1, cold2 = statistics.median(one), statistics.median(two)
    jobs_ratio, change_ratio = cold2 / cold1, rebuild / cold1
    print(f"{args.tutorials} tutorials, {os.cpu_count()} cores, load average {load:.2f} "
          f"at start, medians of {args.repeats}")
    print(f"cold build --jobs 1:   {cold1:8.2f} s   (runs: {', '.join(f'{v:.1f}' for v in one)})")
    print(f"cold build --jobs 2:   {cold2:8.2f} s   (runs: {', '.join(f'{v:.1f}' for v in two)})")
    print(f"no-change rebuild:     {rebuild:8.2f} s")
    print(f"jobs2/jobs1:      {jobs_ratio:.3f}  (goal <= 0.65: "
          f"{'met' if jobs_ratio <= 0.65 else 'NOT met'})")
    print(f"rebuild/cold:     {change_ratio:.3f}  (goal <= 0.05: "
          f"{'met' if change_ratio <= 0.05 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
