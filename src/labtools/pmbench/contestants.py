"""Benchmark contestants: what each one runs per scenario, and what it made.

A contestant answers :meth:`probe` (installed? which version, from where? if not,
why) and :meth:`plan` for one scenario in a :class:`Workspace`: the untimed set-up
commands, the timed commands (whole processes, built in :mod:`.commands`), and
how to read the package set afterwards. Nothing here runs a command; the harness
does, through :mod:`labtools.process`.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from labtools import process
from labtools.pmbench import commands as cmd
from labtools.pmbench import pkgsets
from labtools.pmbench.sandbox import Sandbox

#: scenario -> what it measures (the same words in the table, the JSON and the docs)
SCENARIOS: dict[str, str] = {
    "solve": "solve only (dry run), metadata cached",
    "warm": "create, package cache filled",
    "cold": "create, package and metadata caches empty",
    "install": "install one package into an existing env",
    "remove": "remove the env",
}
#: every contestant name, in display order (the default field)
ALL = ("engine", "conda-classic", "conda-libmamba", "mamba", "micromamba", "pip", "uv",
       "cp-al")
#: names asked for that labtools cannot time, each with the reason (listed as absent)
UNSUPPORTED: dict[str, str] = {
    "pixi": ("labtools has no pixi adapter: pixi cannot be built on the lab's machines, so "
             "none could be tested against its real CLI (time pixi with its own CLI: "
             "pixi install)"),
}

Argv = list[str]
#: (the timed commands' outcomes, the workspace) -> the package set
Reader = Callable[[list[process.Completed], "Workspace"], frozenset[str] | None]


@dataclass(frozen=True)
class Probe:
    """Whether a contestant can run here: its version and origin, or why not."""

    available: bool
    version: str | None
    detail: str


@dataclass(frozen=True)
class Workspace:
    """One run: a scratch folder, the env's path (not there yet), the contestant's sandbox."""

    root: Path
    prefix: Path
    sandbox: Sandbox


@dataclass(frozen=True)
class Plan:
    """The commands of one run; ``timed`` run back to back inside the clock."""

    timed: tuple[Argv, ...]
    setup: tuple[Argv, ...] = ()
    read: Reader | None = None
    #: after the timed commands the prefix must exist (create) or be gone (remove)
    expect_prefix: bool | None = None


@dataclass(frozen=True)
class Request:
    """What every contestant is asked to do, in its own terms."""

    specs: tuple[str, ...]
    channels: tuple[str, ...]
    #: the one package of the install scenario (conda spec / PyPI requirement)
    add: str | None = None
    #: PyPI requirements for pip and uv; None: why they cannot take part
    requirements: tuple[str, ...] | None = None
    why_not_pypi: str = ""
    wheelhouse: Path | None = None
    python: str = field(default_factory=lambda: sys.executable)
    #: the specs exactly as given (no pip added to python by conda's backend)
    literal: bool = False


def version_of(argv: Sequence[str], env: dict[str, str] | None = None) -> str | None:
    """The first dotted version number a command prints (``--version``)."""
    done = process.run(argv, env=env, check=False, timeout=120)
    match = re.search(r"\d+\.\d+[\w.+-]*", done.stdout + done.stderr)
    return match.group(0) if match else None


def find(tool: str) -> str | None:
    """The tool on PATH, or beside this interpreter (uv, labtools in a venv)."""
    found = process.which(tool)
    beside = Path(sys.executable).parent / tool
    return found or (str(beside) if beside.is_file() else None)


def _absent(tool: str) -> Probe:
    hint = process.INSTALL_HINTS.get(tool, f"install {tool}")
    return Probe(False, None, f"{tool} is not on PATH ({hint})")


class CondaFamily:
    """conda (with a chosen solver), mamba or micromamba: the env core backend's commands."""

    family = "conda"

    def __init__(self, tool: str, request: Request, *, solver: str | None = None) -> None:
        self.tool = tool
        self.solver = solver
        self.name = f"{tool}-{solver}" if solver else tool
        self.request = request
        self.exe = find(tool)

    def extra_env(self) -> dict[str, str]:
        return {"CONDA_SOLVER": self.solver} if self.solver else {}

    def probe(self) -> Probe:
        if self.exe is None:
            return _absent(self.tool)
        origin = os.path.realpath(self.exe)
        if self.solver is None:
            version = version_of([self.exe, "--version"])
            return Probe(version is not None, version, origin)
        return self._probe_solver(origin)

    def _probe_solver(self, origin: str) -> Probe:
        """``conda info --json`` names the solver in use and conda's version (one start)."""
        import json
        import tempfile

        assert self.exe is not None
        with tempfile.TemporaryDirectory(prefix="labtools-probe-") as tmp:
            env = Sandbox(Path(tmp)).make().environ(self.extra_env())
            done = process.run([self.exe, "info", "--json"], env=env, check=False, timeout=120)
        try:
            data = json.loads(done.stdout)
        except ValueError:
            data = {}
        solver = data.get("solver", {}) if isinstance(data, dict) else {}
        said = str(data.get("conda_version") or "") if isinstance(data, dict) else ""
        version = said or version_of([self.exe, "--version"])
        if done.returncode != 0 or solver.get("name") != self.solver:
            why = process.tail(done.stderr or done.stdout, 1) or "no solver in conda info"
            return Probe(False, version, f"conda {version} at {origin} cannot use the "
                         f"{self.solver} solver: {why}")
        agent = str(solver.get("user_agent", "")).replace("solver/", "")
        return Probe(True, version, f"{origin} ({agent})")

    def argv(self, step: str, prefix: Path, specs: Sequence[str] = ()) -> list[str]:
        """*step* as the env core's backend for this tool builds it."""
        assert self.exe is not None
        r = self.request
        return cmd.tool_argv(self.tool, self.exe, step, prefix, specs, r.channels,
                             literal=r.literal)

    def plan(self, scenario: str, ws: Workspace) -> Plan | str:
        r, prefix = self.request, ws.prefix
        create = self.argv("create", prefix, r.specs)
        if scenario == "solve":
            return Plan((self.argv("solve", prefix, r.specs),),
                        read=lambda out, _ws: pkgsets.from_conda_json(out[0].stdout))
        if scenario in ("warm", "cold"):
            return Plan((create,), read=_read_prefix, expect_prefix=True)
        if scenario == "install":
            if r.add is None:
                return "no package to add (pass --add SPEC)"
            return Plan((self.argv("install", prefix, [r.add]),),
                        setup=(create,), read=_read_prefix, expect_prefix=True)
        return Plan((self.argv("remove-env", prefix),), setup=(create,), expect_prefix=False)


def _read_prefix(_out: list[process.Completed], ws: Workspace) -> frozenset[str]:
    return pkgsets.of_prefix(ws.prefix)


class Engine:
    """The built-in engine (py-rattler), as a user runs it: the ``labtools`` CLI."""

    name = "engine"
    family = "conda"
    tool = "engine"

    def __init__(self, request: Request) -> None:
        self.request = request

    def extra_env(self) -> dict[str, str]:
        """The request's channels as the profile's too: ``env install`` adds the profile's
        channels to ``--channel``, so this is its ``--override-channels``."""
        return {"LABTOOLS_CHANNELS": ",".join(self.request.channels)}

    def probe(self) -> Probe:
        from labtools import __version__

        exe = cmd.labtools_exe()
        rattler = importlib.metadata.version("py-rattler")
        return Probe(True, f"{__version__} (py-rattler {rattler})",
                     f"{' '.join(exe)} env create --backend rattler")

    def plan(self, scenario: str, ws: Workspace) -> Plan | str:
        r, prefix = self.request, ws.prefix
        create = cmd.engine_create(prefix, r.specs, r.channels)
        if scenario == "solve":
            return Plan((cmd.engine_create(prefix, r.specs, r.channels, dry_run=True),),
                        read=lambda out, _ws: pkgsets.from_labtools_json(out[0].stdout))
        if scenario in ("warm", "cold"):
            return Plan((create,), read=_read_prefix, expect_prefix=True)
        if scenario == "install":
            if r.add is None:
                return "no package to add (pass --add SPEC)"
            return Plan((cmd.engine_install(prefix, [r.add], r.channels),), setup=(create,),
                        read=_read_prefix, expect_prefix=True)
        return Plan((cmd.engine_remove_env(prefix),), setup=(create,), expect_prefix=False)


class _PyPI:
    """pip and uv: a bare venv of this interpreter, filled from a local wheelhouse by the
    installer from outside (``pip --python``, ``uv pip --python``)."""

    family = "pypi"

    def __init__(self, request: Request) -> None:
        self.request = request

    def extra_env(self) -> dict[str, str]:
        return {}

    def _why_not(self) -> str | None:
        r = self.request
        if r.requirements is None:
            return r.why_not_pypi
        if r.wheelhouse is None:
            return ("no wheelhouse with the PyPI wheels of these packages "
                    "(pass --wheelhouse DIR, or keep the wheels in CHANNEL/wheels)")
        return None

    def solve_base(self, ws: Workspace) -> Path:
        """The venv dry runs solve for (made once per sandbox, untimed)."""
        return ws.sandbox.root / "solve-venv"

    def requirements(self) -> list[str]:
        return list(self.request.requirements or ())

    def _read(self, _out: list[process.Completed], ws: Workspace) -> frozenset[str]:
        return pkgsets.of_prefix(ws.prefix, drop=pkgsets.VENV_SEEDS)


class Pip(_PyPI):
    name = "pip"
    tool = "pip"

    def probe(self) -> Probe:
        why = self._why_not()
        if why:
            return Probe(False, None, why)
        python = self.request.python
        version = version_of([python, "-m", "pip", "--version"])
        if version is None:
            return Probe(False, None, f"{python} has no pip (python -m ensurepip)")
        return Probe(True, version, f"{python} -m pip --python VENV (venv --without-pip)")

    def plan(self, scenario: str, ws: Workspace) -> Plan | str:
        r, prefix = self.request, ws.prefix
        assert r.wheelhouse is not None
        make = cmd.venv_create(r.python, prefix)
        install = cmd.pip_install(r.python, prefix, self.requirements(), r.wheelhouse)
        if scenario == "solve":
            base, report = self.solve_base(ws), ws.root / "pip-report.json"
            setup = () if base.exists() else (cmd.venv_create(r.python, base),)
            return Plan((cmd.pip_install(r.python, base, self.requirements(), r.wheelhouse,
                                         report=report),), setup=setup,
                        read=lambda _out, _ws: pkgsets.from_pip_report(
                            report.read_text(encoding="utf-8")))
        if scenario in ("warm", "cold"):
            return Plan((make, install), read=self._read, expect_prefix=True)
        if scenario == "install":
            if r.add is None:
                return "no package to add (pass --add SPEC)"
            return Plan((cmd.pip_install(r.python, prefix, [r.add], r.wheelhouse),),
                        setup=(make, install), read=self._read, expect_prefix=True)
        return Plan((cmd.remove_tree(prefix),), setup=(make, install), expect_prefix=False)


class Uv(_PyPI):
    name = "uv"
    tool = "uv"

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.exe = find("uv")

    def probe(self) -> Probe:
        why = self._why_not()
        if why:
            return Probe(False, None, why)
        if self.exe is None:
            return Probe(False, None, "uv is not on PATH (pip install uv)")
        return Probe(True, version_of([self.exe, "--version"]), os.path.realpath(self.exe))

    def plan(self, scenario: str, ws: Workspace) -> Plan | str:
        r, prefix, uv = self.request, ws.prefix, self.exe
        assert r.wheelhouse is not None and uv is not None
        make = cmd.uv_venv(uv, r.python, prefix)
        install = cmd.uv_install(uv, prefix, self.requirements(), r.wheelhouse)
        if scenario == "solve":
            base = self.solve_base(ws)
            setup = () if base.exists() else (cmd.uv_venv(uv, r.python, base),)
            return Plan((cmd.uv_install(uv, base, self.requirements(), r.wheelhouse,
                                        dry_run=True),), setup=setup,
                        read=lambda out, _ws: pkgsets.from_uv_dry_run(
                            out[0].stdout + out[0].stderr))
        if scenario in ("warm", "cold"):
            return Plan((make, install), read=self._read, expect_prefix=True)
        if scenario == "install":
            if r.add is None:
                return "no package to add (pass --add SPEC)"
            return Plan((cmd.uv_install(uv, prefix, [r.add], r.wheelhouse),),
                        setup=(make, install), read=self._read, expect_prefix=True)
        return Plan((cmd.remove_tree(prefix),), setup=(make, install), expect_prefix=False)


class HardlinkCopy:
    """``cp -al`` of an env the engine made: the floor of a warm create (no solve, no I/O
    but directory entries). Takes part in the warm scenario only."""

    name = "cp-al"
    family = "floor"
    tool = "cp"

    def __init__(self, request: Request) -> None:
        self.request = request
        self.exe = find("cp")

    def extra_env(self) -> dict[str, str]:
        return {}

    def probe(self) -> Probe:
        if self.exe is None:
            return Probe(False, None, "cp is not on PATH (install coreutils)")
        return Probe(True, version_of([self.exe, "--version"]),
                     f"{os.path.realpath(self.exe)} -al of the engine's finished env")

    def plan(self, scenario: str, ws: Workspace) -> Plan | str:
        if scenario != "warm":
            return "the hard-link copy is the floor of a warm create only"
        r = self.request
        template = ws.sandbox.root / "template" / "env"
        setup = () if template.exists() else (
            cmd.engine_create(template, r.specs, r.channels),)
        return Plan((cmd.hardlink_copy(template, ws.prefix),), setup=setup,
                    read=_read_prefix, expect_prefix=True)


class Command:
    """Any command as a contestant, the same in every scenario (tests, the harness's own
    overhead benchmark). Its package set is the set of lines it prints."""

    tool = "command"

    def __init__(self, name: str, argv: Sequence[str], *, family: str = "command",
                 version: str = "n/a") -> None:
        self.name = name
        self.argv = list(argv)
        self.family = family
        self.version = version

    def extra_env(self) -> dict[str, str]:
        return {}

    def probe(self) -> Probe:
        found = find(self.argv[0]) if os.sep not in self.argv[0] else self.argv[0]
        if found is None or not Path(found).exists():
            return Probe(False, None, f"{self.argv[0]} is not on PATH")
        return Probe(True, self.version, found)

    def plan(self, scenario: str, ws: Workspace) -> Plan | str:
        return Plan((self.argv,), read=lambda out, _ws: frozenset(
            line for line in out[0].stdout.splitlines() if line.strip()))


class Unsupported:
    """A tool people ask about that labtools cannot time: always absent, with the reason."""

    family = "none"

    def __init__(self, name: str) -> None:
        self.name = self.tool = name

    def extra_env(self) -> dict[str, str]:
        return {}

    def probe(self) -> Probe:
        where = find(self.name)
        found = f" ({self.name} found at {where})" if where else ""
        return Probe(False, None, UNSUPPORTED[self.name] + found)

    def plan(self, scenario: str, ws: Workspace) -> Plan | str:
        return UNSUPPORTED[self.name]


Contestant = CondaFamily | Engine | Pip | Uv | HardlinkCopy | Command | Unsupported


def build_contestants(names: Sequence[str], request: Request) -> list[Contestant]:
    """The named contestants for a request (unknown names are the caller's to reject)."""
    out: list[Contestant] = []
    for name in names:
        if name == "engine":
            out.append(Engine(request))
        elif name in ("conda-classic", "conda-libmamba"):
            out.append(CondaFamily("conda", request, solver=name.split("-", 1)[1]))
        elif name in ("mamba", "micromamba"):
            out.append(CondaFamily(name, request))
        elif name == "pip":
            out.append(Pip(request))
        elif name == "uv":
            out.append(Uv(request))
        elif name == "cp-al":
            out.append(HardlinkCopy(request))
        elif name in UNSUPPORTED:
            out.append(Unsupported(name))
    return out
