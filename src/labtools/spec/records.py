"""What an environment holds, read from disk: conda-meta records and pip dist-info.

Pure parsers (``parse_conda_record``, ``parse_dist_info``, ``channel_name``) take
text or mappings; the readers (``read_conda_records``, ``read_pip_records``,
``read_prefix``) do the file I/O and turn every malformed file into a one-line
:class:`SpecError` that names it. Works for conda, mamba, micromamba, pixi and
rattler-built prefixes; nothing here needs conda or rattler installed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.errors import EnvError, SpecError

KNOWN_SUBDIRS = frozenset({
    "noarch", "linux-64", "linux-aarch64", "linux-ppc64le", "linux-s390x", "linux-32",
    "linux-armv6l", "linux-armv7l", "linux-riscv64", "osx-64", "osx-arm64", "win-64",
    "win-32", "win-arm64", "emscripten-wasm32", "wasi-wasm32", "zos-z",
})
_ANACONDA_ORG = re.compile(r"^https?://conda\.anaconda\.org/(.+)$")
_DEFAULTS = re.compile(r"^(?:https?://repo\.anaconda\.com/)?pkgs/(?:main|r|msys2|free|pro)$")


@dataclass(frozen=True)
class CondaRecord:
    """One ``conda-meta/*.json`` record."""

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
    """A conda-meta JSON document -> :class:`CondaRecord` (pure)."""
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


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path}: {exc}", hint="check its permissions") from None


def conda_meta_of(prefix: Path) -> Path:
    meta = prefix / "conda-meta"
    if not meta.is_dir():
        if not prefix.is_dir():
            raise EnvError(f"no environment at {prefix}",
                           hint="give an existing env name or prefix (labtools env list)")
        raise EnvError(f"{prefix} has no conda-meta directory, so it is not a conda environment",
                       hint="give the prefix of a conda, mamba, pixi or labtools environment")
    return meta


def read_conda_records(prefix: Path) -> tuple[CondaRecord, ...]:
    """Every ``conda-meta/*.json`` of *prefix*, sorted by name."""
    records = []
    for path in sorted(conda_meta_of(prefix).glob("*.json")):
        text = _read_text(path) or ""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"corrupt conda record {path}: {exc.msg} at line {exc.lineno}",
                            hint="reinstall that package or delete the file") from None
        if not isinstance(data, dict):
            raise SpecError(f"corrupt conda record {path}: not a JSON object",
                            hint="reinstall that package or delete the file")
        records.append(parse_conda_record(data, source=str(path)))
    return tuple(sorted(records, key=lambda r: r.name.lower()))


def read_pip_records(
    site_packages: Path | None, prefix: Path, conda_files: Iterable[str] = ()
) -> tuple[PipRecord, ...]:
    """dist-infos installed by something other than conda and owned by no conda record."""
    if site_packages is None or not site_packages.is_dir():
        return ()
    owned = frozenset(conda_files)
    rel_site = site_packages.relative_to(prefix).as_posix() if site_packages.is_relative_to(
        prefix) else None
    found = []
    for dist in sorted(site_packages.glob("*.dist-info")):
        if rel_site is not None and f"{rel_site}/{dist.name}/METADATA" in owned:
            continue
        installer = _read_text(dist / "INSTALLER")
        if installer is not None and installer.strip() == "conda":
            continue
        metadata = _read_text(dist / "METADATA")
        if metadata is None:
            raise SpecError(f"{dist} has no METADATA", hint="reinstall the package with pip")
        record = _read_text(dist / "RECORD")
        if record is None:
            raise SpecError(f"{dist} has no RECORD file, so its files are unknown",
                            hint="reinstall the package with pip (pip install --force-reinstall)")
        found.append(parse_dist_info(
            source=str(dist), metadata=metadata, installer=installer, record=record,
            direct_url=_read_text(dist / "direct_url.json"),
            requested=(dist / "REQUESTED").exists(),
        ))
    return tuple(sorted(found, key=lambda r: r.name.lower()))


@dataclass(frozen=True)
class PrefixState:
    """Everything labtools reads from a prefix to describe it."""

    prefix: Path
    conda: tuple[CondaRecord, ...]
    pip: tuple[PipRecord, ...]
    history_text: str | None


def read_prefix(prefix: Path | str) -> PrefixState:
    """Read conda-meta records, ``conda-meta/history`` and foreign dist-infos of *prefix*."""
    from labtools.envs.inspect import site_packages_of

    root = Path(prefix).expanduser().absolute()
    conda = read_conda_records(root)
    files = [f for record in conda for f in record.files]
    pip = read_pip_records(site_packages_of(root), root, files)
    history = _read_text(root / "conda-meta" / "history")
    return PrefixState(prefix=root, conda=conda, pip=pip, history_text=history)
