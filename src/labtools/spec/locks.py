"""Exact package lists: ``@EXPLICIT`` files (read and write), pixi.lock and conda-lock.yml.

``read_package_list(path)`` is the one entry point ``env create --file`` needs for
anything that is not an environment.yml: it returns every package's URL and hash.
Explicit files are parsed here (pure); lock files go through py-rattler's ``LockFile``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from labtools.errors import SpecError
from labtools.spec.records import CondaRecord, channel_name

if TYPE_CHECKING:
    from labtools.spec.envfile import EnvRequest

_ARCHIVE = re.compile(r"^(?P<name>.+)-(?P<version>[^-]+)-(?P<build>[^-]+)\.(?:conda|tar\.bz2)$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
EXPLICIT_MARKER = "@EXPLICIT"


@dataclass(frozen=True)
class LockedPackage:
    """One exactly pinned conda package: where to fetch it and how to verify it."""

    name: str
    version: str
    build: str
    url: str
    md5: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class PackageList:
    """The exact content of an explicit or lock file for one platform."""

    kind: str  # "explicit" | "lock"
    source: str
    platform: str | None
    packages: tuple[LockedPackage, ...]
    pip: tuple[str, ...] = ()  # pip requirement lines (lock files only)
    channels: tuple[str, ...] = ()


def parse_archive_url(url: str, *, source: str = "<text>") -> LockedPackage:
    """``https://.../name-1.0-build.conda#md5`` (or ``#sha256:...``) -> :class:`LockedPackage`."""
    location, _, digest = url.strip().partition("#")
    filename = location.rsplit("/", 1)[-1]
    match = _ARCHIVE.match(filename)
    if match is None:
        raise SpecError(f"{source}: {url.strip()!r} does not end in a conda package file name",
                        hint="each line must be a URL ending in name-version-build.conda")
    md5 = sha256 = None
    if digest:
        algo, _, value = digest.partition(":") if ":" in digest else ("", "", digest)
        value = value.strip()
        if not _HEX.match(value) or (algo and algo not in ("md5", "sha256")):
            raise SpecError(f"{source}: bad hash {digest!r} in {url.strip()!r}",
                            hint="use #<md5> or #sha256:<hex>")
        if algo == "sha256" or (not algo and len(value) == 64):
            sha256 = value.lower()
        elif len(value) == 32:
            md5 = value.lower()
        else:
            raise SpecError(f"{source}: hash {digest!r} is neither md5 nor sha256",
                            hint="use #<32 hex md5> or #sha256:<64 hex>")
    return LockedPackage(name=match["name"], version=match["version"], build=match["build"],
                         url=location, md5=md5, sha256=sha256)


def is_explicit(text: str) -> bool:
    return any(line.strip() == EXPLICIT_MARKER for line in text.splitlines())


def parse_explicit(text: str, *, source: str = "<text>") -> PackageList:
    """The text of an ``@EXPLICIT`` file -> its packages, in file order (pure)."""
    platform = None
    seen_marker = False
    packages = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            if key.strip() == "platform" and value.strip():
                platform = value.strip()
            continue
        if line == EXPLICIT_MARKER:
            seen_marker = True
            continue
        if not seen_marker:
            raise SpecError(f"{source} is not an explicit file: {line!r} before {EXPLICIT_MARKER}",
                            hint="export one with labtools spec lock ENV")
        packages.append(parse_archive_url(line, source=source))
    if not seen_marker:
        raise SpecError(f"{source} has no {EXPLICIT_MARKER} line",
                        hint="export one with labtools spec lock ENV")
    return PackageList(kind="explicit", source=source, platform=platform,
                       packages=tuple(packages))


def render_explicit(records: Iterable[CondaRecord], *, platform: str | None) -> str:
    """An ``@EXPLICIT`` file: one URL per package with its hash (md5, else sha256)."""
    lines = ["# This file may be used to create an environment using:",
             "# $ labtools env create --file <this file>   (or conda create --file)"]
    if platform:
        lines.append(f"# platform: {platform}")
    lines.append(EXPLICIT_MARKER)
    for record in sorted(records, key=lambda r: r.name.lower()):
        if not record.url:
            raise SpecError(f"{record.source} records no download URL, so it cannot be locked",
                            hint="reinstall the package from a channel, then lock again")
        digest = (f"#{record.md5}" if record.md5
                  else f"#sha256:{record.sha256}" if record.sha256 else "")
        lines.append(record.url + digest)
    return "\n".join(lines) + "\n"


def _hex(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return str(value)


def read_lock_file(path: Path, *, environment: str = "default",
                   platform: str | None = None) -> PackageList:
    """pixi.lock or conda-lock.yml (through py-rattler) -> the packages for one platform."""
    import rattler

    try:
        lock = rattler.LockFile.from_path(path)
    except Exception as exc:  # rattler raises its own exception types
        raise SpecError(f"cannot read lock file {path}: {' '.join(str(exc).split())}",
                        hint="give a pixi.lock or conda-lock.yml") from None
    env = lock.environment(environment)
    if env is None:
        names = ", ".join(sorted(n for n, _ in lock.environments())) or "none"
        raise SpecError(f"{path} has no environment {environment!r} (it has: {names})",
                        hint="pick one with --lock-env NAME")
    wanted = platform or str(rattler.Subdir.current())
    chosen = next((p for p in env.platforms() if p.name == wanted), None)
    if chosen is None:
        have = ", ".join(sorted(p.name for p in env.platforms())) or "none"
        raise SpecError(f"{path} has no packages for platform {wanted} (it has: {have})",
                        hint="lock for this platform, or pass the platform explicitly")
    packages = tuple(
        LockedPackage(name=r.name.normalized, version=str(r.version), build=str(r.build),
                      url=str(r.url), md5=_hex(r.md5), sha256=_hex(r.sha256))
        for r in env.conda_repodata_records_for_platform(chosen) or ()
    )
    pip = tuple(
        f"{p.name} @ {p.location}" if "://" in str(p.location) else f"{p.name}=={p.version}"
        for p in env.pypi_packages_for_platform(chosen) or ()
    )
    channels = tuple(str(getattr(c, "url", c)) for c in env.channels())
    return PackageList(kind="lock", source=str(path), platform=wanted,
                       packages=tuple(sorted(packages, key=lambda p: p.name)), pip=pip,
                       channels=channels)


def read_package_list(path: Path | str, *, environment: str = "default",
                      platform: str | None = None) -> PackageList:
    """An explicit file, pixi.lock or conda-lock.yml -> exact package list (URLs + hashes)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {file}: {exc}", hint="check the path") from None
    if is_explicit(text):
        return parse_explicit(text, source=str(file))
    return read_lock_file(file, environment=environment, platform=platform)


def lock_env(*, prefix: Path | str) -> str:
    """The ``@EXPLICIT`` text that recreates the environment at *prefix* exactly."""
    from labtools.spec.export import platform_of
    from labtools.spec.records import read_conda_records

    records = read_conda_records(Path(prefix).expanduser().absolute())
    return render_explicit(records, platform=platform_of(records))


def as_request(listed: PackageList, *, name: str | None = None) -> EnvRequest:
    """A package list -> ``env create``'s request: exact pins, their channels, the URLs."""
    from labtools.spec.envfile import EnvRequest

    channels: list[str] = [*listed.channels]
    for pkg in listed.packages:
        channel = channel_name(None, pkg.url)
        if channel not in channels:
            channels.append(channel)
    return EnvRequest(
        name=name, channels=tuple(channels),
        specs=tuple(f"{p.name}=={p.version}={p.build}" for p in listed.packages),
        pip=listed.pip, source=Path(listed.source), kind=listed.kind,
        urls=tuple(p.url + (f"#{p.md5}" if p.md5 else f"#sha256:{p.sha256}" if p.sha256 else "")
                   for p in listed.packages),
    )


def detect_explicit(path: Path, text: str) -> bool:
    return is_explicit(text)


def read_explicit_request(path: Path, text: str) -> EnvRequest:
    return as_request(parse_explicit(text, source=str(path)))


def detect_lock(path: Path, text: str) -> bool:
    """pixi.lock or conda-lock.yml: top-level ``version:`` plus ``package:``/``environments:``."""
    head = {line.split(":", 1)[0] for line in text.splitlines() if line and line[0].isalpha()}
    return "version" in head and ("package" in head or "environments" in head)


def read_lock_request(path: Path, text: str) -> EnvRequest:
    return as_request(read_lock_file(path))


def register_readers() -> None:
    """Teach ``env create --file`` explicit files and lock files."""
    from labtools.spec.envfile import register_reader

    register_reader("explicit", detect_explicit, read_explicit_request)
    register_reader("lock", detect_lock, read_lock_request)
