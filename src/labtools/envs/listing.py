"""Find environments without calling conda, resolve NAME|PATH, and remove them safely.

Sources: the profile's envs root, conda's envs dirs (``CONDA_ENVS_PATH``/``CONDA_ENVS_DIRS``,
``~/.conda/envs``, the usual Miniforge/Miniconda/Anaconda installs) and
``~/.conda/environments.txt``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from labtools.errors import EnvError

_INSTALLS = ("miniforge3", "miniconda3", "anaconda3", "mambaforge", "micromamba")


@dataclass(frozen=True)
class EnvEntry:
    """One environment found on this machine."""

    name: str
    prefix: Path
    source: str
    python_version: str | None
    is_base: bool


@dataclass(frozen=True)
class RemovedEnv:
    name: str
    prefix: Path


def is_env(prefix: Path) -> bool:
    return (prefix / "conda-meta").is_dir()


def is_base(prefix: Path) -> bool:
    """A conda installation's root (base) rather than a named environment."""
    return is_env(prefix) and any(
        (prefix / marker).exists() for marker in ("condabin", "pkgs/urls.txt", "bin/conda")
    )


def envs_dirs(root: Path | None = None) -> list[tuple[Path, str]]:
    """Folders whose children are environments, with where each came from."""
    from labtools.profile import load_profile

    found: list[tuple[Path, str]] = [(root or load_profile().envs_root, "labtools")]
    for var in ("CONDA_ENVS_PATH", "CONDA_ENVS_DIRS"):
        for part in os.environ.get(var, "").split(os.pathsep):
            if part:
                found.append((Path(part).expanduser(), var))
    home = Path.home()
    found.append((home / ".conda" / "envs", "~/.conda/envs"))
    found += [(home / install / "envs", f"~/{install}") for install in _INSTALLS]
    return found


def _python_version(prefix: Path) -> str | None:
    from labtools.envs.inspect import python_dirs

    dirs = python_dirs(prefix)
    return ".".join(map(str, dirs[0][0])) if dirs else None


def _candidates(root: Path | None) -> Iterator[tuple[Path, str]]:
    for folder, source in envs_dirs(root):
        if folder.is_dir():
            for child in sorted(folder.iterdir()):
                if not child.name.startswith("."):
                    yield child, source
    home = Path.home()
    for install in _INSTALLS:
        yield home / install, f"~/{install}"
    txt = home / ".conda" / "environments.txt"
    if txt.is_file():
        for line in txt.read_text(errors="replace").splitlines():
            if line.strip():
                yield Path(line.strip()), "~/.conda/environments.txt"


def list_envs(*, root: Path | str | None = None) -> tuple[EnvEntry, ...]:
    """Every environment found, each once, sorted by name."""
    seen: dict[Path, EnvEntry] = {}
    for prefix, source in _candidates(Path(root).expanduser() if root else None):
        if not is_env(prefix):
            continue
        key = prefix.resolve()
        if key in seen:
            continue
        base = is_base(prefix)
        seen[key] = EnvEntry(
            name="base" if base else prefix.name, prefix=prefix, source=source,
            python_version=_python_version(prefix), is_base=base,
        )
    return tuple(sorted(seen.values(), key=lambda e: (not e.is_base, e.name, str(e.prefix))))


def resolve_env(target: str | Path, *, root: Path | str | None = None) -> Path:
    """A NAME (looked up in :func:`list_envs`) or a PATH -> the prefix."""
    text = str(target)
    if os.sep in text or text.startswith((".", "~")):
        return Path(text).expanduser().absolute()
    matches = [e.prefix for e in list_envs(root=root) if e.name == text]
    if not matches:
        raise EnvError(f"no environment named {text!r}",
                       hint="see labtools env list, or pass a path")
    if len(matches) > 1:
        raise EnvError(f"{len(matches)} environments are named {text!r}: "
                       f"{', '.join(map(str, matches))}", hint="pass the path instead")
    return matches[0]


def remove_env(target: str | Path, *, root: Path | str | None = None) -> RemovedEnv:
    """Remove an environment; refuses base and anything that is not an environment."""
    from labtools.envs.create import environments_txt, remove_tree

    if str(target) in ("base", "root"):
        raise EnvError("refusing to remove the base environment",
                       hint="remove the whole conda installation by hand if you mean it")
    prefix = resolve_env(target, root=root)
    if not prefix.exists():
        raise EnvError(f"no environment at {prefix}", hint="see labtools env list")
    if not is_env(prefix):
        raise EnvError(f"{prefix} is not an environment (no conda-meta/ inside)",
                       hint="labtools only removes conda environments")
    if is_base(prefix):
        raise EnvError(f"refusing to remove {prefix}: it is a conda installation's base",
                       hint="remove the whole installation by hand if you mean it")
    trash = prefix.with_name(f".{prefix.name}.removing-{uuid.uuid4().hex[:8]}")
    prefix.rename(trash)
    remove_tree(trash)
    txt = environments_txt()
    if txt.is_file():
        kept = [line for line in txt.read_text().splitlines() if line.strip() != str(prefix)]
        txt.write_text("".join(f"{line}\n" for line in kept))
    return RemovedEnv(name=prefix.name, prefix=prefix)
