"""The only place labtools starts subprocesses.

``run`` for commands that finish, ``spawn`` for ones that live on (ssh, sshd, servers).
Both log the command line (with secrets masked) and resolve the program through
:func:`which`, so a missing tool is a one-line :class:`ToolNotFoundError` with the fix.

While ``run`` waits, its child is known to :func:`signal_children`, so code that defers
a signal (an env transaction) can pass it on and wait for the child to finish.
When ``LABTOOLS_TOOL_LEDGER`` names a file, every program started is appended to it
(one JSON line: tool name and executable); :func:`ledger_tools` turns the ledger into
``{tool: version}`` for the handbook's verification stamps.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from labtools.errors import CommandFailedError, CommandTimeoutError, ToolNotFoundError
from labtools.secret_registry import redact

log = logging.getLogger("labtools.process")

STDERR_TAIL_LINES = 3
LEDGER_ENV = "LABTOOLS_TOOL_LEDGER"
#: tools whose version a verification stamp records, and the flag that prints it
LEDGER_TOOLS: dict[str, str] = {
    "conda": "--version", "mamba": "--version", "micromamba": "--version",
    "pixi": "--version", "uv": "--version", "ssh": "-V", "sshd": "-V",
}
_RUNNING: set[subprocess.Popen[str]] = set()
_RUNNING_LOCK = threading.Lock()
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
    _ledger(args[0], env)
    try:
        proc = _popen(args, env, cwd, input is not None)
    except (FileNotFoundError, PermissionError) as exc:
        raise ToolNotFoundError(f"{args[0]} cannot be run: {exc.strerror}",
                                hint="check the path, or reinstall the program") from None
    with _RUNNING_LOCK:
        _RUNNING.add(proc)
    try:
        try:
            out, err = proc.communicate(input=input, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            raise CommandTimeoutError(Path(args[0]).name, timeout or 0.0, tail(err)) from None
        except BaseException:
            # Ctrl-C or an error while waiting: never leave the child running
            proc.kill()
            proc.wait()
            raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
    done = Completed(tuple(args), proc.returncode, out, err)
    if check and proc.returncode != 0:
        raise CommandFailedError(Path(args[0]).name, proc.returncode, tail(err or out))
    return done


def _popen(args: list[str], env: Mapping[str, str] | None, cwd: str | Path | None,
           with_input: bool) -> subprocess.Popen[str]:
    return subprocess.Popen(
        args,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdin=subprocess.PIPE if with_input else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        # its own process group: a terminal's Ctrl-C reaches labtools only, which stops
        # the child itself (killed on KeyboardInterrupt, or the signal passed on once by
        # an env transaction); and the child dies with labtools, even after a SIGKILL
        process_group=0,
        preexec_fn=_die_with_parent,
    )


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM when labtools dies (prctl PR_SET_PDEATHSIG)."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)


def _load_prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except OSError:
        return None


_PRCTL = _load_prctl()


def signal_children(signum: int = signal.SIGTERM) -> int:
    """Send *signum* to every child :func:`run` is waiting for; how many got it."""
    with _RUNNING_LOCK:
        running = [p for p in _RUNNING if p.poll() is None]
    for proc in running:
        try:
            proc.send_signal(signum)
        except ProcessLookupError:
            continue
    return len(running)


def _ledger(executable: str, env: Mapping[str, str] | None) -> None:
    """Append the program to the tool ledger, when one is named (never fails the run)."""
    target = (env if env is not None else os.environ).get(LEDGER_ENV)
    if not target:
        return
    line = json.dumps({"tool": Path(executable).name, "executable": executable})
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except OSError:
        log.debug("cannot write the tool ledger %s", target)


def ledger_tools(path: Path, *, tools: Mapping[str, str] = LEDGER_TOOLS) -> dict[str, str]:
    """``{tool: version}`` of the ledger's tools that :data:`LEDGER_TOOLS` names, each asked
    once (``conda --version``); a tool that no longer answers is ``"unknown"``."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    seen: dict[str, str] = {}
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        name, exe = str(item.get("tool", "")), str(item.get("executable", ""))
        if name in tools and name not in seen:
            seen[name] = exe
    found: dict[str, str] = {}
    for name, exe in sorted(seen.items()):
        version = None
        try:
            done = run([exe, tools[name]], check=False, timeout=60, env={**os.environ,
                                                                        LEDGER_ENV: ""})
            match = _VERSION_RE.search(done.stdout + done.stderr)
            version = match.group(0) if match else None
        except (CommandFailedError, ToolNotFoundError):
            version = None
        found[name] = version or "unknown"
    return found


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
    _ledger(args[0], env)
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
