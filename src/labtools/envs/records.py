"""An environment's records as plain data: pure parsers, no file I/O.

:class:`CondaRecord` is one package record of a prefix (whichever tool wrote it:
conda, mamba, micromamba, pixi, rattler), :class:`PipRecord` one ``*.dist-info`` that
pip (or another installer) put there. :func:`record_from_rattler` turns rattler's
``PrefixRecord`` into a :class:`CondaRecord`; :func:`parse_conda_record` builds one
from a mapping (records made by hand, in tests); :func:`parse_dist_info` reads the
text of a dist-info's files. :class:`labtools.envs.prefix.Prefix` does the reading.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labtools.errors import SpecError

KNOWN_SUBDIRS = frozenset({
    "noarch", "linux-64", "linux-aarch64", "linux-ppc64le", "linux-s390x", "linux-32",
    "linux-armv6l", "linux-armv7l", "linux-riscv64", "osx-64", "osx-arm64", "win-64",
    "win-32", "win-arm64", "emscripten-wasm32", "wasi-wasm32", "zos-z",
})
_ANACONDA_ORG = re.compile(r"^https?://conda\.anaconda\.org/(.+)$")
_DEFAULTS = re.compile(r"^(?:https?://repo\.anaconda\.com/)?pkgs/(?:main|r|msys2|free|pro)$")


@dataclass(frozen=True)
class CondaRecord:
    """One package record of a prefix (one JSON file per package, whichever tool wrote it)."""

    name: str
    version: str
    build: str
    build_number: int
    channel: str
    subdir: str
    url: str | None
    md5: str | None
    sha256: str | None
    depends: tuple[str, ...]
    files: tuple[str, ...]
    requested_specs: tuple[str, ...]
    source: str

    @property
    def filename(self) -> str | None:
        return self.url.rsplit("/", 1)[-1] if self.url else None


@dataclass(frozen=True)
class PipRecord:
    """One ``*.dist-info`` directory in site-packages."""

    name: str
    version: str
    installer: str | None
    requested: bool
    direct_url: str | None
    editable: bool
    files: tuple[str, ...]
    source: str

    @property
    def requirement(self) -> str:
        """The line pip understands: ``name==ver``, ``name @ url`` or ``-e url``."""
        if self.direct_url and self.editable:
            return f"-e {self.direct_url}"
        if self.direct_url:
            return f"{self.name} @ {self.direct_url}"
        return f"{self.name}=={self.version}"


def channel_name(channel: str | None, url: str | None, subdir: str | None = None) -> str:
    """A record's channel as a user writes it: ``conda-forge``, ``defaults`` or a URL."""
    raw = (channel or "").strip()
    if not raw or raw in ("<unknown>", "@"):
        raw = url.rsplit("/", 1)[0] if url and "/" in url else ""
    raw = raw.rstrip("/")
    last = raw.rsplit("/", 1)[-1]
    if last in KNOWN_SUBDIRS or (subdir and last == subdir):
        raw = raw[: -len(last)].rstrip("/")
    if not raw:
        return "<unknown>"
    match = _ANACONDA_ORG.match(raw)
    if match:
        raw = match.group(1)
    if _DEFAULTS.match(raw):
        return "defaults"
    return raw


def _tuple_of_str(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return () if value in ("", "None") else (value,)
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if v not in (None, "", "None"))
    return ()


def parse_conda_record(data: Mapping[str, Any], *, source: str) -> CondaRecord:
    """A package record document (a mapping) -> :class:`CondaRecord` (pure)."""
    try:
        name, version, build = str(data["name"]), str(data["version"]), str(data["build"])
    except KeyError as exc:
        raise SpecError(f"conda record {source} has no {exc.args[0]!r} field",
                        hint="reinstall that package or delete the stray file") from None
    url = data.get("url") or None
    subdir = str(data.get("subdir") or "")
    if not subdir and url:
        parts = str(url).rsplit("/", 2)
        subdir = parts[-2] if len(parts) == 3 and parts[-2] in KNOWN_SUBDIRS else ""
    files = _tuple_of_str(data.get("files"))
    if not files and isinstance(data.get("paths_data"), Mapping):
        paths = data["paths_data"].get("paths") or []
        files = tuple(str(p.get("_path")) for p in paths if isinstance(p, Mapping))
    requested = _tuple_of_str(data.get("requested_specs"))
    if not requested:
        requested = _tuple_of_str(data.get("requested_spec"))
    try:
        build_number = int(data.get("build_number") or 0)
    except (TypeError, ValueError):
        build_number = 0
    return CondaRecord(
        name=name,
        version=version,
        build=build,
        build_number=build_number,
        channel=channel_name(data.get("channel"), str(url) if url else None, subdir),
        subdir=subdir,
        url=str(url) if url else None,
        md5=data.get("md5") or None,
        sha256=data.get("sha256") or None,
        depends=_tuple_of_str(data.get("depends")),
        files=files,
        requested_specs=requested,
        source=source,
    )


def _metadata_fields(text: str) -> tuple[str | None, str | None]:
    name = version = None
    for line in text.splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        if key == "Name":
            name = value.strip()
        elif key == "Version":
            version = value.strip()
        if name and version:
            break
    return name, version


def direct_url_spec(text: str, *, source: str) -> tuple[str | None, bool]:
    """``direct_url.json`` (PEP 610) -> (pip URL, editable)."""
    try:
        data = json.loads(text)
        url = str(data["url"])
    except (ValueError, KeyError, TypeError):
        raise SpecError(f"cannot read {source}: not a PEP 610 direct_url.json",
                        hint="reinstall the package with pip") from None
    if "vcs_info" in data:
        vcs = data["vcs_info"]
        ref = vcs.get("commit_id") or vcs.get("requested_revision")
        url = f"{vcs.get('vcs', 'git')}+{url}" + (f"@{ref}" if ref else "")
        return url, False
    if "archive_info" in data:
        info = data["archive_info"]
        digest = info.get("hash")
        if not digest and isinstance(info.get("hashes"), Mapping) and info["hashes"]:
            algo, value = sorted(info["hashes"].items())[0]
            digest = f"{algo}={value}"
        if url.startswith("file:"):
            return url, False
        return url + (f"#{digest}" if digest else ""), False
    editable = bool((data.get("dir_info") or {}).get("editable"))
    return url, editable


def parse_dist_info(
    *,
    source: str,
    metadata: str,
    installer: str | None,
    record: str | None,
    direct_url: str | None,
    requested: bool,
) -> PipRecord:
    """The text of a dist-info's files -> :class:`PipRecord` (pure)."""
    name, version = _metadata_fields(metadata)
    if not name or not version:
        raise SpecError(f"{source}/METADATA has no Name or Version",
                        hint="reinstall the package with pip")
    files: tuple[str, ...] = ()
    if record is not None:
        files = tuple(row[0] for row in csv.reader(io.StringIO(record)) if row)
    url, editable = (None, False)
    if direct_url is not None:
        url, editable = direct_url_spec(direct_url, source=f"{source}/direct_url.json")
    return PipRecord(
        name=name,
        version=version,
        installer=installer.strip() if installer else None,
        requested=requested,
        direct_url=url,
        editable=editable,
        files=files,
        source=source,
    )


def _hex(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return value.hex() or None
    return str(value) or None


def record_from_rattler(record: Any, *, source: str) -> CondaRecord:
    """rattler's ``PrefixRecord`` -> :class:`CondaRecord` (pure)."""
    url = str(record.url) if getattr(record, "url", None) else None
    subdir = str(record.subdir or "")
    requested = _tuple_of_str(list(getattr(record, "requested_specs", None) or []))
    if not requested:
        requested = _tuple_of_str(getattr(record, "requested_spec", None))
    return CondaRecord(
        name=str(record.name.normalized),
        version=str(record.version),
        build=str(record.build),
        build_number=int(record.build_number or 0),
        channel=channel_name(str(record.channel) if record.channel else None, url, subdir),
        subdir=subdir,
        url=url,
        md5=_hex(record.md5),
        sha256=_hex(record.sha256),
        depends=tuple(str(d) for d in record.depends or ()),
        files=tuple(str(f) for f in record.files or ()),
        requested_specs=requested,
        source=source,
    )


__all__ = ["KNOWN_SUBDIRS", "CondaRecord", "PipRecord", "channel_name", "direct_url_spec",
           "parse_conda_record", "parse_dist_info", "record_from_rattler"]
