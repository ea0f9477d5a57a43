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

# one rc file read by conda (CONDARC) and mamba/micromamba (MAMBARC): only the channels a
# command names, never a default channel, a bare channel name never goes online. offline
# stays false because conda-libmamba-solver ignores uncached file:// channels when offline.
CONDARC = """\
channels: []
default_channels: []
custom_channels: {{}}
custom_multichannels: {{}}
channel_alias: file:///nonexistent-channel-alias
offline: false
auto_update_conda: false
notify_outdated_conda: false
report_errors: false
always_yes: true
auto_activate_base: false
pkgs_dirs: [{pkgs}]
envs_dirs: [{envs}]
"""

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
    def pkgs(self) -> Path:
        return self.root / "pkgs"

    @property
    def envs(self) -> Path:
        return self.root / "envs"

    def make(self) -> Sandbox:
        for sub in ("home", "xdg/cache", "xdg/data", "root", "pkgs", "envs", "tmp", "cache"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "condarc").write_text(
            CONDARC.format(pkgs=self.pkgs, envs=self.envs), encoding="utf-8")
        return self

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        root = self.root
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "HOME": str(root / "home"),
            "TMPDIR": str(root / "tmp"),
            "XDG_CONFIG_HOME": str(root / "xdg"),
            "XDG_CACHE_HOME": str(root / "xdg" / "cache"),
            "XDG_DATA_HOME": str(root / "xdg" / "data"),
            # conda, mamba, micromamba
            "CONDARC": str(root / "condarc"),
            "MAMBARC": str(root / "condarc"),
            "CONDA_PKGS_DIRS": str(self.pkgs),
            "CONDA_ENVS_DIRS": str(self.envs),
            "MAMBA_ROOT_PREFIX": str(root / "root"),
            "CONDA_OVERRIDE_CUDA": "",
            "CONDA_NUMBER_CHANNEL_NOTICES": "0",
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
