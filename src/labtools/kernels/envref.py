"""Find an environment by name or path, and ask its interpreter what it is.

An ENV argument is a path (a conda-style prefix with package records, or a venv with
``pyvenv.cfg``) or a name looked up in the environment directories (see :func:`env_dirs`).
The env itself is read through :class:`labtools.envs.prefix.Prefix`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from labtools.envs.listing import envs_dirs
from labtools.envs.listing import resolve_env as lookup
from labtools.envs.prefix import Prefix
from labtools.errors import CommandFailedError, EnvError, ToolNotFoundError
from labtools.kernels.spec import package_set_hash

PROBE_CODE = (
    "import sys, json, importlib.util as u; "
    "print(json.dumps({'executable': sys.executable, 'prefix': sys.prefix, "
    "'version': '%d.%d.%d' % sys.version_info[:3], "
    "'ipykernel': u.find_spec('ipykernel') is not None}))"
)


@dataclass(frozen=True)
class EnvRef:
    """An environment on disk: its semantic name, prefix, kind and interpreter."""

    name: str
    prefix: Path
    kind: str
    python: Path


@dataclass(frozen=True)
class PythonProbe:
    """What an interpreter says about itself when run."""

    executable: str
    prefix: str
    version: str
    has_ipykernel: bool


def env_dirs() -> list[Path]:
    """Directories that hold named environments, in lookup order (the profile's env root,
    ``$CONDA_ENVS_PATH``, ``~/.conda/envs``, ...; see :func:`labtools.envs.listing.envs_dirs`)."""
    return [folder for folder, _ in envs_dirs()]


def _looks_like_path(text: str) -> bool:
    return os.sep in text or text.startswith(".") or text.startswith("~")


def resolve_env(env: str | os.PathLike[str]) -> EnvRef:
    """Resolve an env name or path to an :class:`EnvRef`; raise :class:`EnvError` if absent."""
    text = os.fspath(env)
    if _looks_like_path(text) or (Path(text).is_dir() and not _by_name(text)):
        prefix = Path(text).expanduser()
        if not prefix.is_dir():
            raise EnvError(f"no environment at {prefix}",
                           hint="create it first (labtools env create) or check the path")
    else:
        found = _by_name(text)
        if found is None:
            searched = ", ".join(str(d) for d in env_dirs())
            raise EnvError(
                f"no environment named {text!r} (searched {searched})",
                hint="give the environment's path, or create it with `labtools env create`",
            )
        prefix = found
    prefix = prefix.absolute()
    kind = Prefix(prefix).kind()
    python = Prefix(prefix).python()
    if python is None:
        raise EnvError(
            f"{prefix} has no bin/python, so it cannot run a Python kernel",
            hint="install python into it (conda: `python` package; venv: recreate it)",
        )
    return EnvRef(name=prefix.name, prefix=prefix, kind=kind, python=python)


def _by_name(name: str) -> Path | None:
    """Conda-style envs through labtools.envs (ambiguity is an error), then venvs too."""
    try:
        return lookup(name)
    except EnvError as exc:
        if "no environment named" not in exc.message:
            raise
    for directory in env_dirs():
        candidate = Prefix(directory / name)
        if candidate.exists() and (candidate.kind() != "plain" or candidate.python()):
            return candidate.path
    return None


def probe_python(
    python: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> PythonProbe:
    """Run *python* once and report its executable, prefix, version and ipykernel presence.

    Raises :class:`EnvError` when it is missing or is not a working Python.
    """
    from labtools import process

    exe = os.fspath(python)
    if os.sep in exe and not os.path.exists(exe):
        raise EnvError(f"{exe} does not exist",
                       hint="the environment was moved or deleted; re-create or re-register it")
    try:
        done = process.run([exe, "-c", PROBE_CODE], env=env, timeout=timeout)
        data = json.loads(done.stdout.strip().splitlines()[-1])
    except ToolNotFoundError:
        raise EnvError(f"{exe} does not exist",
                       hint="the environment was moved or deleted; re-create or re-register it"
                       ) from None
    except (CommandFailedError, OSError, ValueError, IndexError) as exc:
        raise EnvError(f"{exe} is not a working Python interpreter ({exc})",
                       hint="re-create the environment or point the kernel at another one"
                       ) from None
    return PythonProbe(
        executable=str(data["executable"]),
        prefix=str(data["prefix"]),
        version=str(data["version"]),
        has_ipykernel=bool(data["ipykernel"]),
    )


def package_records(prefix: Path) -> list[str]:
    """Identifiers of what is installed: package records and site-packages dist-infos."""
    env = Prefix(prefix)
    records = [p.stem for p in env.record_paths()] if env.is_env() else []
    return records + env.dist_info_names()


def env_package_hash(prefix: Path) -> str:
    return package_set_hash(package_records(prefix))


def python_version_on_disk(prefix: Path) -> str | None:
    """``X.Y`` from ``lib/pythonX.Y`` (no process started), or None."""
    return Prefix(prefix).python_version()
