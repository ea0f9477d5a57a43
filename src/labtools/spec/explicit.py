"""``@EXPLICIT`` package lists: ``conda list --explicit [--md5|--sha256]``, conda-lock's
``render`` output, ``labtools spec lock``.

No library reads this format (conda parses it inside its own CLI), so this is our own code:
a pure :func:`parse_explicit` with line-numbered errors, and :func:`render_explicit`. Every
line after the marker must be a package URL (or path) ending in ``name-version-build.conda``
or ``.tar.bz2``, optionally followed by ``#<md5>``, ``#<sha256>``, ``#md5:<hex>`` or
``#sha256:<hex>``; conda-lock's ``# pip name @ url#sha256=...`` comments are pip entries.
A file is read whole or refused at the first line that does not fit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from labtools.errors import SpecError

if TYPE_CHECKING:
    from labtools.spec.locks import LockedPackage, LockedPip, PackageList
    from labtools.spec.records import CondaRecord

EXPLICIT_MARKER = "@EXPLICIT"
_ARCHIVE = re.compile(r"^(?P<name>.+)-(?P<version>[^-]+)-(?P<build>[^-]+)\.(?:conda|tar\.bz2)$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_TOKEN = re.compile(r"/t/[^/]+/")
FIX = "each line after @EXPLICIT is a URL ending in name-version-build.conda[#md5]"


def is_explicit(text: str) -> bool:
    """Does *text* hold an ``@EXPLICIT`` marker line?"""
    return any(line.strip() == EXPLICIT_MARKER for line in text.splitlines())


def _digest(value: str, where: str, url: str) -> tuple[str | None, str | None]:
    algo, sep, hexpart = value.partition(":")
    if not sep:
        algo, hexpart = "", value
    hexpart = hexpart.strip()
    if not _HEX.match(hexpart) or algo not in ("", "md5", "sha256"):
        raise SpecError(f"{where}: bad hash {value!r} after {url!r}",
                        hint="use #<md5>, #<sha256>, #md5:<hex> or #sha256:<hex>")
    if (algo in ("", "md5") and len(hexpart) == 32):
        return hexpart.lower(), None
    if (algo in ("", "sha256") and len(hexpart) == 64):
        return None, hexpart.lower()
    raise SpecError(f"{where}: hash {value!r} has {len(hexpart)} hex digits, which is neither "
                    "an md5 (32) nor a sha256 (64)", hint="copy the hash again from the channel")


def channel_of_url(location: str) -> str:
    """The channel part of a package URL: without file name, subdir and ``/t/<token>/``."""
    base = location.rsplit("/", 2)[0] if location.count("/") >= 2 else location
    return _TOKEN.sub("/", base + "/").rstrip("/")


def parse_archive_url(url: str, *, where: str = "<text>", line: int | None = None
                      ) -> LockedPackage:
    """``https://.../name-1.0-build.conda#md5`` -> :class:`LockedPackage` (pure)."""
    from labtools.spec.locks import LockedPackage

    location, _, digest = url.strip().partition("#")
    location = location.strip()
    filename = location.replace("\\", "/").rsplit("/", 1)[-1]
    match = _ARCHIVE.match(filename)
    if match is None or " " in location:
        raise SpecError(f"{where}: {url.strip()!r} does not end in a conda package file name",
                        hint=FIX)
    md5, sha256 = _digest(digest, where, location) if digest else (None, None)
    subdir = location.rsplit("/", 2)[-2] if location.count("/") >= 2 else None
    return LockedPackage(name=match["name"].lower(), version=match["version"],
                         build=match["build"], url=location, md5=md5, sha256=sha256,
                         channel=channel_of_url(location), subdir=subdir, line=line)


def _pip_comment(body: str, where: str) -> LockedPip:
    """conda-lock's ``# pip name @ url#sha256=hex`` line -> :class:`LockedPip`."""
    from labtools.spec.locks import LockedPip, canonical_pip

    name, sep, url = body.partition(" @ ")
    if not sep or not name.strip() or "://" not in url:
        raise SpecError(f"{where}: cannot read pip entry {body!r}",
                        hint="conda-lock writes '# pip NAME @ URL#sha256=HEX'")
    location, _, frag = url.strip().partition("#")
    sha = frag.partition("=")[2] if frag.startswith("sha256=") else None
    version = _wheel_version(location) or ""
    return LockedPip(name=canonical_pip(name.strip()), version=version, location=location,
                     sha256=sha.lower() if sha else None)


def _wheel_version(location: str) -> str | None:
    filename = location.rsplit("/", 1)[-1]
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        return parts[1] if len(parts) >= 5 else None
    for suffix in (".tar.gz", ".zip", ".tar.bz2"):
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            return stem.rpartition("-")[2] or None
    return None


def parse_explicit(text: str, *, source: str = "<text>") -> PackageList:
    """The text of an ``@EXPLICIT`` file -> its packages in file order (pure).

    Raises :class:`SpecError` naming ``source:line`` at the first line that is not a
    comment, the marker, or a package URL; a package named twice is an error too.
    """
    from labtools.spec.locks import PackageList

    platform = None
    marker_line = 0
    packages: list[LockedPackage] = []
    pip: list[LockedPip] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{source}:{number}"
        if not line:
            continue
        if line.startswith("#"):
            body = line[1:].strip()
            key, _, value = body.partition(":")
            if key.strip() == "platform" and value.strip():
                platform = value.strip()
            elif marker_line and body.startswith("pip "):
                pip.append(_pip_comment(body[4:].strip(), where))
            continue
        if line == EXPLICIT_MARKER:
            if marker_line:
                raise SpecError(f"{where}: a second {EXPLICIT_MARKER} line (first on line "
                                f"{marker_line})", hint="keep one marker")
            marker_line = number
            continue
        if not marker_line:
            raise SpecError(f"{where}: {line[:80]!r} comes before the {EXPLICIT_MARKER} line",
                            hint="an explicit file starts with comments, then @EXPLICIT, "
                                 "then one URL per line")
        pkg = parse_archive_url(line, where=where, line=number)
        if pkg.name in seen:
            raise SpecError(f"{where}: package {pkg.name!r} is listed twice (also on line "
                            f"{seen[pkg.name]})", hint="keep one URL per package")
        seen[pkg.name] = number
        packages.append(pkg)
    if not marker_line:
        raise SpecError(f"{source}:1: no {EXPLICIT_MARKER} line, so this is not an explicit file",
                        hint="export one with `labtools spec lock ENV` or "
                             "`conda list --explicit --md5`")
    return PackageList(kind="explicit", source=source, platform=platform,
                       packages=tuple(packages), pip=tuple(pip))


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
