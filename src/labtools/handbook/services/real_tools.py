"""The real conda, mamba and micromamba for tutorials, sealed like everything else.

Where the tools are installed (``LABTOOLS_REAL_TOOLS``: the folder whose ``bin/`` holds
them; else the project's ``tools/real-tools.sh --print``, which only looks, never
installs), every tutorial gets ``LABTOOLS_REAL_TOOLS`` pointing at them; a tutorial that
teaches the tools puts ``$LABTOOLS_REAL_TOOLS/bin`` first on its ``PATH`` (in a hidden
cell: on a reader's machine they are on PATH already), so the others keep running the
built-in engine alone. Each tutorial's HOME gets a
``.condarc`` that allows no channel but those a command names and never goes online;
packages and envs stay in the tutorial's world (``CONDA_PKGS_DIRS``, ``CONDA_ENVS_PATH``
are the sandbox's), and ``MAMBA_ROOT_PREFIX`` is a folder of this service, so nothing
reaches the user's conda or the tools' own install folder. Without the tools the
service does nothing, and tutorials fall back to the built-in engine.
"""

from __future__ import annotations

import os
from pathlib import Path

from labtools import process
from labtools.errors import LabtoolsError
from labtools.handbook.sandbox import Service
from labtools.toolsandbox import QUIET, condarc

ENV_VAR = "LABTOOLS_REAL_TOOLS"
TOOLS = ("conda", "mamba", "micromamba")


def find_tools(project: Path | None = None) -> Path | None:
    """The folder whose ``bin/`` holds conda, mamba and micromamba, or None."""
    given = os.environ.get(ENV_VAR)
    if given:
        folder = Path(given)
        return folder if all((folder / "bin" / t).exists() for t in TOOLS) else None
    root = project or Path.cwd()
    script = root / "tools" / "real-tools.sh"
    if not script.is_file():
        return None
    done = process.run(["bash", str(script), "--print"], check=False, timeout=60,
                       env=_kits_environ(root))
    lines = done.stdout.strip().splitlines()
    return Path(lines[-1]) if done.returncode == 0 and lines else None


def _kits_environ(root: Path) -> dict[str, str]:
    """A git worktree outside the main checkout finds the kits beside the main checkout."""
    env = dict(os.environ)
    if env.get("LABTOOLS_KITS") or (root.parent / "shared" / "tools").is_dir():
        return env
    try:
        done = process.run(["git", "-C", str(root), "rev-parse", "--path-format=absolute",
                            "--git-common-dir"], check=False, timeout=30)
    except LabtoolsError:  # no git here: the kits are where the script looks by itself
        return env
    kits = Path(done.stdout.strip()).parent.parent / "shared" / "tools"
    if done.returncode == 0 and kits.is_dir():
        env["LABTOOLS_KITS"] = str(kits)
    return env


class RealToolsService(Service):
    """Offers the real tools to every tutorial, each tutorial sealed (see module)."""

    name = "real-tools"

    def __init__(self, tools: Path | None = None) -> None:
        self.tools = tools if tools is not None else find_tools()
        self.root: Path | None = None

    def start(self, scratch: Path) -> None:
        self.root = scratch / "mamba-root"
        self.root.mkdir(parents=True, exist_ok=True)

    def environ(self) -> dict[str, str]:
        if self.tools is None or self.root is None:
            return {}
        return {ENV_VAR: str(self.tools), "MAMBA_ROOT_PREFIX": str(self.root), **QUIET}

    def prepare_home(self, home: Path) -> None:
        if self.tools is not None:
            # the tutorial's world sets CONDA_PKGS_DIRS and CONDA_ENVS_PATH itself
            (home / ".condarc").write_text(condarc(), encoding="utf-8")

    def fingerprint(self) -> str:
        """The tools' folder (keyed by the kits' content): other tools, other outputs."""
        return f"{self.name}:{self.tools or 'absent'}"


__all__ = ["ENV_VAR", "RealToolsService", "find_tools"]
