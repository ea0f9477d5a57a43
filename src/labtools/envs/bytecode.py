"""Byte-compile an environment once per package, then reuse the bytecode in every env.

rattler installs no ``.pyc`` files, and compiling a whole env on every create costs far
more than installing it. Here each package's ``.py`` files are compiled once into
*checked-hash* pycs (valid wherever the source lands, unlike timestamp pycs) and kept in a
cache beside the package cache, keyed on the package's hash and the interpreter's tag.
Later creates hard-link those pycs into place.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from labtools import process
from labtools.envs.prefix import Prefix

_PY_DIR = re.compile(r"^lib/python(\d+)\.(\d+)/")
COMPLETE = ".complete"


@dataclass(frozen=True)
class CompileStats:
    reused: int  # packages whose bytecode came from the cache
    compiled: int  # packages compiled now
    files: int  # pyc files placed into the env


@dataclass(frozen=True)
class PackageSources:
    key: str
    sources: tuple[str, ...]  # prefix-relative .py paths


def pyc_path(source: str, tag: str) -> str:
    """``lib/x/mod.py`` -> ``lib/x/__pycache__/mod.<tag>.pyc`` (what importlib looks for)."""
    head, _, name = source.rpartition("/")
    stem = name[:-3]
    return f"{head}/__pycache__/{stem}.{tag}.pyc" if head else f"__pycache__/{stem}.{tag}.pyc"


def packages_with_sources(prefix: Path) -> tuple[str | None, list[PackageSources]]:
    """The interpreter tag (``cpython-311``) and, per installed package, its ``.py`` files."""
    tag: str | None = None
    found: list[PackageSources] = []
    for record in Prefix(prefix).records():
        sources = []
        for rel in record.files:
            match = _PY_DIR.match(rel)
            if match and rel.endswith(".py") and "/__pycache__/" not in rel:
                tag = tag or f"cpython-{match[1]}{match[2]}"
                sources.append(rel)
        if sources:
            digest = record.sha256 or record.md5 or ""
            key = f"{record.name}-{record.version}-{record.build}-{digest[:16]}"
            found.append(PackageSources(key, tuple(sources)))
    return tag, found


class _Placer:
    """Hard-links files into place, creating each parent folder once (hot path: ~2000 files)."""

    def __init__(self) -> None:
        self.made: set[str] = set()

    def place(self, src: str, dst: str) -> bool:
        """Link (or copy) *src* to *dst*; False when *src* does not exist."""
        parent = os.path.dirname(dst)
        if parent not in self.made:
            os.makedirs(parent, exist_ok=True)
            self.made.add(parent)
        try:
            os.link(src, dst)
        except FileExistsError:
            pass
        except FileNotFoundError:
            return False
        except OSError:
            shutil.copy2(src, dst)
        return True


def _compile(prefix: Path, python: Path, sources: Iterable[str]) -> None:
    listing = "\n".join(str(prefix / rel) for rel in sources) + "\n"
    process.run(
        [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "checked-hash",
         "-i", "-"],
        input=listing,
        check=False,  # a file that does not compile (py2 leftovers in a wheel) is not fatal
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
        timeout=1800,
    )


def compile_prefix(prefix: Path, cache_dir: Path | None) -> CompileStats:
    """Give every ``.py`` of every package in *prefix* its pyc, from *cache_dir* when possible."""
    python = prefix / "bin" / "python"
    tag, packages = packages_with_sources(prefix)
    if tag is None or not python.exists():
        return CompileStats(0, 0, 0)
    root = cache_dir / "labtools-pyc" / tag if cache_dir is not None else None
    fresh = [p for p in packages if root is None or not (root / p.key / COMPLETE).exists()]
    if fresh:
        _compile(prefix, python, (rel for p in fresh for rel in p.sources))
    placed = 0
    placer = _Placer()
    base = str(prefix)
    for package in packages:
        entry = str(root / package.key) if root is not None else None
        cached = entry is not None and os.path.exists(os.path.join(entry, COMPLETE))
        for rel in package.sources:
            pyc = pyc_path(rel, tag)
            in_env = os.path.join(base, pyc)
            if cached:
                assert entry is not None
                placed += placer.place(os.path.join(entry, pyc), in_env)
            elif os.path.exists(in_env):
                placed += 1
                if entry is not None:
                    placer.place(in_env, os.path.join(entry, pyc))
        if entry is not None and not cached:
            os.makedirs(entry, exist_ok=True)
            Path(entry, COMPLETE).touch()
    return CompileStats(reused=len(packages) - len(fresh), compiled=len(fresh), files=placed)
