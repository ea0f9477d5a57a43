"""Snapshots of an environment's exact package set, kept inside the environment.

A snapshot is a file under the env's ``labtools-snapshots/`` folder (see
:attr:`labtools.envs.prefix.Prefix.snapshot_dir`), so it travels and disappears with
the env. Its body is conda's explicit format (``@EXPLICIT`` then one package URL with
its hash per line), so ``conda create --file SNAPSHOT`` rebuilds the same env by hand;
its first line says why it was taken. Restoring one is a transaction
(:func:`labtools.envs.transaction.rollback`) through the env's own backend.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from labtools.envs.prefix import Prefix
from labtools.envs.records import CondaRecord
from labtools.errors import EnvError, SpecError

SUFFIX = ".txt"
EXPLICIT = "@EXPLICIT"
_REASON = "# labtools-snapshot-reason:"
_STAMP = "%Y%m%dT%H%M%S"
_ID = re.compile(r"^\d{8}T\d{6}(?:-\d+)?$")
_ARCHIVE = re.compile(r"^(?P<name>.+)-(?P<version>[^-]+)-(?P<build>[^-]+)\.(?:conda|tar\.bz2)$")


@dataclass(frozen=True)
class Snapshot:
    """One saved package set of an environment."""

    id: str
    path: Path
    created: datetime
    reason: str
    packages: int


@dataclass(frozen=True)
class Pinned:
    """One package of a snapshot: exact name, version, build, and where it came from."""

    name: str
    version: str
    build: str
    url: str

    @property
    def spec(self) -> str:
        """The match spec that selects exactly this package."""
        return f"{self.name}=={self.version}={self.build}"

    @property
    def channel(self) -> str:
        return self.url.rsplit("/", 2)[0]


def new_snapshot_id(now: datetime, taken: Sequence[str]) -> str:
    """A sortable id from the time; ``-2``, ``-3`` ... when the second is taken (pure)."""
    base = now.strftime(_STAMP)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def render_snapshot(records: Sequence[CondaRecord], reason: str, *,
                    platform: str | None) -> str:
    """The snapshot file for *records* (pure)."""
    lines = [f"{_REASON} {' '.join(reason.split())}",
             "# rebuild by hand: conda create --prefix PATH --file THIS_FILE"]
    if platform:
        lines.append(f"# platform: {platform}")
    lines.append(EXPLICIT)
    for record in sorted(records, key=lambda r: r.name.lower()):
        if not record.url:
            raise SpecError(f"{record.source} records no download URL, so the env cannot be "
                            "snapshotted", hint="reinstall that package from a channel")
        digest = (f"#{record.md5}" if record.md5
                  else f"#sha256:{record.sha256}" if record.sha256 else "")
        lines.append(record.url + digest)
    return "\n".join(lines) + "\n"


def parse_snapshot(text: str, *, source: str) -> tuple[str, tuple[Pinned, ...]]:
    """(reason, packages) of a snapshot file's text (pure)."""
    reason = ""
    found: list[Pinned] = []
    explicit = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(_REASON):
            reason = line[len(_REASON):].strip()
        elif line == EXPLICIT:
            explicit = True
        elif line and not line.startswith("#"):
            url = line.partition("#")[0]
            match = _ARCHIVE.match(url.rsplit("/", 1)[-1])
            if not explicit or match is None:
                raise SpecError(f"{source}: {line!r} is not a package URL of a snapshot",
                                hint="delete the damaged snapshot; take a new one")
            found.append(Pinned(match["name"], match["version"], match["build"], url))
    if not explicit:
        raise SpecError(f"{source} has no {EXPLICIT} line, so it is not a snapshot",
                        hint="delete it; snapshots are written by labtools env update")
    return reason, tuple(found)


def _platform(records: Sequence[CondaRecord]) -> str | None:
    subdirs = {r.subdir for r in records if r.subdir and r.subdir != "noarch"}
    return subdirs.pop() if len(subdirs) == 1 else None


def _read(path: Path) -> Snapshot:
    reason, packages = parse_snapshot(path.read_text(encoding="utf-8"), source=str(path))
    stamp = path.stem.split("-")[0]
    return Snapshot(id=path.stem, path=path, created=datetime.strptime(stamp, _STAMP),
                    reason=reason, packages=len(packages))


def take_snapshot(prefix: Path | str, *, reason: str = "manual") -> Snapshot:
    """Save the env's exact package set into its snapshots folder."""
    env = Prefix(prefix)
    records = env.records()
    text = render_snapshot(records, reason, platform=_platform(records))
    folder = env.snapshot_dir
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
    """The snapshots of *prefix*, oldest first (a damaged one is skipped)."""
    folder = Prefix(prefix).snapshot_dir
    if not folder.is_dir():
        return ()
    found = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        if not _ID.match(path.stem):
            continue
        try:
            found.append(_read(path))
        except (SpecError, OSError, ValueError):
            continue
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


def snapshot_packages(snapshot: Snapshot) -> tuple[Pinned, ...]:
    return parse_snapshot(snapshot.path.read_text(encoding="utf-8"),
                          source=str(snapshot.path))[1]


__all__ = ["Pinned", "Snapshot", "find_snapshot", "list_snapshots", "new_snapshot_id",
           "parse_snapshot", "render_snapshot", "snapshot_packages", "take_snapshot"]
