"""Find an environment by name or path, and ask its interpreter what it is.

An ENV argument is a path (a conda-style prefix with ``conda-meta/`` or a venv with
``pyvenv.cfg``) or a name looked up in the environment directories (see :func:`env_dirs`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from labtools.envs.inspect import env_kind, python_dirs, python_of, site_packages_of
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
    """Directories that hold named environments, in lookup order.

    Those of :func:`labtools.envs.listing.envs_dirs` (the profile's env root,
    ``$CONDA_ENVS_PATH``, ``~/.conda/envs``, ...), else ``$CONDA_ENVS_PATH`` and
    ``~/.conda/envs``.
    """
    try:
        from labtools.envs.listing import envs_dirs
    except ImportError:
        dirs = [Path(p) for p in os.environ.get("CONDA_ENVS_PATH", "").split(os.pathsep) if p]
        return [*dirs, Path.home() / ".conda" / "envs"]
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
    kind = env_kind(prefix)
    python = python_of(prefix)
    if python is None:
        raise EnvError(
            f"{prefix} has no bin/python, so it cannot run a Python kernel",
            hint="install python into it (conda: `python` package; venv: recreate it)",
        )
    return EnvRef(name=prefix.name, prefix=prefix, kind=kind, python=python)


def _by_name(name: str) -> Path | None:
    """Conda-style envs through labtools.envs (ambiguity is an error), then venvs too."""
    try:
        from labtools.envs.listing import resolve_env as lookup
    except ImportError:
        pass
    else:
        try:
            return lookup(name)
        except EnvError as exc:
            if "no environment named" not in exc.message:
                raise
    for directory in env_dirs():
        candidate = directory / name
        if candidate.is_dir() and ((candidate / "conda-meta").is_dir()
                                   or (candidate / "pyvenv.cfg").is_file()
                                   or (candidate / "bin" / "python").exists()):
            return candidate
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
    """Identifiers of what is installed: conda-meta records and site-packages dist-infos."""
    records: list[str] = []
    meta = prefix / "conda-meta"
    if meta.is_dir():
        records += [p.stem for p in meta.glob("*.json")]
    site = site_packages_of(prefix)
    if site is not None:
        records += [p.name for p in site.glob("*.dist-info")]
    return records


def env_package_hash(prefix: Path) -> str:
    return package_set_hash(package_records(prefix))


def python_version_on_disk(prefix: Path) -> str | None:
    """``X.Y`` from ``lib/pythonX.Y`` (no process started), or None."""
    found = python_dirs(prefix)
    return ".".join(map(str, found[0][0])) if found else None
