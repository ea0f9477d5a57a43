"""``spec check --against LOCK``: does an environment hold exactly what a lock promises?

A lock (pixi.lock, conda-lock.yml, @EXPLICIT) names exact records; every field the lock has
is compared with the installed record: version, build, channel, URL (file name), md5 and
sha256, plus the platform, and pip entries by version (and URL when both sides have one).
:func:`compare_lock` is pure; every mismatch is listed with both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from labtools.spec.locks import LockedPackage, LockedPip, PackageList
from labtools.spec.records import CondaRecord, PipRecord, channel_name


@dataclass(frozen=True)
class FieldMismatch:
    """One field of one package that differs: the lock's value and the env's."""

    name: str
    field: str
    locked: str
    installed: str


@dataclass(frozen=True)
class LockReport:
    env: str
    file: str
    platform: str | None
    environment: str | None
    checked: int
    mismatches: tuple[FieldMismatch, ...]
    missing: tuple[str, ...]  # locked, not installed ("name version build")
    extra: tuple[str, ...]  # installed, not locked
    pip_missing: tuple[str, ...]
    pip_extra: tuple[str, ...]
    drifted: bool
    kind: str = "lock"


def _filename(url: str | None) -> str | None:
    return url.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1] if url else None


def _env_platform(records: Sequence[CondaRecord]) -> str | None:
    subdirs = {r.subdir for r in records if r.subdir and r.subdir != "noarch"}
    return next(iter(subdirs)) if len(subdirs) == 1 else None


def _record_fields(pkg: LockedPackage, rec: CondaRecord) -> list[FieldMismatch]:
    out: list[FieldMismatch] = []

    def differ(field: str, locked: str | None, installed: str | None) -> None:
        if locked is not None and installed is not None and locked != installed:
            out.append(FieldMismatch(pkg.name, field, locked, installed))
        elif locked is not None and installed is None and field in ("md5", "sha256"):
            out.append(FieldMismatch(pkg.name, field, locked, "(not recorded)"))

    differ("version", pkg.version, rec.version)
    differ("build", pkg.build, rec.build)
    if not pkg.source_package:
        differ("channel", pkg.channel_label, channel_name(rec.channel, rec.url, rec.subdir))
        differ("file", _filename(pkg.url), _filename(rec.url))
        differ("md5", pkg.md5, rec.md5.lower() if rec.md5 else None)
        differ("sha256", pkg.sha256, rec.sha256.lower() if rec.sha256 else None)
    return out


def _pip_version(pip: LockedPip) -> str:
    return pip.version


def _pip_matches(pip: LockedPip, rec: PipRecord) -> list[FieldMismatch]:
    from packaging.version import InvalidVersion, Version

    out: list[FieldMismatch] = []
    try:
        same = Version(pip.version) == Version(rec.version)
    except InvalidVersion:
        same = pip.version == rec.version
    if pip.version and not same:
        out.append(FieldMismatch(pip.name, "pip version", pip.version, rec.version))
    if pip.is_url and rec.direct_url and "://" in rec.direct_url:
        locked, installed = _filename(pip.location), _filename(rec.direct_url)
        if locked != installed and not (rec.editable or pip.location.startswith("file:")):
            out.append(FieldMismatch(pip.name, "pip url", pip.location, rec.direct_url))
    return out


def compare_lock(*, env: str, records: Sequence[CondaRecord], pip: Sequence[PipRecord],
                 listed: PackageList) -> LockReport:
    """Compare installed records with a lock's for one platform (pure)."""
    from labtools.spec.requirements import canonical

    mismatches: list[FieldMismatch] = []
    platform = _env_platform(records)
    if listed.platform and platform and listed.platform != platform:
        mismatches.append(FieldMismatch("(environment)", "platform", listed.platform, platform))
    installed = {r.name.lower(): r for r in records}
    locked = {p.name.lower(): p for p in listed.packages}
    missing = [f"{p.name} {p.version} {p.build}" for n, p in sorted(locked.items())
               if n not in installed]
    extra = [f"{r.name} {r.version} {r.build}" for n, r in sorted(installed.items())
             if n not in locked]
    for name in sorted(set(locked) & set(installed)):
        mismatches += _record_fields(locked[name], installed[name])
    pip_installed = {canonical(p.name): p for p in pip}
    pip_locked = {p.name: p for p in listed.pip}
    # a pip package the lock has as a conda package is not an extra (conda installed it)
    pip_missing = [f"{p.name} {p.version}" for n, p in sorted(pip_locked.items())
                   if n not in pip_installed]
    pip_extra = [f"{p.name} {p.version}" for n, p in sorted(pip_installed.items())
                 if n not in pip_locked and n not in locked]
    for name in sorted(set(pip_locked) & set(pip_installed)):
        mismatches += _pip_matches(pip_locked[name], pip_installed[name])
    drifted = bool(mismatches or missing or extra or pip_missing or pip_extra)
    return LockReport(env=env, file=listed.source, platform=listed.platform,
                      environment=listed.environment, checked=len(locked) + len(pip_locked),
                      mismatches=tuple(mismatches), missing=tuple(missing),
                      extra=tuple(extra), pip_missing=tuple(pip_missing),
                      pip_extra=tuple(pip_extra), drifted=drifted)


def check_against_lock(*, env: str | Path, prefix: Path, lock: Path,
                       environment: str = "default", platform: str | None = None) -> LockReport:
    """Read the env at *prefix* and the lock (for *platform*, default: the env's) and compare.

    A lock without the env's platform is a verdict (a ``platform`` mismatch), not an error.
    """
    from labtools.spec.locks import _read_text, is_explicit, parse_explicit, parse_lock
    from labtools.spec.records import read_prefix

    state = read_prefix(prefix)
    text = _read_text(lock)
    if is_explicit(text):
        listed = parse_explicit(text, source=str(lock))
    else:
        contents = parse_lock(text, source=str(lock), path=lock)
        wanted = platform or _env_platform(state.conda)
        per = contents.environments.get(environment, {})
        if platform is None and wanted is not None and per and wanted not in per:
            have = ", ".join(sorted(per))
            return LockReport(env=str(env), file=str(lock), platform=None,
                              environment=environment, checked=0,
                              mismatches=(FieldMismatch("(environment)", "platform", have,
                                                        wanted),),
                              missing=(), extra=(), pip_missing=(), pip_extra=(), drifted=True)
        listed = contents.select(environment, wanted)
    return compare_lock(env=str(env), records=state.conda, pip=state.pip, listed=listed)
