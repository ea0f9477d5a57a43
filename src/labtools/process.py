"""The only place labtools starts subprocesses.

``run`` for commands that finish, ``spawn`` for ones that live on (ssh, sshd, servers).
Both log the command line (with secrets masked) and resolve the program through
:func:`which`, so a missing tool is a one-line :class:`ToolNotFoundError` with the fix.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from labtools.errors import CommandFailedError, CommandTimeoutError, ToolNotFoundError
from labtools.secret_registry import redact

log = logging.getLogger("labtools.process")

STDERR_TAIL_LINES = 3
_EXTRA_SEARCH_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")

INSTALL_HINTS: dict[str, str] = {
    "ssh": "install the OpenSSH client (Debian: apt-get install openssh-client)",
    "sshd": "install the OpenSSH server (Debian: apt-get install openssh-server)",
    "ssh-keygen": "install the OpenSSH client (Debian: apt-get install openssh-client)",
    "conda": "install Miniforge or Miniconda, or use --backend rattler",
    "mamba": "install Miniforge, or use --backend rattler",
    "micromamba": "install micromamba, or use --backend rattler",
    "pixi": "install pixi, or use --backend rattler",
    "chromium": "install Debian's chromium package",
    "nvidia-smi": "install the NVIDIA driver",
}


@dataclass(frozen=True)
class Completed:
    """The outcome of :func:`run`."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def which(tool: str, path: str | None = None) -> str | None:
    """Absolute path of *tool* on PATH (plus the sbin dirs, for sshd), or None."""
    found = shutil.which(tool, path=path)
    if found is None and path is None and os.sep not in tool:
        extra = os.pathsep.join(_EXTRA_SEARCH_DIRS)
        found = shutil.which(tool, path=extra)
    return found


def require(tool: str, *, min_version: tuple[int, ...] | None = None) -> str:
    """Like :func:`which`, but a missing (or too old) tool raises with the install hint."""
    found = which(tool)
    if found is None:
        _missing(tool)
    if min_version is not None:
        have = tool_version(found)
        if have is not None and have < min_version:
            want = ".".join(map(str, min_version))
            got = ".".join(map(str, have))
            raise ToolNotFoundError(
                f"{tool} {got} is too old; labtools needs {want} or newer",
                hint=f"upgrade {tool}",
            )
    return found


_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def tool_version(executable: str, flag: str = "--version") -> tuple[int, ...] | None:
    """The first dotted version number a tool prints for ``--version``, or None."""
    try:
        done = run([executable, flag], check=False, timeout=30)
    except (CommandFailedError, ToolNotFoundError):
        return None
    match = _VERSION_RE.search(done.stdout + done.stderr)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def _resolve(argv: Sequence[str], env: Mapping[str, str] | None) -> list[str]:
    if not argv:
        raise ValueError("empty command")
    program = str(argv[0])
    if os.sep not in program:
        found = which(program, path=(env or os.environ).get("PATH"))
        if found is None:
            found = which(program)
        if found is None:
            _missing(program)
        program = found
    return [program, *(str(a) for a in argv[1:])]


def _missing(program: str) -> NoReturn:
    hint = INSTALL_HINTS.get(program, f"install {program} or put it on PATH")
    raise ToolNotFoundError(f"{program} was not found on PATH", hint=hint)


def tail(text: str, lines: int = STDERR_TAIL_LINES) -> str:
    """The last non-empty lines of *text*, joined into one line."""
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return redact(" | ".join(kept[-lines:]))


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float | None = None,
    check: bool = True,
    input: str | None = None,
) -> Completed:
    """Run a command to completion, capturing its output.

    Raises :class:`CommandFailedError` (with the tail of stderr) on a non-zero exit when
    *check*, :class:`CommandTimeoutError` after *timeout* seconds, and
    :class:`ToolNotFoundError` when the program is not installed.
    """
    args = _resolve([os.fspath(a) for a in argv], env)
    log.debug("run: %s", redact(shlex.join(args)))
    try:
        proc = subprocess.run(
            args,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            timeout=timeout,
            input=input,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        raise CommandTimeoutError(Path(args[0]).name, timeout or 0.0, tail(err)) from None
    done = Completed(tuple(args), proc.returncode, proc.stdout, proc.stderr)
    if check and proc.returncode != 0:
        raise CommandFailedError(
            Path(args[0]).name, proc.returncode, tail(proc.stderr or proc.stdout)
        )
    return done


def spawn(
    argv: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    stdout: int | None = subprocess.DEVNULL,
    stderr: int | None = subprocess.PIPE,
    stdin: int | None = subprocess.DEVNULL,
    new_session: bool = False,
) -> subprocess.Popen[bytes]:
    """Start a long-lived process; the caller owns it and must stop it (use ``finally``)."""
    args = _resolve([os.fspath(a) for a in argv], env)
    log.debug("spawn: %s", redact(shlex.join(args)))
    return subprocess.Popen(
        args,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdout=stdout,
        stderr=stderr,
        stdin=stdin,
        start_new_session=new_session,
    )


def stop(proc: subprocess.Popen[bytes], *, grace: float = 5.0) -> int:
    """Terminate *proc*, escalate to kill after *grace* seconds; returns its exit status."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdout, proc.stderr, proc.stdin):
        if stream is not None:
            stream.close()
    return proc.returncode
