"""``benchmark``: how fast do the package managers on this machine create an environment?

The I/O shell over :mod:`labtools.pmbench`: it resolves the request (specs, an
environment.yml, channels; defaults from the lab profile), builds every named
contestant, and runs the interleaved harness. Nothing here prints; see
:mod:`labtools.pmbench.report` for tables, Markdown and plots.
"""

from __future__ import annotations

import os
import platform
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from labtools.errors import UsageError
from labtools.pmbench.contestants import ALL, SCENARIOS, build_contestants, to_pypi
from labtools.pmbench.harness import BenchProgress, BenchRun, run_benchmark

DEFAULT_SPECS = ("python",)


@dataclass(frozen=True)
class BenchResult:
    """A benchmark with the request and the machine it ran on."""

    specs: tuple[str, ...]
    pypi_specs: tuple[str, ...] | None
    channels: tuple[str, ...]
    find_links: Path | None
    machine: dict[str, str]
    started: datetime
    run: BenchRun


def split_specs(texts: Sequence[str]) -> list[str]:
    """``["python=3.11 numpy", "'scipy >=1'"]`` -> one spec per word (shell quoting)."""
    return [word for text in texts for word in shlex.split(text)]


def machine_info() -> dict[str, str]:
    from labtools import __version__

    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": str(os.cpu_count() or "?"),
        "python": platform.python_version(),
        "labtools": __version__,
    }


def benchmark(
    *,
    specs: Sequence[str] = (),
    file: Path | str | None = None,
    channels: Sequence[str] = (),
    contestants: Sequence[str] | None = None,
    scenarios: Sequence[str] = SCENARIOS,
    repeats: int = 5,
    warmup: int = 1,
    baseline: str | None = None,
    find_links: Path | str | None = None,
    workdir: Path | None = None,
    progress: BenchProgress | None = None,
) -> BenchResult:
    """Benchmark *contestants* (default: all) on *scenarios* for one environment request.

    Specs and channels default to the lab profile's channels and ``python``; a
    *file* (environment.yml) adds its specs and channels. Absent contestants are
    reported with the reason; pip and uv take part only when the spec is PyPI-only.
    """
    from labtools.profile import load_profile

    wanted = list(contestants) if contestants else list(ALL)
    unknown = [n for n in wanted if n not in ALL]
    if unknown:
        raise UsageError(f"unknown contestant(s) {', '.join(unknown)}",
                         hint=f"choose from {', '.join(ALL)}")
    bad = [s for s in scenarios if s not in SCENARIOS]
    if bad or not scenarios:
        raise UsageError(f"unknown scenario(s) {', '.join(bad) or '(none)'}",
                         hint=f"choose from {', '.join(SCENARIOS)}")
    request = split_specs(specs)
    chans = list(channels)
    if file is not None:
        from labtools.spec.envfile import load_request

        loaded = load_request(file)
        request = [*loaded.specs, *request]
        chans = chans or list(loaded.channels)
    if not request:
        request = list(DEFAULT_SPECS)
    if not chans:
        chans = list(load_profile().channels)
    if baseline is None and "engine" in wanted:
        baseline = "engine"
    links = Path(find_links).expanduser().absolute() if find_links else None
    players = build_contestants(wanted, specs=request, channels=chans, find_links=links)
    started = datetime.now(UTC)
    run = run_benchmark(players, scenarios=list(dict.fromkeys(scenarios)), repeats=repeats,
                        warmup=warmup, baseline=baseline, workdir=workdir, progress=progress)
    pypi, _ = to_pypi(request)
    return BenchResult(
        specs=tuple(request), pypi_specs=tuple(pypi) if pypi is not None else None,
        channels=tuple(chans), find_links=links, machine=machine_info(), started=started,
        run=run)
