"""Run one contestant's commands as whole processes and time them.

Each command starts in its own process group (through :func:`labtools.process.spawn`),
so an interrupted benchmark can stop the tool *and* everything it started (mamba's
byte-compiling pythons, pip's build helpers): the group gets SIGTERM, then SIGKILL.
The clock runs from just before the first command starts to just after the last one
exits; program paths are resolved before it starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from labtools import process
from labtools.errors import CommandFailedError, CommandTimeoutError

GRACE = 3.0


def resolve(argv: Sequence[str], env: dict[str, str]) -> list[str]:
    """*argv* with its program as an absolute path (looked up outside the clock)."""
    program = argv[0]
    if os.sep not in program:
        program = process.which(program, path=env.get("PATH")) or program
    return [program, *argv[1:]]


def stop_group(proc: subprocess.Popen[bytes], *, grace: float = GRACE) -> None:
    """SIGTERM to the process group, SIGKILL after *grace* seconds; reap the leader."""
    _signal_group(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    _signal_group(proc.pid, signal.SIGKILL)
    proc.wait()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is empty
        os.killpg(pgid, sig)


def run_one(argv: Sequence[str], env: dict[str, str], cwd: Path,
            timeout: float) -> process.Completed:
    proc = process.spawn(argv, env=env, cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_group(proc)
        raise CommandTimeoutError(Path(argv[0]).name, timeout, "") from None
    except BaseException:  # Ctrl-C, SIGTERM: the tool and its children go too
        stop_group(proc)
        raise
    _signal_group(proc.pid, signal.SIGKILL)  # anything it left running in its group
    return process.Completed(tuple(argv), proc.returncode,
                             out.decode(errors="replace"), err.decode(errors="replace"))


def run_steps(steps: Sequence[Sequence[str]], env: dict[str, str], cwd: Path, *,
              timeout: float, clock: Callable[[], float] = time.perf_counter,
              ) -> tuple[float, list[process.Completed]]:
    """Run *steps* one after the other; (elapsed seconds, their outcomes).

    A non-zero exit raises :class:`CommandFailedError` with the tail of its output.
    """
    resolved = [resolve(step, env) for step in steps]
    done: list[process.Completed] = []
    started = clock()
    for argv in resolved:
        result = run_one(argv, env, cwd, timeout)
        if result.returncode != 0:
            raise CommandFailedError(Path(argv[0]).name, result.returncode,
                                     _reason(result))
        done.append(result)
    return clock() - started, done


def _reason(result: process.Completed) -> str:
    """The tool's own words: its JSON error message, else the tail of its output."""
    import json

    try:
        data = json.loads(result.stdout)
    except ValueError:
        data = None
    if isinstance(data, dict):
        message = data.get("message") or data.get("error")
        problems = data.get("solver_problems")
        if problems:
            message = "; ".join(str(p) for p in problems[:3])
        if message:
            return " ".join(str(message).split())[:400]
    return process.tail(result.stderr or result.stdout)
