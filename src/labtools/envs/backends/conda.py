"""conda (tested with 26.7.1, classic and libmamba solvers) behind the Backend protocol.

conda's own behaviour, handled here and nowhere else:

- ``--json`` failures are a JSON document with ``exception_name`` and ``message``;
  the message carries a channel list and a link to anaconda.org, cut off here.
- conda refuses to start when both ``CONDA_ENVS_DIRS`` and ``CONDA_ENVS_PATH`` are set
  (``MultipleKeysError``), and with ``--json`` it then crashes while printing that error
  (``TypeError: frozenset``); labtools says so before running it.
- The libmamba solver (conda-libmamba-solver 26.6 with libmambapy 2.8) adds pip to
  python only inside a repo that itself holds pip (libmamba ``helpers.cpp``,
  ``add_pip_as_python_dependency``); channels such as conda-forge keep python in
  ``linux-64`` and pip in ``noarch``, so conda's default solver drops the pip that its
  ``add_pip_as_python_dependency`` promises. While that setting is on, this adapter asks
  for pip explicitly with python, as mamba does, so every tool installs one package set.
- The solver conda really uses comes from ``conda info --json`` (``solver.name``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from labtools.envs.backends.base import Command, ToolInfo
from labtools.envs.backends.cli import CliBackend, collapse
from labtools.envs.specs import wants_pip_added
from labtools.errors import ChannelError, ConfigError, EnvError, LabtoolsError, SolveError

_SOLVE_ERRORS = frozenset({
    "PackagesNotFoundInChannelsError", "PackagesNotFoundError", "UnsatisfiableError",
    "LibMambaUnsatisfiableError", "ResolvePackageNotFound", "SpecsConfigurationConflictError",
    "InvalidMatchSpec", "InvalidSpec",
})
_CHANNEL_ERRORS = frozenset({
    "UnavailableInvalidChannel", "ChannelNotAllowed", "CondaHTTPError", "ChannelError",
    "OfflineError",
})


class CondaBackend(CliBackend):
    """The real ``conda`` CLI. *solver* (``classic``/``libmamba``) sets ``CONDA_SOLVER``."""

    name = "conda"
    tool = "conda"
    min_version = (23, 1)

    def __init__(self, solver: str | None = None,
                 extra_env: Mapping[str, str] | None = None) -> None:
        env = dict(extra_env or {})
        if solver:
            env["CONDA_SOLVER"] = solver
        super().__init__(env)
        self.solver = solver

    def request(self, specs: Sequence[str]) -> list[str]:
        """The specs, plus pip when they name python and conda's setting brings pip along."""
        wanted = list(specs)
        if wanted and wants_pip_added(wanted, {**os.environ, **self.extra_env}):
            wanted.append("pip")
        return wanted

    def check_environment(self, environ: Mapping[str, str]) -> None:
        if environ.get("CONDA_ENVS_DIRS") and environ.get("CONDA_ENVS_PATH"):
            raise ConfigError(
                "conda refuses to run while both CONDA_ENVS_DIRS and CONDA_ENVS_PATH are set "
                "(conda's MultipleKeysError: they are aliases of one setting)",
                hint="unset one of them, e.g. `unset CONDA_ENVS_PATH`")

    def failure_reason(self, data: Any, stderr: str, cmd: Command) -> str:
        if "MultipleKeysError" in stderr:
            line = next(ln for ln in stderr.splitlines() if "MultipleKeysError" in ln)
            return collapse(line.split("MultipleKeysError:", 1)[-1]) + \
                " (conda's MultipleKeysError: two aliased settings, e.g. envs_dirs and envs_path)"
        if isinstance(data, dict) and data.get("exception_name"):
            message = str(data.get("message") or data.get("error") or "")
            for cut in ("Current channels:", "To search for alternate channels",
                        "You will need to adjust your conda configuration"):
                message = message.split(cut, 1)[0]
            return f"{data['exception_name']}: {collapse(message)}"
        return super().failure_reason(data, stderr, cmd)

    def classify(self, reason: str, data: Any, stderr: str) -> type[LabtoolsError]:
        name = str(data.get("exception_name")) if isinstance(data, dict) else ""
        if name in _SOLVE_ERRORS:
            return SolveError
        if name in _CHANNEL_ERRORS:
            return ChannelError
        if "MultipleKeysError" in reason:
            return ConfigError
        if name:
            return EnvError
        return super().classify(reason, data, stderr)

    def hint(self, reason: str, data: Any, stderr: str) -> str:
        if "MultipleKeysError" in reason:
            return "remove one of the two settings (`conda config --show-sources` shows where)"
        return super().hint(reason, data, stderr)

    def read_info(self, exe: str, data: Any) -> ToolInfo:
        """conda's version and the solver it really uses, from ``conda info --json``."""
        solver = data.get("solver") if isinstance(data, dict) else None
        solver_name = solver.get("name") if isinstance(solver, dict) else solver
        details = {
            "solver_user_agent": solver.get("user_agent") if isinstance(solver, dict) else None,
            "pkgs_dirs": list(data.get("pkgs_dirs") or []),
            "envs_dirs": list(data.get("envs_dirs") or []),
            "config_files": list(data.get("config_files") or []),
        }
        return ToolInfo(self.name, exe, str(data.get("conda_version") or "") or None,
                        solver=str(solver_name) if solver_name else None, details=details)


__all__ = ["CondaBackend"]
