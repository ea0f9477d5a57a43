"""A sealed world per contestant: its own HOME, config, caches and env root.

Every command a contestant runs gets an environment built from scratch (``PATH`` and
``LANG`` from the caller, nothing else): no user condarc, pip.conf, uv.toml or lab
profile leaks in, and nothing the tools write (``~/.conda/environments.txt``, caches,
notices) reaches the real HOME. A *cold* run gets a brand-new sandbox, so every cache
of every tool is empty; *warm* runs share one sandbox per contestant, filled by the
warm-up. :data:`CACHE_VARIABLES` says which variable points at which cache.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from labtools.toolsandbox import ToolSandbox

#: what "cold" empties, per tool: the variables pointing at its package and metadata caches
CACHE_VARIABLES: dict[str, tuple[str, ...]] = {
    "conda": ("CONDA_PKGS_DIRS (packages and pkgs/cache/ repodata)",
              "HOME, XDG_CACHE_HOME (notices cache)"),
    "mamba": ("CONDA_PKGS_DIRS and pkgs_dirs in MAMBARC (packages and pkgs/cache/ repodata)",
              "MAMBA_ROOT_PREFIX"),
    "micromamba": ("CONDA_PKGS_DIRS and pkgs_dirs in MAMBARC (packages and pkgs/cache/ "
                   "repodata)", "MAMBA_ROOT_PREFIX"),
    "engine": ("LABTOOLS_CACHE_DIR (repodata/, pkgs/, bytecode cache)",),
    "pip": ("PIP_CACHE_DIR (http and wheel cache)",),
    "uv": ("UV_CACHE_DIR (unpacked wheels, metadata)",),
    "cp": ("none: a copy of a finished env",),
}


@dataclass(frozen=True)
class Sandbox:
    """The folders of one sandbox; :meth:`environ` is the whole environment of a command."""

    root: Path

    @property
    def tools(self) -> ToolSandbox:
        """conda's, mamba's and micromamba's part of it (the shared builder)."""
        return ToolSandbox(self.root)

    @property
    def pkgs(self) -> Path:
        return self.tools.pkgs

    @property
    def envs(self) -> Path:
        return self.tools.envs

    def make(self) -> Sandbox:
        self.tools.make()
        for sub in ("xdg/data", "tmp", "cache"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        return self

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        root = self.root
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            # conda, mamba, micromamba: HOME, XDG, rc files, pkgs, envs, root prefix, LANG
            **self.tools.environ(),
            "TMPDIR": str(root / "tmp"),
            "XDG_DATA_HOME": str(root / "xdg" / "data"),
            # the built-in engine (labtools' own profile)
            "LABTOOLS_CACHE_DIR": str(root / "cache" / "labtools"),
            "LABTOOLS_ENVS_ROOT": str(self.envs),
            "LABTOOLS_NAMING": "off",
            "NO_COLOR": "1",
            # pip and uv
            "PIP_CACHE_DIR": str(root / "cache" / "pip"),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "UV_CACHE_DIR": str(root / "cache" / "uv"),
            "UV_NO_CONFIG": "1",
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_OFFLINE": "1",
        }
        env.update(extra or {})
        return env
