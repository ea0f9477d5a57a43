"""The handbook's lab channel service: tutorials create envs offline, with no flags.

``start()`` builds (or reuses, keyed on its inputs) the lab channel under the cache
folder; ``environ()`` exports the labtools profile so that, inside a tutorial,
``labtools env create NAME python ipykernel`` installs from that channel with the
built-in engine (the sandbox gives each tutorial its own envs root).
"""

from __future__ import annotations

from pathlib import Path

from labtools.handbook.sandbox import Service


class LabChannelService(Service):
    """An offline conda channel (python, ipykernel, pip, demos) shared by all tutorials."""

    name = "lab-channel"

    def __init__(self, cache_root: Path | None = None) -> None:
        self.cache_root = cache_root
        self.channel: Path | None = None
        self.scratch: Path | None = None

    def start(self, scratch: Path) -> None:
        from labtools.channel.lab import ensure_lab_channel

        self.scratch = scratch
        root = self.cache_root or (self.project or Path.cwd()) / "build"
        self.channel = ensure_lab_channel(root)

    def environ(self) -> dict[str, str]:
        if self.channel is None or self.scratch is None:
            return {}
        return {
            "LABTOOLS_CHANNELS": str(self.channel),
            "LABTOOLS_BACKEND": "rattler",
            # one package cache for the whole build: tutorials install from a warm cache
            "LABTOOLS_CACHE_DIR": str(self.scratch / "cache"),
        }

    def fingerprint(self) -> str:
        # the channel's content follows from labtools' own source, already in the cache key
        return self.name
