"""The command lines each contestant runs, in one place.

Every timed run is one or more whole processes built here. For conda, mamba and
micromamba the command line comes from the env core's backend for that tool
(:func:`labtools.envs.backends.command`): exactly what ``labtools env create --backend
TOOL`` runs, with the tool's path first. The built-in engine is timed through the
``labtools`` CLI itself, so its start-up counts exactly as every other tool's does.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

Argv = list[str]
#: the backend operation behind each step of a conda-family contestant
OPERATIONS = {"create": "create", "solve": "dry-run", "install": "install",
              "remove-env": "remove-env"}
#: conda's setting that makes its backend add pip to a python request; off for --literal
_NO_PIP_ADDED = {"CONDA_ADD_PIP_AS_PYTHON_DEPENDENCY": "false"}


def tool_argv(tool: str, exe: str, step: str, prefix: Path, specs: Sequence[str] = (),
              channels: Sequence[str] = (), *, literal: bool = False) -> Argv:
    """conda / mamba / micromamba's *step* (``create``, ``solve``, ``install``,
    ``remove-env``) as its backend builds it, run as *exe*.

    *literal* keeps the specs as given (conda's backend otherwise adds pip to python,
    as ``labtools env create --backend conda`` does).
    """
    from labtools.envs.backends import get_backend

    backend = get_backend(tool, extra_env=_NO_PIP_ADDED if literal else None)
    done = backend.command(OPERATIONS[step], prefix=prefix, specs=specs, channels=channels)
    return [exe, *done.argv[1:]]


def labtools_exe() -> list[str]:
    """The ``labtools`` console script beside this interpreter (what a user types)."""
    script = Path(sys.executable).parent / "labtools"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "labtools"]


def engine_create(prefix: Path, specs: Sequence[str], channels: Sequence[str],
                  *, dry_run: bool = False) -> Argv:
    """``labtools env create NAME ... --backend rattler --root PARENT`` for *prefix*."""
    argv = [*labtools_exe(), "env", "create", prefix.name, *specs, "--backend", "rattler",
            "--root", str(prefix.parent), "--json"]
    for channel in channels:
        argv += ["--channel", channel]
    if dry_run:
        argv.append("--dry-run")
    return argv


def engine_install(prefix: Path, specs: Sequence[str], channels: Sequence[str]) -> Argv:
    """``labtools env install ENV SPEC``: through the tool that made the env (the engine)."""
    argv = [*labtools_exe(), "env", "install", str(prefix), *specs, "--yes", "--json"]
    for channel in channels:
        argv += ["--channel", channel]
    return argv


def engine_remove_env(prefix: Path) -> Argv:
    return [*labtools_exe(), "env", "remove", str(prefix), "--yes", "--json"]


def _index(wheelhouse: Path) -> list[str]:
    return ["--no-index", "--find-links", str(wheelhouse)]


def venv_create(python: str, prefix: Path) -> Argv:
    """A bare venv (no pip inside): pip and uv both install into it from outside."""
    return [python, "-m", "venv", "--without-pip", str(prefix)]


def pip_install(python: str, prefix: Path, requirements: Sequence[str], wheelhouse: Path,
                *, report: Path | None = None) -> Argv:
    """pip of *python* installing into the venv at *prefix* (``pip --python``); with
    *report*, a dry run that writes pip's JSON report."""
    argv = [python, "-m", "pip", "--python", str(prefix / "bin" / "python"), "install",
            *_index(wheelhouse)]
    if report is not None:
        argv += ["--dry-run", "--ignore-installed", "--report", str(report)]
    return [*argv, *requirements]


def uv_venv(uv: str, python: str, prefix: Path) -> Argv:
    return [uv, "venv", "--python", python, str(prefix)]


def uv_install(uv: str, prefix: Path, requirements: Sequence[str], wheelhouse: Path,
               *, dry_run: bool = False) -> Argv:
    argv = [uv, "pip", "install", "--python", str(prefix / "bin" / "python"),
            *_index(wheelhouse)]
    if dry_run:
        argv.append("--dry-run")
    return [*argv, *requirements]


def remove_tree(prefix: Path) -> Argv:
    """A venv has no remove command: deleting its folder is how it is removed."""
    return ["rm", "-rf", "--", str(prefix)]


def hardlink_copy(source: Path, target: Path) -> Argv:
    return ["cp", "-al", str(source), str(target)]
