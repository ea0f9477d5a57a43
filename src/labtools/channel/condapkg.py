"""Write conda packages (``.conda``: a zip of zstd-compressed tars) from a staged folder.

A staged folder holds the files exactly as they land in an environment's prefix. The
builder adds ``info/index.json``, ``info/paths.json``, ``info/files`` and, for
``noarch: python`` packages, ``info/link.json``, then writes the two ``.tar.zst``
members directly with zstd (no ``.tar.bz2`` detour).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ZSTD_LEVEL = 6


@dataclass(frozen=True)
class PackageMeta:
    """What goes into ``info/index.json`` (and ``info/link.json`` for noarch python)."""

    name: str
    version: str
    build: str
    subdir: str
    depends: tuple[str, ...] = ()
    noarch: str | None = None
    entry_points: tuple[str, ...] = ()
    license: str | None = None
    summary: str | None = None
    build_number: int = 0
    # relative path -> placeholder string rattler replaces with the target prefix (text mode)
    placeholders: Mapping[str, str] = field(default_factory=dict)

    @property
    def dist_name(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"

    def index_json(self) -> dict[str, Any]:
        arch, _, plat = self.subdir.partition("-")
        index: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "build": self.build,
            "build_number": self.build_number,
            "depends": list(self.depends),
            "subdir": self.subdir,
            "arch": None if self.subdir == "noarch" else {"64": "x86_64"}.get(plat, plat),
            "platform": None if self.subdir == "noarch" else arch,
            "timestamp": 1_700_000_000_000,
        }
        if self.noarch:
            index["noarch"] = self.noarch
        if self.license:
            index["license"] = self.license
        return index


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def staged_files(stage: Path) -> list[str]:
    """Every file and symlink under *stage*, as sorted POSIX paths relative to it."""
    found: list[str] = []
    for root, dirs, files in os.walk(stage):
        base = Path(root)
        for name in files + [d for d in dirs if (base / d).is_symlink()]:
            found.append((base / name).relative_to(stage).as_posix())
    return sorted(found)


def paths_json(
    stage: Path, files: Iterable[str], placeholders: Mapping[str, str]
) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    for rel in files:
        path = stage / rel
        if path.is_symlink():
            entries.append({"_path": rel, "path_type": "softlink", "size_in_bytes": 0})
            continue
        entry: dict[str, Any] = {
            "_path": rel,
            "path_type": "hardlink",
            "sha256": _sha256(path),
            "size_in_bytes": path.stat().st_size,
        }
        if rel in placeholders:
            entry["prefix_placeholder"] = placeholders[rel]
            entry["file_mode"] = "text"
        entries.append(entry)
    return {"paths": entries, "paths_version": 1}


def _info_members(meta: PackageMeta, stage: Path, files: list[str]) -> dict[str, bytes]:
    members = {
        "info/index.json": json.dumps(meta.index_json(), indent=2).encode(),
        "info/paths.json": json.dumps(paths_json(stage, files, meta.placeholders)).encode(),
        "info/files": ("\n".join(files) + "\n").encode(),
        "info/about.json": json.dumps(
            {"summary": meta.summary or "", "license": meta.license or ""}
        ).encode(),
    }
    if meta.noarch == "python":
        link = {
            "noarch": {"type": "python", "entry_points": list(meta.entry_points)},
            "package_metadata_version": 1,
        }
        members["info/link.json"] = json.dumps(link).encode()
    if meta.placeholders:
        lines = [f"{meta.placeholders[p]} text {p}" for p in sorted(meta.placeholders)]
        members["info/has_prefix"] = ("\n".join(lines) + "\n").encode()
    return members


def _normalized(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 1_700_000_000
    return info


def _zstd_tar(add: Any) -> bytes:
    """Run *add(tar)* against a tar stream compressed with zstd; return the bytes."""
    import zstandard

    raw = io.BytesIO()
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    with compressor.stream_writer(raw, closefd=False) as zout, tarfile.open(
        fileobj=zout, mode="w|", format=tarfile.PAX_FORMAT
    ) as tar:
        add(tar)
    return raw.getvalue()


def build_conda(stage: Path, meta: PackageMeta, out_dir: Path) -> Path:
    """Write ``<out_dir>/<name>-<version>-<build>.conda`` from the staged prefix files."""
    files = staged_files(stage)
    info = _info_members(meta, stage, files)

    def add_info(tar: tarfile.TarFile) -> None:
        for name, data in info.items():
            entry = _normalized(tarfile.TarInfo(name))
            entry.size = len(data)
            entry.mode = 0o644
            tar.addfile(entry, io.BytesIO(data))

    def add_pkg(tar: tarfile.TarFile) -> None:
        for rel in files:
            tar.add(stage / rel, arcname=rel, recursive=False, filter=_normalized)

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{meta.dist_name}.conda"
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("metadata.json", json.dumps({"conda_pkg_format_version": 2}))
        zf.writestr(f"info-{meta.dist_name}.tar.zst", _zstd_tar(add_info))
        zf.writestr(f"pkg-{meta.dist_name}.tar.zst", _zstd_tar(add_pkg))
    partial.replace(target)
    return target
