"""The package managers on this machine, as they report themselves, and what is wrong there.

:func:`tool_facts` asks each installed tool through its backend (conda: ``conda info
--json``, whose ``solver.name`` is the solver conda really uses; mamba and micromamba:
``info --json``) and the built-in engine; :func:`check_tools` is pure: a tool that does
not answer, and the settings under which conda refuses to start, become findings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from labtools import process
from labtools.doctor.findings import Finding
from labtools.envs.backends import AUTO_ORDER, get_backend


@dataclass(frozen=True)
class ToolFact:
    """One package manager: where, which version, which solver (as the tool says)."""

    name: str
    executable: str | None
    version: str | None
    solver: str | None
    error: str | None = None


def tool_facts(environ: Mapping[str, str]) -> tuple[ToolFact, ...]:
    """conda, mamba and micromamba on *environ*'s PATH, and the built-in engine."""
    found = []
    path = environ.get("PATH", "")
    for tool in sorted(AUTO_ORDER):
        if not path or process.which(tool, path=path) is None:
            continue
        info = get_backend(tool, extra_env=environ).info()
        found.append(ToolFact(tool, info.executable, info.version, info.solver, info.error))
    engine = get_backend("rattler").info()
    found.append(ToolFact("rattler", None, engine.version, engine.solver))
    return tuple(found)


def check_tools(tools: Sequence[ToolFact], environ: Mapping[str, str]) -> list[Finding]:
    found: list[Finding] = []
    if environ.get("CONDA_ENVS_DIRS") and environ.get("CONDA_ENVS_PATH"):
        found.append(Finding(
            "conda-envs-vars-conflict", "error",
            "CONDA_ENVS_DIRS and CONDA_ENVS_PATH are both set: conda refuses to start "
            "(its MultipleKeysError; with --json it then crashes), so every conda command fails",
            "unset one of them, e.g. `unset CONDA_ENVS_PATH`"))
    for tool in tools:
        if tool.error and not (found and tool.name == "conda"):
            found.append(Finding(f"{tool.name}-broken", "warning",
                                 f"{tool.executable or tool.name} does not answer: {tool.error}",
                                 f"run `{tool.name} info` to see why, or reinstall it"))
    return found


__all__ = ["ToolFact", "check_tools", "tool_facts"]
