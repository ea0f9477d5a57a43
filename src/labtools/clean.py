"""``clean_caches``: find package caches and orphan kernels, and free what is safe.

A package cache file that is hard-linked into an environment (``st_nlink`` higher
than the links inside the cache) frees nothing when deleted, and deleting its
package would only cost a re-download later; such packages are *in use* and kept.
The cache is judged unit by unit (an extracted package, a tarball, a repodata file)
by the pure :func:`account`; the I/O shell walks the disk and deletes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: cache kind -> depth of a deletable unit below the cache root
UNIT_DEPTH = {"engine": 2, "conda": 1, "pixi": 2, "pip": 1, "uv": 2}


@dataclass(frozen=True)
class FileInfo:
    """One regular file in a cache (``parts`` relative to the cache root)."""

    parts: tuple[str, ...]
    inode: tuple[int, int]
    size: int
    nlink: int


@dataclass(frozen=True)
class UnitUsage:
    size: int
    reclaimable: int
    in_use: bool


@dataclass(frozen=True)
class CacheReport:
    kind: str
    path: Path
    exists: bool
    size: int
    reclaimable: int
    units: int
    in_use: int
    freed: int


@dataclass(frozen=True)
class OrphanKernel:
    name: str
    resource_dir: Path
    points_at: str
    removed: bool


@dataclass(frozen=True)
class CleanReport:
    dry_run: bool
    caches: tuple[CacheReport, ...]
    orphan_kernels: tuple[OrphanKernel, ...]

    @property
    def size(self) -> int:
        return sum(c.size for c in self.caches)

    @property
    def reclaimable(self) -> int:
        return sum(c.reclaimable for c in self.caches)

    @property
    def freed(self) -> int:
        return sum(c.freed for c in self.caches)


def account(files: Iterable[FileInfo], depth: int) -> dict[tuple[str, ...], UnitUsage]:
    """Size and reclaimable bytes per unit (the first *depth* path parts) (pure).

    Each inode counts once. Its bytes are reclaimable only when every one of its links
    lies inside the cache; otherwise an environment uses it and its unit is in use.
    """
    listed = list(files)
    links_inside: dict[tuple[int, int], int] = {}
    for f in listed:
        links_inside[f.inode] = links_inside.get(f.inode, 0) + 1
    seen: set[tuple[int, int]] = set()
    size: dict[tuple[str, ...], int] = {}
    free: dict[tuple[str, ...], int] = {}
    used: dict[tuple[str, ...], bool] = {}
    for f in listed:
        unit = f.parts[:depth] if len(f.parts) > depth else f.parts
        size.setdefault(unit, 0)
        free.setdefault(unit, 0)
        outside = links_inside[f.inode] < f.nlink
        used[unit] = used.get(unit, False) or outside
        if f.inode in seen:
            continue
        seen.add(f.inode)
        size[unit] += f.size
        if not outside:
            free[unit] += f.size
    return {u: UnitUsage(size[u], 0 if used[u] else free[u], used[u]) for u in size}


def scan(root: Path) -> list[FileInfo]:
    """Every regular file under *root* (symlinks are not followed)."""
    found: list[FileInfo] = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            try:
                st = path.lstat()
            except OSError:
                continue
            if not path.is_symlink() and path.is_file():
                found.append(FileInfo(path.relative_to(root).parts, (st.st_dev, st.st_ino),
                                      st.st_size, st.st_nlink))
    return found


def _conda_pkgs_dirs(environ: Mapping[str, str]) -> list[Path]:
    """conda-format package caches: the variables, ~/.conda/pkgs, and what each installed
    conda, mamba and micromamba reports through its backend (its own ``info --json``)."""
    from labtools import process
    from labtools.envs.backends import AUTO_ORDER, get_backend

    dirs = [Path(p) for p in environ.get("CONDA_PKGS_DIRS", "").split(",") if p.strip()]
    dirs.append(Path.home() / ".conda" / "pkgs")
    if environ.get("MAMBA_ROOT_PREFIX"):
        dirs.append(Path(environ["MAMBA_ROOT_PREFIX"]) / "pkgs")
    for tool in AUTO_ORDER:
        if process.which(tool) is not None:
            dirs += get_backend(tool).cache_dirs()
    return dirs


def cache_locations(environ: Mapping[str, str] | None = None) -> list[tuple[str, Path]]:
    """Where the package managers keep their caches here: (kind, folder), deduplicated."""
    import platformdirs

    from labtools.profile import load_profile

    env = os.environ if environ is None else environ
    found: list[tuple[str, Path]] = [("engine", load_profile().cache_dir)]
    found += [("conda", p) for p in _conda_pkgs_dirs(env)]
    found.append(("pixi", Path(env.get("RATTLER_CACHE_DIR")
                               or Path(platformdirs.user_cache_dir("rattler")) / "cache")))
    found.append(("pip", Path(env.get("PIP_CACHE_DIR") or platformdirs.user_cache_dir("pip"))))
    found.append(("uv", Path(env.get("UV_CACHE_DIR") or platformdirs.user_cache_dir("uv"))))
    seen: set[Path] = set()
    out = []
    for kind, path in found:
        key = path.expanduser().absolute()
        if key not in seen:
            seen.add(key)
            out.append((kind, key))
    return out


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def clean_cache(kind: str, root: Path, *, dry_run: bool) -> CacheReport:
    """Measure one cache; unless *dry_run*, delete its units that no environment uses."""
    if not root.is_dir():
        return CacheReport(kind, root, False, 0, 0, 0, 0, 0)
    usage = account(scan(root), UNIT_DEPTH.get(kind, 1))
    freed = 0
    if not dry_run:
        for unit, use in usage.items():
            if not use.in_use:
                _remove(root.joinpath(*unit))
                freed += use.reclaimable
    return CacheReport(
        kind=kind, path=root, exists=True, size=sum(u.size for u in usage.values()),
        reclaimable=sum(u.reclaimable for u in usage.values()), units=len(usage),
        in_use=sum(u.in_use for u in usage.values()), freed=freed)


def orphan_kernels(*, dry_run: bool) -> list[OrphanKernel]:
    """Kernels whose environment or interpreter is gone; removed unless *dry_run*."""
    from labtools.kernels.registry import list_kernels, remove_kernel

    found = []
    for entry in list_kernels().kernels:
        if entry.error or not entry.active:
            continue
        python = entry.python or ""
        gone_env = bool(entry.env_prefix) and entry.env_exists is False
        gone_python = os.path.isabs(python) and not os.path.exists(python)
        if not (gone_env or gone_python):
            continue
        if not dry_run:
            remove_kernel(entry.name)
        found.append(OrphanKernel(entry.name, entry.resource_dir,
                                  (entry.env_prefix or "") if gone_env else python,
                                  not dry_run))
    return found


def clean_caches(
    *, dry_run: bool = True, caches: Iterable[tuple[str, Path]] | None = None,
    kernels: bool = True,
) -> CleanReport:
    """Report (and unless *dry_run*, free) package caches and orphan kernels."""
    where = list(caches) if caches is not None else cache_locations()
    return CleanReport(
        dry_run=dry_run,
        caches=tuple(clean_cache(kind, path, dry_run=dry_run) for kind, path in where),
        orphan_kernels=tuple(orphan_kernels(dry_run=dry_run) if kernels else ()),
    )
