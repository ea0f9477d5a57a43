"""micromamba (tested with 2.8.1) behind the Backend protocol.

micromamba is mamba 2's command line built as one executable, with no conda
installation behind it; everything it shares with mamba (``--json`` shapes,
failure reports) is in :mod:`labtools.envs.backends.mamba`.
"""

from __future__ import annotations

from labtools.envs.backends.mamba import MambaBackend


class MicromambaBackend(MambaBackend):
    """The real ``micromamba`` CLI (1.5 or newer: ``env remove``, ``--json`` everywhere)."""

    name = "micromamba"
    tool = "micromamba"
    min_version = (1, 5)


__all__ = ["MicromambaBackend"]
