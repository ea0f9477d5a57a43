"""Pure kernelspec logic: names, the kernel.json a registered env gets, parsing, shadowing.

Nothing here touches the disk or starts a process, so all of it is unit-tested on its own.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath, PurePosixPath
from typing import Any

from labtools.errors import SpecError

KERNEL_NAME_RE = re.compile(r"^[a-z0-9._-]+$", re.IGNORECASE)
_BAD_CHARS = re.compile(r"[^a-z0-9._-]+")
_VERSION_RE = re.compile(r"^(\d+)\.(\d+)")

LAUNCHER_ARGS = ("-m", "ipykernel_launcher", "-f", "{connection_file}")


def kernel_name_for(env_name: str) -> str:
    """A valid Jupyter kernel name for *env_name* (lower case; other chars become ``-``)."""
    name = _BAD_CHARS.sub("-", env_name.strip().lower()).strip("-")
    if not name:
        raise SpecError(
            f"cannot derive a kernel name from {env_name!r}",
            hint="pass --name with letters, digits, '.', '_' or '-'",
        )
    return name


def check_kernel_name(name: str) -> str:
    """Return *name* lower-cased, or raise when Jupyter would refuse it."""
    if not KERNEL_NAME_RE.match(name):
        raise SpecError(
            f"invalid kernel name {name!r}",
            hint="use only letters, digits, '.', '_' and '-'",
        )
    return name.lower()


def major_minor(version: str | None) -> str | None:
    """``"3.11.7"`` -> ``"3.11"``; None when it does not look like a version."""
    if not version:
        return None
    match = _VERSION_RE.match(version.strip())
    return f"{match[1]}.{match[2]}" if match else None


def display_name_for(python_version: str | None, env_name: str) -> str:
    """``Python 3.11 (py311-torch20)``: the version first, the environment in brackets."""
    short = major_minor(python_version)
    return f"Python {short} ({env_name})" if short else f"Python ({env_name})"


def package_set_hash(entries: Iterable[str]) -> str:
    """A short, order-independent hash of an environment's package records."""
    digest = hashlib.sha256("\n".join(sorted(set(entries))).encode()).hexdigest()
    return f"sha256:{digest[:16]}"


def kernelspec_for(
    env_prefix: str | PurePath,
    *,
    name: str,
    display_name: str,
    python: str | PurePath | None = None,
    kind: str = "conda",
    python_version: str | None = None,
    package_hash: str | None = None,
) -> dict[str, Any]:
    """The kernel.json content that runs the environment at *env_prefix* without activation.

    ``argv[0]`` is the environment's own interpreter; the ``env`` block puts its ``bin``
    first on PATH (``${PATH}`` is expanded by jupyter_client at launch) and sets
    ``CONDA_PREFIX`` (conda prefixes) or ``VIRTUAL_ENV`` (venvs), so subprocesses and
    compiled libraries resolve inside the environment. ``metadata.labtools`` records
    which environment the kernel belongs to, for ``labtools kernel check``.
    """
    prefix = str(env_prefix)
    executable = str(python) if python is not None else f"{prefix}/bin/python"
    env: dict[str, str] = {"PATH": f"{prefix}/bin:${{PATH}}"}
    if kind == "venv":
        env["VIRTUAL_ENV"] = prefix
    else:
        env["CONDA_PREFIX"] = prefix
        env["CONDA_DEFAULT_ENV"] = name
    labtools_meta: dict[str, Any] = {"env": prefix, "kind": kind, "kernel_name": name}
    if python_version:
        labtools_meta["python_version"] = python_version
    if package_hash:
        labtools_meta["package_hash"] = package_hash
    return {
        "argv": [executable, *LAUNCHER_ARGS],
        "display_name": display_name,
        "language": "python",
        "interrupt_mode": "signal",
        "env": env,
        "metadata": {"debugger": True, "labtools": labtools_meta},
    }


def parse_kernel_json(text: str, *, source: str = "kernel.json") -> dict[str, Any]:
    """Parse and minimally validate a kernel.json; raise :class:`SpecError` when broken."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"{source} is not valid JSON (line {exc.lineno}: {exc.msg})",
            hint="fix the file or remove the kernel with `labtools kernel remove NAME`",
        ) from None
    if not isinstance(data, dict):
        raise SpecError(f"{source} holds {type(data).__name__}, not an object",
                        hint="remove the kernel with `labtools kernel remove NAME`")
    argv = data.get("argv")
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise SpecError(f"{source} has no argv list of strings",
                        hint="re-register the kernel with `labtools kernel register ENV`")
    if not isinstance(data.get("display_name", ""), str):
        raise SpecError(f"{source} has a display_name that is not a string",
                        hint="re-register the kernel with `labtools kernel register ENV`")
    env = data.get("env", {})
    if not isinstance(env, dict):
        raise SpecError(f"{source} has an env block that is not an object",
                        hint="re-register the kernel with `labtools kernel register ENV`")
    return data


def expand_env(block: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    """Apply a kernelspec ``env`` block to *environ* the way jupyter_client does (``${VAR}``)."""
    from string import Template

    merged = dict(environ)
    for key, value in block.items():
        merged[key] = Template(str(value)).safe_substitute(environ)
    return merged


def env_prefix_of(spec: Mapping[str, Any]) -> str | None:
    """The environment a kernelspec points at: ``metadata.labtools.env``, else argv[0]'s prefix.

    Returns None when argv[0] is a bare command (``python``), resolved on PATH at launch.
    """
    meta = spec.get("metadata")
    if isinstance(meta, Mapping):
        lab = meta.get("labtools")
        if isinstance(lab, Mapping) and isinstance(lab.get("env"), str):
            return str(lab["env"])
    argv = spec.get("argv") or []
    if not argv:
        return None
    exe = PurePosixPath(str(argv[0]))
    if not exe.is_absolute():
        return None
    if exe.parent.name in ("bin", "Scripts"):
        return str(exe.parent.parent)
    return str(exe.parent)


def launch_executable(argv0: str, jupyter_python: str, version: tuple[int, int]) -> str:
    """What jupyter_client really starts: a bare ``python``/``python3``/``python3.11``
    becomes the interpreter that runs Jupyter itself (``sys.executable``)."""
    bare = {"python", f"python{version[0]}", f"python{version[0]}.{version[1]}"}
    return jupyter_python if argv0 in bare else argv0


def shadowed(entries: Sequence[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """For (name, path index) pairs, map each shadowed pair to the index of the winner.

    Jupyter uses the first path that defines a name; later definitions are shadowed.
    """
    winner: dict[str, int] = {}
    for name, index in sorted(entries, key=lambda e: e[1]):
        winner.setdefault(name, index)
    return {(n, i): winner[n] for n, i in entries if winner[n] != i}
