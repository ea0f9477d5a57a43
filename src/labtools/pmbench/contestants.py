"""Benchmark contestants: the built-in engine, conda (classic, libmamba), mamba,
micromamba, pixi, and for PyPI-only specs pip and uv.

Each contestant answers :meth:`~Contestant.probe` (installed? which version? if not,
why) and :meth:`~Contestant.run` for one scenario in a fresh :class:`Workspace`,
returning the resolved package set (``name==version``; ``None`` when the tool does
not say). The conda-family contestants go through :mod:`labtools.envs.backends`,
the same code ``labtools env create`` uses; only the package cache is pointed at the
workspace (``CONDA_PKGS_DIRS``, ``PIXI_CACHE_DIR``, the engine's ``cache_dir``).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from labtools import process
from labtools.envs.rattler_engine import SolvedPackage
from labtools.errors import CommandFailedError
from labtools.pmbench.stats import normalize_name

SCENARIOS = ("solve", "cold", "warm")
SCENARIO_HELP = {
    "solve": "solve only (dry run), warm metadata cache",
    "cold": "create with a fresh, empty package cache",
    "warm": "create with a package cache filled by the warm-up",
}
#: every contestant name, in display order
ALL = ("engine", "conda-classic", "conda-libmamba", "mamba", "micromamba", "pixi", "pip", "uv")


@dataclass(frozen=True)
class Probe:
    """Whether a contestant can run here; ``detail`` is where it was found, or why not."""

    available: bool
    version: str | None
    detail: str


@dataclass(frozen=True)
class Workspace:
    """Fresh folders for one run: ``prefix`` does not exist yet; ``cache`` may be shared."""

    root: Path
    prefix: Path
    cache: Path


class Contestant(Protocol):
    name: str
    #: contestants of one family resolve the same kind of packages (conda or pypi)
    family: str

    def probe(self) -> Probe: ...

    def run(self, scenario: str, ws: Workspace) -> frozenset[str] | None: ...


def package_set(packages: Sequence[SolvedPackage]) -> frozenset[str]:
    return frozenset(f"{normalize_name(p.name)}=={p.version}" for p in packages)


@contextmanager
def environ(changes: Mapping[str, str]) -> Iterator[None]:
    """Set variables for the tools this process starts; restored afterwards."""
    saved = {k: os.environ.get(k) for k in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def tool_probe(tool: str, *, executable: str | None = None) -> Probe:
    """Found on PATH -> its ``--version``; absent -> the install hint."""
    found = executable or process.which(tool)
    if found is None:
        hint = process.INSTALL_HINTS.get(tool, f"install {tool}")
        return Probe(False, None, f"{tool} is not on PATH ({hint})")
    try:
        done = process.run([found, "--version"], check=False, timeout=60)
    except CommandFailedError as exc:  # a timeout
        return Probe(False, None, f"{found} --version failed: {exc.one_line()}")
    text = (done.stdout + done.stderr).strip()
    match = re.search(r"\d+\.\d+[\w.+-]*", text)
    return Probe(True, match.group(0) if match else text.splitlines()[0] if text else "?",
                 found)


class EngineContestant:
    """The built-in engine (py-rattler), through the same backend as ``labtools env create``."""

    name = "engine"
    family = "conda"

    def __init__(self, specs: Sequence[str], channels: Sequence[str]) -> None:
        self.specs = list(specs)
        self.channels = list(channels)

    def probe(self) -> Probe:
        return Probe(True, importlib.metadata.version("py-rattler"), "py-rattler, in-process")

    def run(self, scenario: str, ws: Workspace) -> frozenset[str]:
        from labtools.envs.backends import get_backend

        packages = get_backend("rattler").create(
            ws.prefix, final_prefix=ws.prefix, specs=self.specs, channels=self.channels,
            cache_dir=ws.cache, dry_run=scenario == "solve")
        return package_set(packages)


class CondaLikeContestant:
    """conda (with a chosen solver), mamba or micromamba via the env-create backend."""

    family = "conda"

    def __init__(self, tool: str, specs: Sequence[str], channels: Sequence[str],
                 *, solver: str | None = None) -> None:
        self.tool = tool
        self.solver = solver
        self.name = f"{tool}-{solver}" if solver else tool
        self.specs = list(specs)
        self.channels = list(channels)

    def probe(self) -> Probe:
        return tool_probe(self.tool)

    def run(self, scenario: str, ws: Workspace) -> frozenset[str]:
        from labtools.envs.backends import CondaLikeBackend

        changes = {"CONDA_PKGS_DIRS": str(ws.cache), "CONDA_ALWAYS_YES": "true"}
        if self.solver:
            changes["CONDA_SOLVER"] = self.solver
        with environ(changes):
            packages = CondaLikeBackend(self.tool).create(
                ws.prefix, final_prefix=ws.prefix, specs=self.specs, channels=self.channels,
                cache_dir=ws.cache, dry_run=scenario == "solve")
        return package_set(packages)


class PixiContestant:
    """pixi (``pixi lock`` for a solve, ``pixi install`` to create) via its backend."""

    name = "pixi"
    family = "conda"

    def __init__(self, specs: Sequence[str], channels: Sequence[str]) -> None:
        self.specs = list(specs)
        self.channels = [_channel_url(c) for c in channels]

    def probe(self) -> Probe:
        return tool_probe("pixi")

    def run(self, scenario: str, ws: Workspace) -> None:
        from labtools.envs.backends import PixiBackend

        with environ({"PIXI_CACHE_DIR": str(ws.cache), "RATTLER_CACHE_DIR": str(ws.cache)}):
            PixiBackend().create(ws.prefix, final_prefix=ws.prefix, specs=self.specs,
                                 channels=self.channels, cache_dir=ws.cache,
                                 dry_run=scenario == "solve")
        return None  # pixi prints no machine-readable package list


def _channel_url(channel: str) -> str:
    from labtools.envs.rattler_engine import channel_url

    return channel_url(channel)


def to_pypi(specs: Sequence[str]) -> tuple[list[str] | None, str]:
    """Conda specs as pip requirements, or ``None`` and why they are not PyPI-only (pure).

    ``numpy=1.26`` -> ``numpy==1.26.*``; ``numpy >=1.2`` -> ``numpy>=1.2``. A spec
    naming python, a build string or a channel cannot be given to pip or uv.
    """
    out: list[str] = []
    for raw in specs:
        text = raw.strip()
        if "::" in text or "[" in text:
            return None, f"{raw!r} names a channel or build options, which pip and uv lack"
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)", text)
        if match is None:
            return None, f"{raw!r} is not a package spec pip and uv understand"
        name, rest = match.group(1), match.group(2).replace(" ", "")
        if normalize_name(name) == "python":
            return None, ("the spec asks for python itself, which pip and uv cannot install "
                          "(give a PyPI-only spec, e.g. --spec 'requests')")
        if rest.startswith("=") and not rest.startswith("=="):
            version = rest[1:]
            if "=" in version:
                return None, f"{raw!r} pins a conda build string"
            rest = f"=={version}" if "*" in version else f"=={version}.*"
        elif rest and not re.match(r"[<>=!~]", rest):
            rest = f"=={rest}" if "*" in rest else f"=={rest}.*"
        out.append(name + rest)
    return out, "PyPI-only spec"


def _index_args(find_links: Path | None) -> list[str]:
    return ["--no-index", "--find-links", str(find_links)] if find_links else []


def dist_infos(target: Path) -> frozenset[str]:
    """``name==version`` of every ``*.dist-info`` folder in an install target."""
    found = set()
    for info in target.glob("*.dist-info"):
        name, _, version = info.name[: -len(".dist-info")].partition("-")
        found.add(f"{normalize_name(name)}=={version}")
    return frozenset(found)


class _PyPIContestant:
    """What pip and uv share: PyPI requirements (None: the spec is not PyPI-only)."""

    family = "pypi"

    def __init__(self, requirements: Sequence[str] | None, why_not: str,
                 find_links: Path | None = None) -> None:
        self.requirements = list(requirements or [])
        self.why_not = why_not if requirements is None else ""
        self.find_links = find_links


class PipContestant(_PyPIContestant):
    """pip of this interpreter: ``--dry-run --report`` to solve, ``--target`` to create."""

    name = "pip"

    def probe(self) -> Probe:
        if self.why_not:
            return Probe(False, None, self.why_not)
        if importlib.util.find_spec("pip") is None:
            return Probe(False, None, f"pip is not installed in {sys.prefix}")
        return Probe(True, importlib.metadata.version("pip"), f"{sys.executable} -m pip")

    def run(self, scenario: str, ws: Workspace) -> frozenset[str]:
        argv = [sys.executable, "-m", "pip", "install", "--quiet", "--no-input",
                "--disable-pip-version-check", "--cache-dir", str(ws.cache),
                *_index_args(self.find_links)]
        if scenario == "solve":
            report = ws.root / "pip-report.json"
            process.run([*argv, "--dry-run", "--ignore-installed", "--report", str(report),
                         *self.requirements])
            data = json.loads(report.read_text(encoding="utf-8"))
            return frozenset(
                f"{normalize_name(item['metadata']['name'])}=={item['metadata']['version']}"
                for item in data.get("install", []))
        # no byte-compiling: uv and the engine do not compile either
        process.run([*argv, "--no-compile", "--target", str(ws.prefix), *self.requirements])
        return dist_infos(ws.prefix)


class UvContestant(_PyPIContestant):
    """uv: ``uv pip compile`` to solve, ``uv pip install --target`` to create."""

    name = "uv"

    def __init__(self, requirements: Sequence[str] | None, why_not: str,
                 find_links: Path | None = None) -> None:
        super().__init__(requirements, why_not, find_links)
        beside = Path(sys.executable).parent / "uv"
        self.executable = process.which("uv") or (str(beside) if beside.is_file() else None)

    def probe(self) -> Probe:
        if self.why_not:
            return Probe(False, None, self.why_not)
        return tool_probe("uv", executable=self.executable)

    def run(self, scenario: str, ws: Workspace) -> frozenset[str]:
        assert self.executable is not None
        common = ["--quiet", "--no-config", "--cache-dir", str(ws.cache),
                  "--python", sys.executable, *_index_args(self.find_links)]
        if scenario == "solve":
            done = process.run([self.executable, "pip", "compile", "-", "--no-header",
                                "--no-annotate", *common],
                               input="\n".join(self.requirements) + "\n")
            pins = [line.strip() for line in done.stdout.splitlines()
                    if "==" in line and not line.lstrip().startswith("#")]
            return frozenset(
                f"{normalize_name(n)}=={v}" for n, _, v in (p.partition("==") for p in pins))
        process.run([self.executable, "pip", "install", "--target", str(ws.prefix), *common,
                     *self.requirements])
        return dist_infos(ws.prefix)


class CommandContestant:
    """Any command as a contestant (tests, the harness-overhead benchmark).

    Its package set is the set of lines it prints, so agreement checks can be tested.
    """

    def __init__(self, name: str, argv: Sequence[str], *, family: str = "command",
                 version: str = "n/a") -> None:
        self.name = name
        self.argv = list(argv)
        self.family = family
        self.version = version

    def probe(self) -> Probe:
        found = process.which(self.argv[0]) if os.sep not in self.argv[0] else self.argv[0]
        if found is None or not Path(found).exists():
            return Probe(False, None, f"{self.argv[0]} is not on PATH")
        return Probe(True, self.version, found)

    def run(self, scenario: str, ws: Workspace) -> frozenset[str]:
        done = process.run(self.argv, cwd=ws.root)
        return frozenset(line for line in done.stdout.splitlines() if line.strip())


def build_contestants(
    names: Sequence[str], *, specs: Sequence[str], channels: Sequence[str],
    find_links: Path | None = None,
) -> list[Contestant]:
    """The named contestants for a request (unknown names are the caller's to reject)."""
    requirements, why = to_pypi(specs)
    makers: dict[str, Contestant] = {}
    for name in names:
        if name == "engine":
            makers[name] = EngineContestant(specs, channels)
        elif name in ("conda-classic", "conda-libmamba"):
            makers[name] = CondaLikeContestant("conda", specs, channels,
                                               solver=name.split("-", 1)[1])
        elif name in ("mamba", "micromamba"):
            makers[name] = CondaLikeContestant(name, specs, channels)
        elif name == "pixi":
            makers[name] = PixiContestant(specs, channels)
        elif name == "pip":
            makers[name] = PipContestant(requirements, why, find_links)
        elif name == "uv":
            makers[name] = UvContestant(requirements, why, find_links)
    return [makers[n] for n in names if n in makers]
