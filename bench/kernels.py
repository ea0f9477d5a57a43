"""Benchmark: `labtools kernel list --json` vs `jupyter kernelspec list --json`.

Each run is a fresh process (start-up and imports included, as a user sees it), both
contestants list the same sandboxed Jupyter paths holding a few kernelspecs, runs are
interleaved, and medians are compared. Goal: labtools <= 0.5x jupyter.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from labtools import process

REPEATS = 15
KERNELS = 8


def main() -> int:
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="labtools-bench-kernels-") as tmp:
        root = Path(tmp)
        data = root / "data"
        for i in range(KERNELS):
            kdir = data / "kernels" / f"bench-{i}"
            kdir.mkdir(parents=True)
            (kdir / "kernel.json").write_text(json.dumps({
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": f"Bench {i}", "language": "python"}))
        env = dict(os.environ, HOME=str(root), JUPYTER_DATA_DIR=str(data),
                   JUPYTER_CONFIG_DIR=str(root / "cfg"), JUPYTER_PATH="")
        contestants = {
            "labtools": [str(bindir / "labtools"), "kernel", "list", "--json"],
            "jupyter": [str(bindir / "jupyter"), "kernelspec", "list", "--json"],
        }
        times: dict[str, list[float]] = {name: [] for name in contestants}
        found: dict[str, set[str]] = {}
        for _ in range(REPEATS):
            for name, argv in contestants.items():
                start = time.perf_counter()
                done = process.run(argv, env=env, timeout=60)
                times[name].append(time.perf_counter() - start)
                doc = json.loads(done.stdout)
                names = ({k["name"] for k in doc["kernels"]} if name == "labtools"
                         else set(doc["kernelspecs"]))
                found[name] = names
    if found["labtools"] != found["jupyter"]:
        print(f"warning: the two listings differ: {found}")
    med = {name: statistics.median(ts) for name, ts in times.items()}
    for name, value in med.items():
        print(f"{name:9s} median {value * 1000:7.1f} ms over {REPEATS} fresh processes")
    ratio = med["labtools"] / med["jupyter"]
    print(f"ratio labtools/jupyter = {ratio:.2f}x (goal <= 0.5x), {len(found['labtools'])} "
          "kernels each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
