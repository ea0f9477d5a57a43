"""The benchmark's large case in one command: ``make bench-large`` (or this script).

1. the real conda, mamba and micromamba on PATH (tools/real-tools.sh, where the kits are);
2. a local channel for bench/large-environment.yml (a scientific stack, >150 packages,
   ``--versions 3`` so the solvers have choices), built by ``labtools channel mirror``
   from real PyPI wheels; cached outside the clone (~/.cache/labtools/mirror), so only the
   first run downloads and converts; the time it took is printed;
3. a wheelhouse for pip and uv with exactly the wheels the channel was made of;
4. ``labtools bench --file bench/large-environment.yml`` with every contestant in every
   scenario, writing the table, JSON and box plots into OUT (default build/bench-large).

    python bench/large_case.py [--out DIR] [--versions 3] [-- more labtools bench options]

Everything after ``--`` goes to ``labtools bench`` (e.g. ``-- --repeats 15``,
``-- --contestants micromamba,engine --scenarios solve,warm``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LARGE_FILE = REPO / "bench" / "large-environment.yml"


def real_tools_on_path() -> str:
    """Put the kits' real tools first on PATH (the benchmark finds them there)."""
    from labtools import process

    done = process.run(["bash", str(REPO / "tools" / "real-tools.sh")], check=False,
                       timeout=1800)
    if done.returncode != 0 or not done.stdout.strip():
        return f"no kits here ({done.stderr.strip()[-200:]}): tools found on PATH only"
    folder = done.stdout.strip().splitlines()[-1]
    os.environ["PATH"] = f"{folder}/bin{os.pathsep}{os.environ['PATH']}"
    return f"real tools from {folder}"


def wheelhouse_for(channel: Path, wheels: Path, out: Path) -> int:
    """Hard-link (or copy) into *out* the cached wheels the channel's packages came from."""
    import json
    import shutil

    from labtools.channel.names import normalize, pypi_name

    made = set()
    for repodata in channel.glob("*/repodata.json"):
        data = json.loads(repodata.read_text(encoding="utf-8"))
        for record in [*data.get("packages", {}).values(),
                       *data.get("packages.conda", {}).values()]:
            made.add((normalize(pypi_name(record["name"])), str(record["version"])))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    count = 0
    for wheel in sorted(wheels.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        if (normalize(name), version) in made:
            try:
                os.link(wheel, out / wheel.name)
            except OSError:
                shutil.copy2(wheel, out / wheel.name)
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "bench-large")
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("rest", nargs=argparse.REMAINDER,
                        help="after --: more options for labtools bench")
    args = parser.parse_args()
    out = args.out.absolute()
    out.mkdir(parents=True, exist_ok=True)
    print(f"== {real_tools_on_path()}", flush=True)

    from labtools.channel.mirror import default_cache, mirror_environment

    started = time.monotonic()
    stages: dict[str, float] = {}

    def on_progress(stage: str, done: int, total: int) -> None:
        # a cold mirror resolves, downloads and converts ~500 wheels: say where it is
        if stage not in stages:
            stages[stage] = time.monotonic()
            print(f"== channel: {stage}" + (f" ({total})" if total else "") + " ...",
                  flush=True)
        elif total and done == total:
            print(f"== channel: {stage} {done}/{total} done "
                  f"({time.monotonic() - stages[stage]:.0f} s)", flush=True)

    report = mirror_environment(LARGE_FILE, out / "channel", versions=args.versions,
                                on_progress=on_progress)
    print(f"== channel {report.path}: {report.packages} packages of {report.names} names "
          f"(--versions {args.versions}), {'cached' if report.cached else 'built'} in "
          f"{time.monotonic() - started:.0f} s (key {report.cache_key})", flush=True)
    houses = out / "wheels"
    count = wheelhouse_for(report.path, default_cache() / "wheels", houses)
    print(f"== wheelhouse {houses}: {count} wheels the channel was made of", flush=True)
    rest = [a for a in args.rest if a != "--"]
    labtools = Path(sys.executable).parent / "labtools"
    argv = [str(labtools) if labtools.is_file() else "labtools", "bench",
            "--file", str(LARGE_FILE), "--channel", str(report.path), "--wheelhouse",
            str(houses), "--markdown", str(out / "bench-large.md"),
            "--save-json", str(out / "bench-large.json"), "--plot", str(out / "bench-large.png"),
            *rest]
    print(f"== {' '.join(re.sub(r'^' + re.escape(str(REPO)) + '/', '', a) for a in argv)}",
          flush=True)
    # the benchmark is the labtools command a user runs; its output goes straight to ours
    from labtools import process

    proc = process.spawn(argv, stdout=None, stderr=None)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # the benchmark got the Ctrl-C too: let it print and clean up
        return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
