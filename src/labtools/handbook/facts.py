"""Facts about the build's world: the labtools source tree, the environment, the commit."""

from __future__ import annotations

import functools
import importlib.metadata
from pathlib import Path

import labtools
from labtools import process
from labtools.errors import LabtoolsError
from labtools.handbook.stamp import digest, env_hash


@functools.cache
def labtools_tree_hash() -> str:
    """Hash of every source file of the running labtools package."""
    root = Path(labtools.__file__).parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".py", ".typed"})
    parts: list[str | bytes] = []
    for path in files:
        parts.append(str(path.relative_to(root)))
        parts.append(path.read_bytes())
    return digest(parts)[:16]


@functools.cache
def environment_hash() -> str:
    """Hash of the installed distributions (name, version) of this interpreter's environment."""
    dists = []
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            dists.append((str(name), str(dist.version)))
    return env_hash(dists)


def git_commit(project: Path) -> str:
    """The project's commit, with ``-dirty`` when tracked files changed; ``unknown`` outside git."""
    try:
        head = process.run(["git", "rev-parse", "HEAD"], cwd=project, timeout=30).stdout.strip()
        status = process.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=project, timeout=30
        ).stdout.strip()
    except LabtoolsError:
        return "unknown"
    return f"{head}-dirty" if status else head
