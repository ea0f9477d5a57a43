"""Put an environment back to a snapshot, through the backend that owns it.

:func:`restore` is the undo step of every transaction and the work of ``labtools env
rollback``: the snapshot's exact pins (``name==version=build``) are installed from the
channels their URLs name, packages the snapshot does not list are removed, and packages
whose files went missing (pip wrote over them, then removed its copy) are relinked.
Nothing happens when the env already holds exactly the snapshot's set.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from labtools.envs.backends import Backend, Changes, Progress, channel_url
from labtools.envs.prefix import Prefix
from labtools.envs.snapshots import Snapshot, snapshot_packages


def restore(env: Prefix, snapshot: Snapshot, *, backend: Backend, channels: Sequence[str] = (),
            cache_dir: Path, progress: Progress | None = None) -> Changes:
    """Make *env* hold exactly *snapshot*'s packages again (see the module docs)."""
    pins = snapshot_packages(snapshot)
    wanted = tuple(sorted(f"{p.name}={p.version}={p.build}" for p in pins))
    damaged = sorted(env.damaged())
    if env.package_keys() == wanted and not damaged:
        return Changes()
    sources = [*dict.fromkeys([*(channel_url(c).rstrip("/") for c in channels),
                               *(p.channel for p in pins)])]
    return backend.install_exact(env.path, pins=[p.spec for p in pins], channels=sources,
                                 cache_dir=cache_dir, reinstall=damaged, progress=progress)


__all__ = ["restore"]
