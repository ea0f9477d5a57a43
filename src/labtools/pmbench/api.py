"""``benchmark``: how fast do the package managers on this machine make the same env?

The I/O shell over :mod:`labtools.pmbench`: it resolves the request (specs, an
environment.yml, channels; defaults from the lab profile), checks it once with the
built-in solver (a spec with no solution or a channel that is not there is one line,
before anything is timed), builds every named contestant, and runs the interleaved
harness. Nothing here prints; see :mod:`labtools.pmbench.report`.
"""

from __future__ import annotations

import re
import shlex
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from labtools.errors import UsageError
from labtools.pmbench.contestants import ALL, SCENARIOS, UNSUPPORTED, Request, build_contestants
from labtools.pmbench.harness import BenchProgress, BenchRun, run_benchmark
from labtools.pmbench.machine import describe, load
from labtools.pmbench.sandbox import CACHE_VARIABLES
from labtools.pmbench.stats import MIN_REPEATS

DEFAULT_SPECS = ("python", "ipykernel")
#: the default baseline: conda as most people have it today (libmamba is its default solver)
BASELINE_ORDER = ("conda-libmamba", "conda-classic", "mamba", "micromamba", "engine")


@dataclass(frozen=True)
class BenchResult:
    """A benchmark with the request, what "cold" means per tool, and the machine."""

    specs: tuple[str, ...]
    pypi_specs: tuple[str, ...] | None
    channels: tuple[str, ...]
    wheelhouse: Path | None
    add: str | None
    #: pip was added to the request by name (python brings pip with some tools only)
    pip_added: bool
    machine: dict[str, str]
    started: datetime
    run: BenchRun
    #: tool -> the variables/folders a cold run starts empty
    cold_means: dict[str, tuple[str, ...]]
    #: the wheelhouse's former name (JSON schema v1 keeps it)
    find_links: Path | None = None


def split_specs(texts: Sequence[str]) -> list[str]:
    """``["python=3.11 numpy", "'scipy >=1'"]`` -> one spec per word (shell quoting)."""
    return [word for text in texts for word in shlex.split(text)]


def _names(wanted: Sequence[str] | None, scenarios: Sequence[str]) -> list[str]:
    names = list(dict.fromkeys(wanted)) if wanted else list(ALL)
    unknown = [n for n in names if n not in ALL and n not in UNSUPPORTED]
    if unknown:
        raise UsageError(f"unknown contestant(s) {', '.join(unknown)}",
                         hint=f"choose from {', '.join(ALL)}")
    bad = [s for s in scenarios if s not in SCENARIOS]
    if bad or not scenarios:
        raise UsageError(f"unknown scenario(s) {', '.join(bad) or '(none)'}",
                         hint=f"choose from {', '.join(SCENARIOS)}")
    return names


def _needs_pip(specs: Sequence[str]) -> bool:
    from labtools.pmbench.stats import normalize_name

    names = {normalize_name(re.split(r"[\s=<>!~]", s.strip(), maxsplit=1)[0]) for s in specs}
    return "python" in names and "pip" not in names


def _as_urls(channels: Sequence[str]) -> list[str]:
    """Folders as ``file://`` URLs (what every tool accepts); URLs and names as given."""
    out = []
    for channel in channels:
        path = Path(channel).expanduser()
        local = "://" not in channel and (path.is_dir() or channel.startswith(("/", ".", "~")))
        out.append(path.resolve().as_uri() if local else channel)
    return out


def preflight(specs: Sequence[str], channels: Sequence[str], scratch: Path) -> set[str]:
    """Solve once with the built-in engine (a dry run, nothing timed); its one-line error
    (no solution, a channel that is not there) stops the benchmark before it starts.

    Returns the solved package names.
    """
    from labtools import create_env

    done = create_env(name="bench-check", specs=specs, channels=channels, backend="rattler",
                      root=scratch / "envs", cache_dir=scratch / "cache", dry_run=True,
                      force_name=True)
    return {p.name for p in done.packages}


def benchmark(
    *,
    specs: Sequence[str] = (),
    file: Path | str | None = None,
    channels: Sequence[str] = (),
    contestants: Sequence[str] | None = None,
    scenarios: Sequence[str] = tuple(SCENARIOS),
    repeats: int = MIN_REPEATS,
    warmup: int = 1,
    baseline: str | None = None,
    wheelhouse: Path | str | None = None,
    add: str | None = None,
    workdir: Path | None = None,
    progress: BenchProgress | None = None,
    timeout: float = 1800.0,
    literal: bool = False,
    checkpoint: Callable[[BenchResult], None] | None = None,
) -> BenchResult:
    """Benchmark *contestants* (default: all) on *scenarios* for one environment request.

    Specs and channels default to ``python ipykernel`` and the lab profile's channels; a
    *file* (environment.yml) gives both. Absent contestants are reported with the
    reason. pip and uv install the PyPI equivalent into a venv from *wheelhouse*
    (default: ``CHANNEL/wheels``). The install scenario adds *add* (default: a package
    of the channel the env lacks). The result may be ``run.interrupted`` (Ctrl-C).
    *checkpoint* gets the partial result after every round (see :func:`run_benchmark`).

    conda's classic solver, mamba and micromamba add pip to every python request;
    conda-libmamba-solver and the engine do not. So that every tool does the same work,
    pip is requested by name when python is (``pip_added``), unless *literal*.
    """
    from labtools.pmbench import request as req
    from labtools.profile import load_profile

    names = _names(contestants, scenarios)
    if workdir is not None and not Path(workdir).is_dir():
        raise UsageError(f"--workdir {workdir} does not exist",
                         hint="create it, or leave --workdir out to use the temp folder")
    if repeats < MIN_REPEATS:
        raise UsageError(f"--repeats {repeats} is too few for a median and quartiles",
                         hint=f"use --repeats {MIN_REPEATS} or more")
    if warmup < 1:
        raise UsageError("at least one warm-up round is needed", hint="use --warmup 1")
    request = split_specs(specs)
    chans = [c for c in channels if c.strip()]
    if file is not None:
        from labtools.spec.envfile import load_request

        loaded = load_request(file)
        request = [*loaded.specs, *request]
        chans = chans or list(loaded.channels)
    request = request or list(DEFAULT_SPECS)
    pip_added = not literal and _needs_pip(request)
    if pip_added:
        request.append("pip")
    chans = chans or list(load_profile().channels)
    if not chans:
        raise UsageError("no channel to benchmark against",
                         hint="pass --channel DIR|URL or set LABTOOLS_CHANNELS")
    urls = _as_urls(chans)
    base_dir = Path(workdir) if workdir else Path(tempfile.gettempdir())
    for url in urls:
        if url.startswith("file://") and not Path(url[len("file://"):]).is_dir():
            raise UsageError(f"channel {url} does not exist", hint="check --channel")
    with tempfile.TemporaryDirectory(prefix="labtools-bench-check-", dir=workdir) as tmp:
        solved = preflight(request, urls, Path(tmp))
    requirements, why = req.to_pypi(request)
    houses = Path(wheelhouse).expanduser().absolute() if wheelhouse else \
        req.find_wheelhouse(chans, requirements or ())
    if houses is not None and not houses.is_dir():
        raise UsageError(f"wheelhouse {houses} does not exist", hint="check --wheelhouse")
    if add is None:
        from labtools.channel.python_pkg import current_subdir

        deps = req.read_repodata(chans, current_subdir())
        deps.update({n: deps.get(n, set()) for n in solved})
        add = req.choose_addition([*request, *solved], deps, req.wheel_names(houses))
    info = Request(specs=tuple(request), channels=tuple(urls), add=add,
                   requirements=tuple(requirements) if requirements is not None else None,
                   why_not_pypi=why, wheelhouse=houses, literal=literal)
    players = build_contestants(names, info)
    machine = describe(base_dir)
    started = datetime.now(UTC)

    def result(run: BenchRun) -> BenchResult:
        return BenchResult(
            specs=tuple(request), pypi_specs=info.requirements, channels=tuple(chans),
            wheelhouse=houses, add=add, pip_added=pip_added,
            machine={**machine, "load_after": load()}, started=started, run=run,
            cold_means={c.name: CACHE_VARIABLES.get(c.tool, ()) for c in players},
            find_links=houses)

    run = run_benchmark(players, scenarios=list(dict.fromkeys(scenarios)), repeats=repeats,
                        warmup=warmup, baseline=baseline,
                        prefer=BASELINE_ORDER,
                        workdir=workdir, progress=progress, timeout=timeout,
                        checkpoint=None if checkpoint is None
                        else lambda partial: checkpoint(result(partial)))
    return result(run)

