"""Find environments without calling conda, resolve NAME|PATH, and remove them safely.

Sources: the profile's envs root, conda's envs dirs (``CONDA_ENVS_PATH``/``CONDA_ENVS_DIRS``,
``~/.conda/envs``, the usual Miniforge/Miniconda/Anaconda installs) and
``~/.conda/environments.txt``. An env whose create or update did not finish (its
in-progress marker is there and nobody holds its lock) is listed as ``incomplete``,
never as a good env; so is a name whose interrupted create left only its marker.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from labtools import process
from labtools.envs import transaction
from labtools.envs.backends import get_backend
from labtools.envs.create import environments_txt
from labtools.envs.lock import env_lock
from labtools.envs.prefix import Prefix, remove_tree
from labtools.errors import EnvError, SpecError

_INSTALLS = ("miniforge3", "miniconda3", "anaconda3", "mambaforge", "micromamba")
_MARKER_SUFFIX = ".labtools-incomplete"


@dataclass(frozen=True)
class EnvEntry:
    """One environment found on this machine.

    ``status``: ``ok``, ``incomplete`` (a create or update did not finish) or ``broken``
    (a record cannot be read; ``detail`` names the file).
    """

    name: str
    prefix: Path
    source: str
    python_version: str | None
    is_base: bool
    status: str = "ok"
    detail: str | None = None


@dataclass(frozen=True)
class RemovedEnv:
    name: str
    prefix: Path
    backend: str


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


def _candidates(root: Path | None) -> Iterator[tuple[Path, str]]:
    for folder, source in envs_dirs(root):
        if not folder.is_dir():
            continue
        for child in sorted(folder.iterdir()):
            if not child.name.startswith("."):
                yield child, source
            elif child.name.endswith(_MARKER_SUFFIX):
                yield folder / child.name[1: -len(_MARKER_SUFFIX)], source
    home = Path.home()
    for install in _INSTALLS:
        yield home / install, f"~/{install}"
    txt = home / ".conda" / "environments.txt"
    if txt.is_file():
        for line in txt.read_text(errors="replace").splitlines():
            if line.strip():
                yield Path(line.strip()), "~/.conda/environments.txt"


def _incomplete_detail(env: Prefix) -> str | None:
    marker = env.incomplete()
    if marker is None:
        return None
    operation = marker.get("operation", "change")
    fix = (f"`labtools env create {env.name} ...` or `labtools env remove {env.name}` "
           "cleans it up") if operation == "create" else \
        f"`labtools env rollback {env.path}` restores it"
    return f"its {operation} (pid {marker.get('pid', '?')}) did not finish; {fix}"


def list_envs(*, root: Path | str | None = None) -> tuple[EnvEntry, ...]:
    """Every environment found, each once, sorted by name (incomplete ones marked)."""
    seen: dict[Path, EnvEntry] = {}
    for path, source in _candidates(Path(root).expanduser() if root else None):
        env = Prefix(path)
        detail = _incomplete_detail(env)
        if detail is None and not env.is_env():
            continue
        key = env.path.resolve()
        if key in seen:
            continue
        base = detail is None and env.is_base()
        status = "ok" if detail is None else "incomplete"
        if status == "ok":
            try:
                env.records()  # every record readable: never list a broken env as good
            except SpecError as exc:
                status, detail = "broken", exc.one_line()
        seen[key] = EnvEntry(
            name="base" if base else env.name, prefix=env.path, source=source,
            python_version=env.python_version() if env.exists() else None, is_base=base,
            status=status, detail=detail)
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


def resolve_complete(target: str | Path, *, root: Path | str | None = None) -> Prefix:
    """Like :func:`resolve_env`, but an incomplete env is an error that says the fix."""
    env = Prefix(resolve_env(target, root=root))
    detail = _incomplete_detail(env)
    if detail is not None:
        raise EnvError(f"{env.path} is incomplete: {detail}", hint="see labtools env list")
    return env


def remove_env(target: str | Path, *, root: Path | str | None = None,
               wait: bool = True) -> RemovedEnv:
    """Remove an environment through its own tool (refuses base and non-environments);
    an incomplete one is cleaned up."""
    if str(target) in ("base", "root"):
        raise EnvError("refusing to remove the base environment",
                       hint="remove the whole conda installation by hand if you mean it")
    env = Prefix(resolve_env(target, root=root))
    backend = "rattler"
    with env_lock(env.path, wait=wait):
        if transaction.clean_incomplete(env):
            return RemovedEnv(name=env.name, prefix=env.path, backend=backend)
        if not env.exists():
            raise EnvError(f"no environment at {env.path}", hint="see labtools env list")
        if not env.is_env():
            raise EnvError(f"{env.path} is not an environment (no package records inside)",
                           hint="labtools only removes conda environments")
        if env.is_base():
            raise EnvError(f"refusing to remove {env.path}: it is a conda installation's base",
                           hint="remove the whole installation by hand if you mean it")
        owner = env.owner()
        if owner != "rattler" and process.which(owner):
            get_backend(owner).remove_env(env.path)
            backend = owner
        if env.path.exists():
            trash = env.path.with_name(f".{env.name}.removing-{uuid.uuid4().hex[:8]}")
            env.path.rename(trash)
            remove_tree(trash)
    txt = environments_txt()
    if txt.is_file():
        kept = [line for line in txt.read_text().splitlines() if line.strip() != str(env.path)]
        txt.write_text("".join(f"{line}\n" for line in kept))
    return RemovedEnv(name=env.name, prefix=env.path, backend=backend)


__all__ = ["EnvEntry", "RemovedEnv", "envs_dirs", "list_envs", "remove_env",
           "resolve_complete", "resolve_env"]
