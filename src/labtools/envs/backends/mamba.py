"""mamba 2.x (the C++ CLI, tested with 2.8.1) behind the Backend protocol.

mamba 2 and micromamba are the same libmamba command line; what they share is here,
and :mod:`labtools.envs.backends.micromamba` only names its own executable.

libmamba's own behaviour, handled here and nowhere else:

- It always requests ``pip`` along with ``python``, even with
  ``add_pip_as_python_dependency: false`` (``libmamba/src/api/install.cpp``), and records
  pip among the requested specs in the env's history. That is real, and asserted so.
- With ``--json`` an unsatisfiable request is ``{"solver_problems": [...],
  "success": false}``, often only ``["unsupported request"]``, and stderr says just
  "Could not solve for environment specs". The explanation ("labdemo =9 * does not
  exist") is printed only without ``--json``, so on that failure the same dry run is
  repeated without it, once, to name the conflict.
- An unreadable channel prints nothing on stdout and "Download error ... Subdir ... not
  loaded" on stderr.
"""

from __future__ import annotations

import os
from typing import Any

from labtools import process
from labtools.envs.backends.base import Command, ToolInfo
from labtools.envs.backends.cli import CliBackend, collapse
from labtools.errors import LabtoolsError

_NOISE = ("shard index", "using flat repodata", "parsing packages", "resolving environment",
          "if you run into this error", "please try running", "if you still are having",
          "https://github.com/mamba-org", "critical libmamba could not solve")


def explanation(stderr: str) -> str:
    """The lines of a libmamba failure that say why, without progress and boilerplate."""
    kept = [line for line in stderr.splitlines()
            if line.strip() and not any(n in line.lower() for n in _NOISE)]
    return collapse("\n".join(kept))


class MambaBackend(CliBackend):
    """The real ``mamba`` 2 CLI."""

    name = "mamba"
    tool = "mamba"
    min_version = (2, 0)

    def failure_reason(self, data: Any, stderr: str, cmd: Command) -> str:
        problems = data.get("solver_problems") if isinstance(data, dict) else None
        if problems is not None:
            said = "; ".join(str(p) for p in problems if str(p) != "unsupported request")
            return said or self._explain_without_json(cmd) or collapse(" ".join(map(str,
                                                                                   problems)))
        return explanation(stderr) or super().failure_reason(data, stderr, cmd)

    def _explain_without_json(self, cmd: Command) -> str:
        """Repeat a failed solve without --json (dry run) to get libmamba's explanation."""
        argv = [a for a in cmd.argv if a != "--json"]
        if "--dry-run" not in argv:
            argv.insert(2, "--dry-run")
        try:
            done = process.run(argv, env={**os.environ, **cmd.env}, check=False, timeout=300)
        except LabtoolsError:
            return ""
        return explanation(done.stderr + "\n" + done.stdout)

    def read_info(self, exe: str, data: Any) -> ToolInfo:
        """Version, libmamba version and package cache, from ``info --json``."""
        data = data if isinstance(data, dict) else {}
        version = data.get(f"{self.tool} version") or data.get("mamba version") or \
            self.version()
        return ToolInfo(
            self.name, exe, str(version) if version else None, solver="libmamba",
            details={"libmamba_version": data.get("libmamba version"),
                     "pkgs_dirs": list(data.get("package cache") or []),
                     "envs_dirs": list(data.get("envs directories") or []),
                     "config_files": list(data.get("populated config files") or [])})


__all__ = ["MambaBackend", "explanation"]
