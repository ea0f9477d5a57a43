"""Which environment executed a tutorial: its name, the tool that made it, its lock hash.

A page's stamp says more than "some Python": ``labtools-dev``, created by ``micromamba
2.8.1``, lock ``3f2a...`` (a hash over every package record, so two envs with the same
hash hold the same builds), or ``.venv`` made by ``venv`` for ``make handbook`` without
any conda tool. :func:`describe_env` reads it from the prefix alone; :func:`creator`
and :func:`lock_hash` are the pure parts.
"""

from __future__ import annotations

import functools
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from labtools.handbook.stamp import digest

_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)*)")
#: tools whose history line "# conda version:" is their own version (mamba 2 writes 3.8.0)
_WRITES_OWN_VERSION = {"conda"}


@dataclass(frozen=True)
class ExecutionEnv:
    """The environment a kernel ran in."""

    name: str  # labtools-dev, .venv
    prefix: Path
    tool: str  # micromamba, mamba, conda, labtools, venv, unknown
    tool_version: str  # "" when unknown
    lock_hash: str

    def facts(self) -> dict[str, str]:
        """The stamp's ``environment`` entries (shown on every page)."""
        made = f"{self.tool} {self.tool_version}".strip()
        return {"env": self.name, "created by": made, "lock": self.lock_hash}


def creator(history: str) -> tuple[str, str]:
    """The tool (and its version, when the history says) of a prefix's first transaction.

    ``# cmd: /x/bin/micromamba create ...`` -> ``("micromamba", "")``; conda also writes
    ``# conda version: 26.7.1``; labtools writes ``# labtools version: 0.1.0``.
    """
    tool, version = "unknown", ""
    for line in history.splitlines():
        line = line.strip()
        if line.startswith("==>") and tool != "unknown":
            break  # only the transaction that created the env
        if line.startswith("# cmd:"):
            argv0 = line[len("# cmd:"):].split()[:1]
            name = Path(argv0[0]).name if argv0 else "unknown"
            tool = "conda" if name in ("conda", "__main__.py", "conda-script.py") else name
        elif line.startswith(("# conda version:", "# labtools version:")):
            kind = line.split()[1]
            if kind == "labtools" or tool in _WRITES_OWN_VERSION:
                version = line.split(":", 1)[1].strip()
    return tool, version


def lock_hash(conda: Iterable[tuple[str, str, str, str]], pip: Iterable[tuple[str, str, str]]
              ) -> str:
    """Hash over (name, version, build, sha256|md5) of conda records and (name, version,
    url) of pip's, order-insensitive; independent of where the env or its channel live."""
    lines = sorted({"conda " + " ".join(r) for r in conda} | {"pip " + " ".join(p) for p in pip})
    return digest(lines)[:16]


def _cmd_program(history: str) -> str | None:
    for line in history.splitlines():
        if line.startswith("# cmd:"):
            parts = line[len("# cmd:"):].split()
            return parts[0] if parts else None
    return None


@functools.cache
def _tool_version(program: str) -> str:
    from labtools import process
    from labtools.errors import LabtoolsError

    if not Path(program).is_file():
        return ""
    try:
        done = process.run([program, "--version"], timeout=60, check=False)
    except LabtoolsError:
        return ""
    found = _VERSION.search(done.stdout + done.stderr)
    return found.group(1) if found else ""


def describe_env(prefix: Path | str) -> ExecutionEnv:
    """The environment at *prefix*: a conda env (package records) or a venv (pyvenv.cfg)."""
    from labtools.envs.prefix import Prefix

    root = Path(prefix).absolute()
    if not Prefix(root).is_env():
        return _describe_venv(root)
    state = Prefix(root).state()
    history = state.history_text or ""
    tool, version = creator(history)
    program = _cmd_program(history)
    if not version and program and tool not in ("unknown", "labtools"):
        version = _tool_version(program)
    conda = [(r.name, r.version, r.build, r.sha256 or r.md5 or "") for r in state.conda]
    pip = [(p.name.lower(), p.version, p.direct_url or "") for p in state.pip]
    return ExecutionEnv(name=root.name, prefix=root, tool=tool, tool_version=version,
                        lock_hash=lock_hash(conda, pip))


def _describe_venv(root: Path) -> ExecutionEnv:
    import importlib.metadata

    cfg = root / "pyvenv.cfg"
    version = ""
    if cfg.is_file():
        for line in cfg.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "version":
                version = value.strip()
    site = [str(p) for p in root.glob("lib/python*/site-packages")]
    dists = importlib.metadata.distributions(path=site) if site else ()
    pip = [(str(d.metadata["Name"]).lower(), str(d.version), "") for d in dists
           if d.metadata["Name"]]
    return ExecutionEnv(name=root.name, prefix=root, tool="venv" if cfg.is_file() else "unknown",
                        tool_version=version, lock_hash=lock_hash((), pip))


def this_env() -> ExecutionEnv:
    """The environment of the running interpreter (``make handbook``: the .venv)."""
    return describe_env(Path(sys.prefix))


def prefix_of_program(program: str) -> Path | None:
    """The environment a kernel's program lives in (``ENV/bin/python`` -> ``ENV``), if any.

    Symlinks are not followed: a venv's ``bin/python`` points at the base interpreter.
    """
    found = program if "/" in program else shutil.which(program)
    if not found:
        return None
    path = Path(found).absolute()
    if path.parent.name != "bin":
        return None
    root = path.parent.parent
    from labtools.envs.prefix import Prefix  # the one reader of an env (issue 15)

    if Prefix(root).is_env() or (root / "pyvenv.cfg").is_file():
        return root
    return None


@functools.cache
def _described(prefix: str) -> ExecutionEnv:
    return describe_env(prefix)


def kernel_env(argv: Sequence[str]) -> ExecutionEnv | None:
    """The environment of the kernel started by *argv* (read once per build process)."""
    root = prefix_of_program(argv[0]) if argv else None
    return _described(str(root)) if root is not None else None


def summary(environments: Iterable[dict[str, str]]) -> str:
    """``labtools-dev (micromamba 2.8.1, lock 3f2a...)`` for each distinct env of a build."""
    seen = sorted({(e.get("env", ""), e.get("created by", ""), e.get("lock", ""))
                   for e in environments if e.get("env")})
    return "; ".join(f"{name} ({made}, lock {lock})" if made else f"{name} (lock {lock})"
                     for name, made, lock in seen)
