"""The built-in engine against its speed targets, as whole processes, in one run.

Targets (issue 16), ratios of medians measured interleaved in the same run:
  solve        <= 1.0x micromamba
  warm create  <= 0.25x micromamba and <= 1.3x `cp -al` of the finished env
  cold create  <= 0.8x micromamba
for the small spec (python ipykernel, the lab channel) and, with --large CHANNEL, the
large one (bench/large-environment.yml mirrored by `labtools channel mirror`).

Also printed: where `labtools env create` spends its start-up (python -X importtime),
and for every missed target a cProfile of one engine run of that scenario.

    python bench/engine_speed.py [--repeats 7] [--large CHANNEL]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from labtools import benchmark, process
from labtools.channel.lab import ensure_lab_channel
from labtools.pmbench import commands
from labtools.pmbench.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[1]
LARGE_FILE = REPO / "bench" / "large-environment.yml"
TARGETS = [("solve", "micromamba", 1.0), ("warm", "micromamba", 0.25), ("warm", "cp-al", 1.3),
           ("cold", "micromamba", 0.8)]


def real_tools_on_path() -> None:
    done = process.run(["bash", str(REPO / "tools" / "real-tools.sh")], check=False,
                       timeout=1800)
    if done.returncode == 0 and done.stdout.strip():
        os.environ["PATH"] = f"{done.stdout.strip().splitlines()[-1]}/bin{os.pathsep}" \
                             f"{os.environ['PATH']}"


def measure(label: str, specs: list[str], channel: str, file: Path | None,
            repeats: int, wheelhouse: Path | None = None) -> list[tuple[str, float, float]]:
    result = benchmark(specs=specs, file=file, channels=[channel],
                       contestants=["engine", "micromamba", "cp-al"],
                       scenarios=["solve", "cold", "warm"], repeats=repeats,
                       baseline="micromamba", wheelhouse=wheelhouse)
    run = result.run
    medians = {(m.contestant, m.scenario): m.stats.median
               for m in run.measurements if m.stats is not None}
    packages = next((len(m.packages) for m in run.measurements
                     if m.contestant == "engine" and m.scenario == "warm" and m.packages), 0)
    print(f"== {label}: {' '.join(result.specs)} ({packages} packages), "
          f"{run.warmup}+{run.repeats} runs interleaved, load {result.machine['load_before']}"
          f" -> {result.machine['load_after']}")
    for (name, scenario), value in sorted(medians.items(), key=lambda kv: (kv[0][1], kv[1])):
        print(f"  {scenario:>5} {name:<11} median {value:8.3f} s")
    for m in run.measurements:
        if m.status == "failed":
            print(f"  FAILED {m.contestant} {m.scenario}: {m.error}")
    missed = []
    for scenario, against, target in TARGETS:
        if ("engine", scenario) not in medians or (against, scenario) not in medians:
            print(f"  {scenario:>5}: engine / {against:<10} = (not measured)")
            continue
        ratio = medians[("engine", scenario)] / medians[(against, scenario)]
        verdict = "met" if ratio <= target else "MISSED"
        print(f"  {scenario:>5}: engine / {against:<10} = {ratio:5.2f}x "
              f"(target <= {target}x) {verdict}")
        if ratio > target:
            missed.append((scenario, ratio, target))
    return missed


def import_profile(channel: str) -> None:
    """The slowest imports on the way from `labtools env create` to the solver."""
    with tempfile.TemporaryDirectory(prefix="labtools-bench-imports-") as tmp:
        env = Sandbox(Path(tmp)).make().environ()
        argv = [sys.executable, "-X", "importtime", "-m", "labtools", "env", "create",
                "imports", "python", "--backend", "rattler", "--dry-run", "--root",
                str(Path(tmp) / "envs"), "-c", channel, "--json"]
        done = process.run(argv, env=env, check=False, timeout=600)
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            rows.append((int(match[2]), int(match[1]), len(match[3]), match[4]))
    top = [r for r in rows if r[2] <= 1]  # top-level imports: what the command pulls in
    total = sum(r[0] for r in top)
    print(f"== import time of `labtools env create --dry-run`: {total / 1e6:.3f} s "
          f"in {len(rows)} modules; the largest top-level imports:")
    for cumulative, _self, _depth, name in sorted(top, reverse=True)[:12]:
        print(f"  {cumulative / 1e3:8.1f} ms  {name}")


def profile_engine(scenario: str, specs: list[str], channel: str) -> None:
    """Where one engine run of *scenario* spends its time (cProfile, cumulative)."""
    with tempfile.TemporaryDirectory(prefix="labtools-bench-profile-") as tmp:
        sandbox = Sandbox(Path(tmp)).make()
        env = sandbox.environ()
        prefix = sandbox.envs / "profiled"
        warmup = commands.engine_create(sandbox.envs / "warmup", specs, [channel])
        if scenario != "cold":
            process.run(warmup, env=env, check=False, timeout=1800)
        argv = commands.engine_create(prefix, specs, [channel], dry_run=scenario == "solve")
        stats = Path(tmp) / "profile.out"
        profiled = [sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "labtools",
                    *argv[argv.index("env"):]]
        process.run(profiled, env=env, check=False, timeout=1800)
        import pstats

        print(f"== cProfile of one engine {scenario} (cumulative, top 18):")
        pstats.Stats(str(stats)).sort_stats("cumulative").print_stats(18)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--large", metavar="CHANNEL", help="the mirror of " + LARGE_FILE.name)
    parser.add_argument("--wheelhouse", type=Path, help="unused by these contestants")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    real_tools_on_path()
    channel = str(ensure_lab_channel(REPO / "build"))
    small = ["python", "ipykernel"]
    missed = [(s, r, t, small, channel)
              for s, r, t in measure("small", small, channel, None, args.repeats)]
    if args.large:
        from labtools.spec.envfile import load_request

        large_specs = list(load_request(LARGE_FILE).specs)
        missed += [(s, r, t, large_specs, args.large)
                   for s, r, t in measure("large", [], args.large, LARGE_FILE, args.repeats)]
    import_profile(channel)
    if not args.no_profile:
        for scenario, _ratio, _target, specs, chan in missed:
            profile_engine(scenario, [*specs, "pip"], chan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
