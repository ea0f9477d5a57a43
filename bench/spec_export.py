"""Benchmark: `labtools spec export` vs `pip freeze --path SITE` on a 300-package prefix.

The prefix is synthetic (conda-meta records + dist-info directories, half of them owned
by conda records, plus 60 pip-installed ones), so both contestants read the same
site-packages. Each run is a fresh process (start-up and imports included, as a user
sees it); runs are interleaved and medians compared. Goal: labtools <= 0.3x pip freeze.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from labtools import process
from labtools.spec.synth import PY, FakeDist, synthetic_packages, write_prefix

REPEATS = 11
PACKAGES = 300
PIP_DISTS = 60


def main() -> int:
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="labtools-bench-spec-") as tmp:
        prefix = write_prefix(
            Path(tmp) / "bench-env", synthetic_packages(PACKAGES),
            [FakeDist(f"pipdist{i:02d}", f"0.{i}.0") for i in range(PIP_DISTS)],
        )
        site = prefix / "lib" / PY / "site-packages"
        contestants = {
            "labtools spec export": [str(bindir / "labtools"), "spec", "export",
                                     "--prefix", str(prefix)],
            "pip freeze --path": [sys.executable, "-m", "pip", "freeze", "--path", str(site),
                                  "--disable-pip-version-check"],
        }
        times: dict[str, list[float]] = {name: [] for name in contestants}
        outputs: dict[str, str] = {}
        for _ in range(REPEATS):
            for name, argv in contestants.items():
                started = time.perf_counter()
                done = process.run(argv, timeout=60)
                times[name].append(time.perf_counter() - started)
                outputs[name] = done.stdout
    export, freeze = outputs["labtools spec export"], outputs["pip freeze --path"]
    lines = export.count("\n  - ") + export.count("\n      - ")
    print(f"prefix: {PACKAGES} conda records, {PACKAGES // 2} conda dist-infos, "
          f"{PIP_DISTS} pip dist-infos; {REPEATS} interleaved fresh-process runs each")
    print(f"outputs: spec export {lines} entries, pip freeze {len(freeze.splitlines())} lines")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"  {name:<22} median {median * 1000:7.1f} ms  "
              f"(min {min(times[name]) * 1000:.1f}, max {max(times[name]) * 1000:.1f})")
    ratio = medians["labtools spec export"] / medians["pip freeze --path"]
    print(f"ratio labtools/pip = {ratio:.2f}x (goal <= 0.30x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
