"""Package-manager back ends behind one protocol.

The built-in engine (py-rattler, in-process) is always there; conda, mamba,
micromamba and pixi are driven through :func:`labtools.process.run` with ``--json``
where they have it. ``auto`` picks the first installed of mamba, micromamba, conda,
pixi, else the built-in engine, and says which (``Choice.reason``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from labtools import process
from labtools.envs.rattler_engine import Progress, SolvedPackage
from labtools.errors import SolveError, UsageError

AUTO_ORDER = ("mamba", "micromamba", "conda", "pixi")


class Backend(Protocol):
    """Creates a prefix from specs and channels."""

    name: str
    #: True when it can build in a temporary prefix that is renamed afterwards
    relocatable: bool

    def create(
        self, prefix: Path, *, final_prefix: Path, specs: Sequence[str],
        channels: Sequence[str], cache_dir: Path, dry_run: bool,
        progress: Progress | None = None,
    ) -> list[SolvedPackage]: ...


@dataclass(frozen=True)
class Choice:
    backend: str
    reason: str


class RattlerBackend:
    """The built-in engine: solve and link with py-rattler, no external program."""

    name = "rattler"
    relocatable = True

    def create(
        self, prefix: Path, *, final_prefix: Path, specs: Sequence[str],
        channels: Sequence[str], cache_dir: Path, dry_run: bool,
        progress: Progress | None = None,
    ) -> list[SolvedPackage]:
        from labtools.channel.python_pkg import current_subdir
        from labtools.envs import rattler_engine as engine

        records = engine.solve(specs, channels, platform=current_subdir(), cache_dir=cache_dir)
        if not dry_run:
            engine.install(
                records, prefix, final_prefix=final_prefix, cache_dir=cache_dir,
                requested=specs, progress=progress,
            )
            engine.finish_prefix(prefix)
        return engine.solved(records)


class CondaLikeBackend:
    """conda, mamba and micromamba: ``create --prefix P --json --yes -c C ... SPEC...``."""

    relocatable = False

    def __init__(self, name: str) -> None:
        self.name = name

    def argv(self, prefix: Path, specs: Sequence[str], channels: Sequence[str],
             dry_run: bool) -> list[str]:
        argv = [self.name, "create", "--prefix", str(prefix), "--yes", "--json"]
        if channels:
            argv.append("--override-channels")
        for channel in channels:
            argv += ["--channel", channel]
        if dry_run:
            argv.append("--dry-run")
        return [*argv, *specs]

    def create(
        self, prefix: Path, *, final_prefix: Path, specs: Sequence[str],
        channels: Sequence[str], cache_dir: Path, dry_run: bool,
        progress: Progress | None = None,
    ) -> list[SolvedPackage]:
        done = process.run(self.argv(prefix, specs, channels, dry_run), check=False)
        return parse_conda_json(self.name, done.stdout, done.returncode, done.stderr)


def parse_conda_json(tool: str, stdout: str, returncode: int, stderr: str) -> list[SolvedPackage]:
    """Packages linked according to conda/mamba/micromamba ``--json`` output (pure)."""
    try:
        data = json.loads(stdout or "{}")
    except json.JSONDecodeError:
        data = {}
    if returncode != 0 or data.get("success") is False or "error" in data:
        reason = str(data.get("message") or data.get("error") or process.tail(stderr))
        raise SolveError(f"{tool} create failed: {' '.join(reason.split())}",
                         hint="read the reason above; try --dry-run")
    actions = data.get("actions", {})
    linked = actions.get("LINK", []) if isinstance(actions, dict) else []
    return [
        SolvedPackage(
            name=str(p.get("name")), version=str(p.get("version")),
            build=str(p.get("build_string") or p.get("build") or ""),
            channel=str(p.get("channel") or p.get("base_url") or ""),
            subdir=str(p.get("platform") or p.get("subdir") or ""), url=str(p.get("url") or ""),
        )
        for p in linked
    ]


class PixiBackend:
    """pixi: a throw-away manifest beside the target, ``pixi install``, env moved aside."""

    name = "pixi"
    relocatable = False

    def create(
        self, prefix: Path, *, final_prefix: Path, specs: Sequence[str],
        channels: Sequence[str], cache_dir: Path, dry_run: bool,
        progress: Progress | None = None,
    ) -> list[SolvedPackage]:
        from labtools.channel.python_pkg import current_subdir

        work = prefix.with_name(f".{prefix.name}.pixi")
        work.mkdir(parents=True, exist_ok=True)
        deps = "\n".join(f'"{s.split("=")[0].split()[0]}" = "{_pixi_version(s)}"' for s in specs)
        chans = ", ".join(json.dumps(c) for c in channels) or '"conda-forge"'
        (work / "pixi.toml").write_text(
            f'[workspace]\nname = "{prefix.name}"\nchannels = [{chans}]\n'
            f'platforms = ["{current_subdir()}"]\n\n[dependencies]\n{deps}\n'
        )
        argv = ["pixi", "lock" if dry_run else "install", "--manifest-path", str(work)]
        process.run(argv)
        if not dry_run:
            (work / ".pixi" / "envs" / "default").rename(prefix)
        return []


def _pixi_version(spec: str) -> str:
    rest = spec.split("=", 1)[1] if "=" in spec else ""
    return rest or "*"


def choose_backend(requested: str = "auto") -> Choice:
    """Resolve ``auto``; an explicit external backend must be installed."""
    if requested == "rattler":
        return Choice("rattler", "requested with --backend rattler")
    if requested in AUTO_ORDER:
        process.require(requested)
        return Choice(requested, f"requested with --backend {requested}")
    if requested != "auto":
        raise UsageError(
            f"unknown backend {requested!r}",
            hint="use auto, rattler, conda, mamba, micromamba or pixi",
        )
    for tool in AUTO_ORDER:
        if process.which(tool):
            return Choice(tool, f"auto: {tool} is on PATH")
    return Choice("rattler", "auto: no mamba, micromamba, conda or pixi on PATH; "
                  "using the built-in engine")


def get_backend(name: str) -> Backend:
    if name == "rattler":
        return RattlerBackend()
    if name == "pixi":
        return PixiBackend()
    return CondaLikeBackend(name)
