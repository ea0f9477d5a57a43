"""The sealed world of one real conda, mamba or micromamba: its rc file and variables.

One builder for every place that runs the real tools in isolation (the benchmark's
sandboxes, the tests' ``real_tool`` fixture, the handbook's tutorials): its own HOME
and XDG folders, one rc file read by conda (``CONDARC``) and by mamba and micromamba
(``MAMBARC``), its own package cache, env folder and ``MAMBA_ROOT_PREFIX``. Nothing
reaches the user's real conda, and no command goes to a channel it does not name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# only the channels a command names, never a default channel; a bare channel name never goes
# online. offline stays false because conda-libmamba-solver ignores uncached file://
# channels when offline.
CONDARC = """\
channels: []
default_channels: []
custom_channels: {}
custom_multichannels: {}
channel_alias: file:///nonexistent-channel-alias
offline: false
auto_update_conda: false
notify_outdated_conda: false
report_errors: false
always_yes: true
auto_activate_base: false
"""
#: what every sealed tool also gets: no CUDA probe, no channel notices
QUIET = {"CONDA_OVERRIDE_CUDA": "", "CONDA_NUMBER_CHANNEL_NOTICES": "0"}


def condarc(*, pkgs: Path | None = None, envs: Path | None = None,
            solver: str | None = None) -> str:
    """The rc file's text; with its package cache, env folder and solver when given."""
    text = CONDARC
    if pkgs is not None:
        text += f"pkgs_dirs: [{pkgs}]\n"
    if envs is not None:
        text += f"envs_dirs: [{envs}]\n"
    if solver:
        text += f"solver: {solver}\n"
    return text


@dataclass(frozen=True)
class ToolSandbox:
    """The folders under *root* (the package cache may live elsewhere, to be shared)."""

    root: Path
    pkgs_dir: Path | None = None

    @property
    def pkgs(self) -> Path:
        return self.pkgs_dir if self.pkgs_dir is not None else self.root / "pkgs"

    @property
    def envs(self) -> Path:
        return self.root / "envs"

    @property
    def rc(self) -> Path:
        return self.root / "condarc"

    def make(self, *, solver: str | None = None) -> ToolSandbox:
        """Create the folders and write the rc file (with *solver* pinned, if given)."""
        for sub in ("home", "xdg/cache", "root", "envs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.pkgs.mkdir(parents=True, exist_ok=True)
        self.rc.write_text(condarc(pkgs=self.pkgs, envs=self.envs, solver=solver),
                           encoding="utf-8")
        return self

    def environ(self) -> dict[str, str]:
        """The variables that seal a tool into this sandbox (add PATH yourself)."""
        root = self.root
        return {
            "HOME": str(root / "home"),
            "XDG_CONFIG_HOME": str(root / "xdg"),
            "XDG_CACHE_HOME": str(root / "xdg" / "cache"),
            "CONDARC": str(self.rc),
            "MAMBARC": str(self.rc),
            "CONDA_PKGS_DIRS": str(self.pkgs),
            "CONDA_ENVS_DIRS": str(self.envs),
            "MAMBA_ROOT_PREFIX": str(root / "root"),
            **QUIET,
            "LANG": os.environ.get("LANG", "C.UTF-8"),
        }


__all__ = ["CONDARC", "QUIET", "ToolSandbox", "condarc"]
