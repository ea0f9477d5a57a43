"""Read an environment's anatomy without running anything in it.

"The path is the state": an environment is a prefix directory. This module reads its
layout (``bin/``, ``lib/``, ``include/``, ``share/``, ``conda-meta/``), its interpreter,
its site-packages, and explains where a module is, or why it is not, importable.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from labtools.errors import EnvError

LAYOUT_DIRS = ("bin", "lib", "include", "share", "conda-meta")
_PY_DIR = re.compile(r"^python(\d+)\.(\d+)t?$")


@dataclass(frozen=True)
class EnvReport:
    """What a prefix holds. ``kind`` is ``conda`` (has conda-meta), ``venv`` or ``plain``."""

    prefix: Path
    kind: str
    python: Path | None
    python_version: str | None
    site_packages: Path | None
    layout: dict[str, bool]
    is_running: bool


@dataclass(frozen=True)
class ModuleLocation:
    """Where ``import module`` resolves in the running interpreter, and why."""

    module: str
    found: bool
    origin: Path | None
    # "site-packages" | "stdlib" | "built-in" | "user-site" | "outside-prefix" | "missing"
    where: str
    in_prefix: bool
    explanation: str


def env_kind(prefix: Path) -> str:
    if (prefix / "conda-meta").is_dir():
        return "conda"
    if (prefix / "pyvenv.cfg").is_file():
        return "venv"
    return "plain"


def python_dirs(prefix: Path) -> list[tuple[tuple[int, int], Path]]:
    """``lib/pythonX.Y`` directories of a prefix, newest first."""
    lib = prefix / "lib"
    found: list[tuple[tuple[int, int], Path]] = []
    if lib.is_dir():
        for child in lib.iterdir():
            match = _PY_DIR.match(child.name)
            if match and child.is_dir():
                found.append(((int(match[1]), int(match[2])), child))
    return sorted(found, reverse=True)


def site_packages_of(prefix: Path) -> Path | None:
    """The prefix's ``lib/pythonX.Y/site-packages`` (or a noarch ``site-packages``)."""
    for _, pydir in python_dirs(prefix):
        candidate = pydir / "site-packages"
        if candidate.is_dir():
            return candidate
    return None


def python_of(prefix: Path) -> Path | None:
    for name in ("bin/python", "bin/python3", "python.exe"):
        candidate = prefix / name
        if candidate.exists():
            return candidate
    return None


def inspect_env(prefix: Path | str | None = None) -> EnvReport:
    """Describe the environment at *prefix* (default: the one running this code)."""
    running = Path(sys.prefix).resolve()
    root = Path(prefix).expanduser().resolve() if prefix is not None else running
    if not root.is_dir():
        raise EnvError(
            f"no environment at {root}", hint="give an existing prefix, e.g. $CONDA_PREFIX"
        )
    versions = python_dirs(root)
    version = ".".join(map(str, versions[0][0])) if versions else None
    if root == running:
        version = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    return EnvReport(
        prefix=root,
        kind=env_kind(root),
        python=python_of(root),
        python_version=version,
        site_packages=site_packages_of(root),
        layout={name: (root / name).is_dir() for name in LAYOUT_DIRS},
        is_running=root == running,
    )


def _is_within(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def where_is(module: str) -> ModuleLocation:
    """Explain where ``import module`` resolves in the running interpreter, or why it fails."""
    prefix = Path(sys.prefix)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    purelib = Path(sysconfig.get_paths()["purelib"])
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return ModuleLocation(
            module=module,
            found=False,
            origin=None,
            where="missing",
            in_prefix=False,
            explanation=(
                f"not importable: no {module} in {purelib} nor anywhere on sys.path; "
                f"install it into {prefix} or switch to the environment that has it"
            ),
        )
    if spec.origin in (None, "built-in", "frozen"):
        return ModuleLocation(
            module, True, None, "built-in", True, "compiled into the interpreter"
        )
    origin = Path(spec.origin)
    import site

    user_site = Path(site.getusersitepackages())
    if _is_within(origin, purelib):
        where, why = "site-packages", f"installed in this environment's {purelib}"
    elif _is_within(origin, stdlib):
        where, why = "stdlib", f"part of the standard library in {stdlib}"
    elif _is_within(origin, user_site):
        where, why = "user-site", (
            f"leaks in from the user site {user_site}, not from the environment; "
            "set PYTHONNOUSERSITE=1 or uninstall it there"
        )
    else:
        where, why = "outside-prefix", (
            f"found outside the environment at {origin.parent} (PYTHONPATH or the working "
            "directory?); it will not be there for other users or kernels"
        )
    return ModuleLocation(
        module=module,
        found=True,
        origin=origin,
        where=where,
        in_prefix=_is_within(origin, prefix),
        explanation=why,
    )
