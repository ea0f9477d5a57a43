"""Snapshots of an environment's exact package set, and restoring one.

A snapshot is an ``@EXPLICIT`` lock (written by :func:`labtools.spec.locks.lock_env`)
kept inside the environment, under ``conda-meta/labtools-snapshots/``, so it travels
and disappears with the env. Restoring solves the snapshot's exact pins (name, version,
build) against the channels its URLs came from and lets the built-in engine link the
difference: packages not in the snapshot are removed, changed ones are put back.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from labtools.aio import run_sync
from labtools.envs.rattler_engine import Progress
from labtools.errors import EnvError, SpecError

SNAPSHOT_DIR = Path("conda-meta") / "labtools-snapshots"
SUFFIX = ".txt"
_REASON = "# labtools-snapshot-reason:"
_STAMP = "%Y%m%dT%H%M%S"
_ID = re.compile(r"^\d{8}T\d{6}(?:-\d+)?$")


@dataclass(frozen=True)
class Snapshot:
    """One saved package set of an environment."""

    id: str
    path: Path
    created: datetime
    reason: str
    packages: int


@dataclass(frozen=True)
class RestoreResult:
    """What :func:`restore_snapshot` put back."""

    prefix: Path
    snapshot: Snapshot
    packages: tuple[str, ...]  # name=version=build, sorted


def snapshot_dir(prefix: Path) -> Path:
    return prefix / SNAPSHOT_DIR


def package_keys(prefix: Path) -> tuple[str, ...]:
    """``name=version=build`` of every conda package in *prefix*, sorted (its exact set)."""
    from labtools.spec.records import read_conda_records

    return tuple(sorted(f"{r.name}={r.version}={r.build}" for r in read_conda_records(prefix)))


def new_snapshot_id(now: datetime, taken: Sequence[str]) -> str:
    """A sortable id from the time; ``-2``, ``-3`` ... when the second is taken (pure)."""
    base = now.strftime(_STAMP)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def snapshot_text(lock_text: str, reason: str) -> str:
    """The snapshot file: the explicit lock with the reason as a leading comment (pure)."""
    one_line = " ".join(reason.split())
    return f"{_REASON} {one_line}\n{lock_text}"


def _read(path: Path) -> Snapshot:
    from labtools.spec.locks import parse_explicit

    text = path.read_text(encoding="utf-8")
    reason = ""
    for line in text.splitlines():
        if line.startswith(_REASON):
            reason = line[len(_REASON):].strip()
            break
    listed = parse_explicit(text, source=str(path))
    stamp = path.stem.split("-")[0]
    return Snapshot(id=path.stem, path=path, created=datetime.strptime(stamp, _STAMP),
                    reason=reason, packages=len(listed.packages))


def take_snapshot(prefix: Path | str, *, reason: str = "manual") -> Snapshot:
    """Save *prefix*'s exact conda package set under ``conda-meta/labtools-snapshots/``."""
    from labtools.spec.locks import lock_env

    root = Path(prefix).expanduser().absolute()
    text = snapshot_text(lock_env(prefix=root), reason)
    folder = snapshot_dir(root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        taken = [p.stem for p in folder.glob(f"*{SUFFIX}")]
        ident = new_snapshot_id(datetime.now(), taken)
        target = folder / f"{ident}{SUFFIX}"
        partial = folder / f".{ident}.partial"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    except OSError as exc:
        raise EnvError(f"cannot write a snapshot into {folder}: {exc.strerror}",
                       hint="check that the environment is writable by you") from None
    return _read(target)


def list_snapshots(prefix: Path | str) -> tuple[Snapshot, ...]:
    """The snapshots of *prefix*, oldest first."""
    folder = snapshot_dir(Path(prefix).expanduser().absolute())
    if not folder.is_dir():
        return ()
    found = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        if not _ID.match(path.stem):
            continue
        try:
            found.append(_read(path))
        except (SpecError, OSError, ValueError):
            continue  # a damaged snapshot is skipped, not fatal for the listing
    return tuple(sorted(found, key=lambda s: (s.created, s.id)))


def find_snapshot(prefix: Path, ident: str | None) -> Snapshot:
    """The snapshot named *ident* (a unique prefix of its id is enough), else the newest."""
    snaps = list_snapshots(prefix)
    if not snaps:
        raise EnvError(f"{prefix} has no snapshots",
                       hint="they are taken by `labtools env update`; see `labtools env "
                            "snapshots ENV`")
    if ident is None:
        return snaps[-1]
    matches = [s for s in snaps if s.id == ident] or [s for s in snaps if s.id.startswith(ident)]
    if len(matches) != 1:
        known = ", ".join(s.id for s in snaps)
        what = "no" if not matches else "more than one"
        raise EnvError(f"{what} snapshot of {prefix} matches {ident!r} (have: {known})",
                       hint="pass a full id from `labtools env snapshots ENV`")
    return matches[0]


def damaged_packages(prefix: Path) -> set[str]:
    """Packages with a file their conda-meta record lists but the disk lacks (e.g. pip
    uninstalled a copy it had written over conda's)."""
    from labtools.spec.records import read_conda_records

    return {r.name for r in read_conda_records(prefix)
            if any(not os.path.lexists(prefix / f) for f in r.files)}


def install_exact(
    prefix: Path, pins: Sequence[str], channels: Sequence[str], *, cache_dir: Path,
    requested: Sequence[str], progress: Progress | None = None,
) -> None:
    """Make *prefix* hold exactly the solution of *pins*: the engine removes the rest and
    relinks packages whose files went missing."""

    import rattler

    from labtools.channel.python_pkg import current_subdir
    from labtools.envs import rattler_engine as engine
    from labtools.errors import ChannelError

    records = engine.solve(pins, channels, platform=current_subdir(), cache_dir=cache_dir)
    damaged = damaged_packages(prefix)
    if not damaged:
        engine.install(records, prefix, final_prefix=prefix, cache_dir=cache_dir,
                       requested=requested or pins, progress=progress)
    else:
        async def run() -> None:
            await rattler.install(
                list(records), target_prefix=prefix, cache_dir=cache_dir / "pkgs",
                reinstall_packages=damaged, show_progress=False,
                requested_specs=engine.requested_for_install(
                    engine.match_specs(requested or pins)))

        try:
            run_sync(run())
        except Exception as exc:
            raise ChannelError(f"restoring {prefix} failed: {' '.join(str(exc).split())}",
                               hint="check the channel and the package cache") from None
    engine.finish_prefix(prefix)


def restore_snapshot(
    prefix: Path | str, *, to: str | None = None, cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    """Put back exactly the package set of snapshot *to* (default: the newest)."""
    from labtools.profile import load_profile
    from labtools.spec.locks import as_request, read_package_list

    root = Path(prefix).expanduser().absolute()
    snap = find_snapshot(root, to)
    request = as_request(read_package_list(snap.path))
    pins = list(request.specs)  # name==version=build: exactly the snapshot's packages
    requested = _requested_names(root)
    install_exact(root, pins, list(request.channels),
                  cache_dir=cache_dir or load_profile().cache_dir,
                  requested=[p for p in pins if p.split("==")[0] in requested] or pins,
                  progress=progress)
    _history(root, ["labtools", "env", "rollback", str(root), "--to", snap.id], pins)
    return RestoreResult(prefix=root, snapshot=snap, packages=package_keys(root))


def _requested_names(prefix: Path) -> set[str]:
    from labtools.spec.records import read_conda_records

    names = set()
    for record in read_conda_records(prefix):
        if record.requested_specs:
            names.add(record.name)
    return names


def _history(prefix: Path, command: list[str], specs: Sequence[str]) -> None:
    """Append conda's history block for what is linked now."""
    from labtools import __version__
    from labtools.envs.history import LinkedDist, append_history, history_block
    from labtools.spec.records import channel_name, read_conda_records

    linked = [LinkedDist(channel_name(r.channel, r.url, r.subdir) or "local", r.name,
                         r.version, r.build) for r in read_conda_records(prefix)]
    with contextlib.suppress(OSError):  # history is informative; packages are what matter
        append_history(prefix, history_block(when=datetime.now(), command=command,
                                             linked=linked, update_specs=list(specs),
                                             tool_version=__version__))


__all__ = ["RestoreResult", "Snapshot", "find_snapshot", "list_snapshots", "package_keys",
           "restore_snapshot", "take_snapshot"]
