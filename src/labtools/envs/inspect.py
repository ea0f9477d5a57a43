"""Read an environment's anatomy without running anything in it.

"The path is the state": an environment is a prefix directory. This module reads its
layout (``bin/``, ``lib/``, ``include/``, ``share/``, the records folder), its interpreter,
its site-packages, and explains where a module is, or why it is not, importable.
"""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from labtools.envs.prefix import Prefix
from labtools.errors import EnvError


@dataclass(frozen=True)
class EnvReport:
    """What a prefix holds. ``kind`` is ``conda`` (has package records), ``venv`` or ``plain``."""

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
    return Prefix(prefix).kind()


def python_dirs(prefix: Path) -> list[tuple[tuple[int, int], Path]]:
    """``lib/pythonX.Y`` directories of a prefix, newest first."""
    return Prefix(prefix).python_dirs()


def site_packages_of(prefix: Path) -> Path | None:
    """The prefix's ``lib/pythonX.Y/site-packages``."""
    return Prefix(prefix).site_packages()


def python_of(prefix: Path) -> Path | None:
    return Prefix(prefix).python()


def inspect_env(prefix: Path | str | None = None) -> EnvReport:
    """Describe the environment at *prefix* (default: the one running this code)."""
    running = Path(sys.prefix).resolve()
    root = Path(prefix).expanduser().resolve() if prefix is not None else running
    if not root.is_dir():
        raise EnvError(
            f"no environment at {root}", hint="give an existing prefix, e.g. $CONDA_PREFIX"
        )
    env = Prefix(root)
    version = env.python_version()
    if root == running:
        version = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    return EnvReport(
        prefix=root,
        kind=env.kind(),
        python=env.python(),
        python_version=version,
        site_packages=env.site_packages(),
        layout=env.layout(),
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
