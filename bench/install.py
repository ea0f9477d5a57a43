"""Benchmark: what installing labtools costs, runtime only and for development.

Three measurements, each from nothing, with an empty pip cache (downloads and wheel
builds included; a machine's own wheel mirror, if pip is configured with one, is used):

- runtime: ``pip install .`` into a fresh venv (what ``pipx install .`` does);
- dev: ``make setup`` in a fresh ``git clone`` of this checkout (the ``.venv`` that
  ``make test`` and ``make handbook`` create first: labtools editable + dev extras);
- the size of each environment beyond an empty venv, and its number of distributions.

Slow (minutes) and network-bound: run it by hand, `python bench/install.py [--skip-dev]`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def size_mb(path: Path) -> float:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            full = os.path.join(dirpath, name)
            if not os.path.islink(full):
                total += os.stat(full).st_size
    return total / 1e6


def dists(venv: Path) -> int:
    return len(list(venv.glob("lib/python*/site-packages/*.dist-info")))


def timed(argv: list[str], **kw: object) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, **kw)  # type: ignore[call-overload]
    return time.perf_counter() - started


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="labtools-bench-install-") as tmp:
        env = {**os.environ, "PIP_CACHE_DIR": str(Path(tmp) / "pip-cache"),
               "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        env.pop("VIRTUAL_ENV", None)
        base = Path(tmp) / "empty"
        subprocess.run([sys.executable, "-m", "venv", base], check=True)
        floor = size_mb(base)

        runtime = Path(tmp) / "runtime"
        subprocess.run([sys.executable, "-m", "venv", runtime], check=True)
        seconds = timed([str(runtime / "bin" / "python"), "-m", "pip", "install", str(ROOT)],
                        env=env)
        print(f"runtime  pip install .   {seconds:6.1f} s  {size_mb(runtime) - floor:6.0f} MB "
              f"beyond an empty venv, {dists(runtime)} distributions")

        if "--skip-dev" not in sys.argv:
            clone = Path(tmp) / "clone"
            subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
            seconds = timed(["make", "setup", f"PYTHON={sys.executable}"], cwd=clone, env=env)
            venv = clone / ".venv"
            print(f"dev      make setup      {seconds:6.1f} s  {size_mb(venv) - floor:6.0f} MB "
                  f"beyond an empty venv, {dists(venv)} distributions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
