"""Start a kernel for real and say exactly how it went.

:func:`launch_kernels` starts each kernel the way Jupyter does (jupyter_client's
``AsyncKernelManager``), waits for its ``kernel_info`` reply, runs one statement and shuts
it down, all within one deadline per kernel. Its stderr goes to a private temp file and
its connection file into a fresh 0700 folder; jupyter_client's logging is kept at debug
level (``labtools --verbose`` shows it), so a failure is one line, never a traceback.
However a launch ends (an error, a timeout, Ctrl-C, SIGTERM), the kernel's process group
is killed and reaped: nothing is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from queue import Empty
from typing import IO, Any

from labtools.kernels import spec as ks
from labtools.kernels.registry import KernelEntry

log = logging.getLogger("labtools.kernels.launch")

PYTHON_STATEMENT = "import sys"
PYTHON_EXPRESSIONS = {
    "executable": "sys.executable",
    "prefix": "sys.prefix",
    "version": "'%d.%d.%d' % sys.version_info[:3]",
}
MAX_PARALLEL = 4
SHUTDOWN_WAIT = 4.0
_NO_MODULE = re.compile(r"No module named '?([\w.]+)'?")
_NOISE = ("Kernel is running over TCP without encryption", "communication will be unencrypted")

#: process groups of kernels started here and not yet known to be gone
_live_groups: set[int] = set()


@dataclass(frozen=True)
class Launch:
    """How one start of a kernel went; ``code`` is ``"ok"`` or the kind of failure."""

    name: str
    code: str
    message: str
    seconds: float
    pid: int | None = None
    exit_status: int | None = None
    stderr_tail: str = ""
    language: str | None = None
    language_version: str | None = None
    executable: str | None = None
    prefix: str | None = None

    @property
    def ok(self) -> bool:
        return self.code == "ok"


def stderr_tail(text: str, lines: int = 3) -> str:
    """The last meaningful stderr lines on one line, without jupyter's TCP warning."""
    from labtools.process import tail

    kept = "\n".join(line for line in text.splitlines()
                     if not any(noise in line for noise in _NOISE))
    return tail(kept, lines)


def launch_module(argv: Sequence[str]) -> str | None:
    """The module a ``python -m MODULE`` kernel runs (pure)."""
    args = list(argv)
    if "-m" in args[1:-1]:
        return args[args.index("-m", 1) + 1]
    return None


def exit_kind(argv: Sequence[str], stderr: str) -> tuple[str, str | None]:
    """(code, missing module) for a kernel that exited at start, from what it said (pure)."""
    module = launch_module(argv)
    found = _NO_MODULE.findall(stderr)
    if module and found:
        missing = found[-1]
        if module == missing or module.startswith(missing + "."):
            kind = "no-ipykernel" if module.startswith("ipykernel") else "launch-module-missing"
            return kind, missing
    return "exited", None


def _status_text(status: int) -> str:
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit status {status}"


def precheck(entry: KernelEntry) -> Launch | None:
    """A kernel that cannot even be started (no argv, interpreter missing or not executable)."""
    from labtools import process

    if not entry.argv:
        return Launch(entry.name, "malformed", f"kernel {entry.name!r} has no argv", 0.0)
    argv0 = ks.launch_executable(entry.argv[0], sys.executable, sys.version_info[:2])
    environ = ks.expand_env(entry.env, os.environ)
    resolved = argv0 if os.sep in argv0 else process.which(argv0, path=environ.get("PATH"))
    if resolved is None or not os.path.exists(resolved):
        return Launch(entry.name, "interpreter-missing",
                      f"kernel {entry.name!r} could not start: {argv0} does not exist", 0.0)
    if os.path.isdir(resolved) or not os.access(resolved, os.X_OK):
        return Launch(entry.name, "cannot-start",
                      f"kernel {entry.name!r} could not start: {resolved} is not an "
                      "executable file", 0.0)
    return None


class _DebugOnly(logging.LoggerAdapter):  # type: ignore[type-arg]
    """jupyter_client's log records, all at debug level (``--verbose`` shows them)."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        super().log(logging.DEBUG, msg, *args, **kwargs)


def _verbose() -> bool:
    return logging.getLogger("labtools").isEnabledFor(logging.DEBUG)


@contextlib.contextmanager
def _quiet_traitlets() -> Iterator[None]:
    """jupyter_client's launcher logs a failed Popen on traitlets' global logger."""
    target = logging.getLogger("traitlets")
    if _verbose():
        yield
        return

    def quiet(record: logging.LogRecord) -> bool:
        return False

    target.addFilter(quiet)
    try:
        yield
    finally:
        target.removeFilter(quiet)


class _Run:
    """One kernel's launch: the manager, its client, the deadline, what it said."""

    def __init__(self, entry: KernelEntry, timeout: float, err: IO[str]) -> None:
        self.entry = entry
        self.timeout = timeout
        self.err = err
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.km: Any = None
        self.kc: Any = None
        self.pid: int | None = None

    def result(self, code: str, message: str, **fields: Any) -> Launch:
        return Launch(self.entry.name, code, message,
                      round(time.monotonic() - self.started, 3), pid=self.pid, **fields)

    def process(self) -> Any:
        provisioner = getattr(self.km, "provisioner", None)
        return getattr(provisioner, "process", None)

    def said(self) -> str:
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def exited(self, what: str) -> Launch | None:
        """A Launch for a kernel process that is gone, or None while it runs."""
        proc = self.process()
        status = proc.poll() if proc is not None else None
        if status is None:
            return None
        text = self.said()
        tail = stderr_tail(text)
        code, missing = exit_kind(self.entry.argv, text) if what == "at start" else \
            ("statement-failed", None)
        name = self.entry.name
        if code == "no-ipykernel":
            message = (f"kernel {name!r} could not start: {self.entry.argv[0]} has no ipykernel "
                       f"(No module named {missing!r}, {_status_text(status)})")
        elif missing:
            message = (f"kernel {name!r} could not start: {self.entry.argv[0]} has no module "
                       f"{missing!r} ({_status_text(status)})")
        else:
            verb = "died at start" if what == "at start" else f"died {what}"
            message = f"kernel {name!r} {verb} ({_status_text(status)}): " + \
                (tail or "no output on stderr")
        return self.result(code, message, exit_status=status, stderr_tail=tail)

    async def reply(self, msg_type: str, resend: Any) -> dict[str, Any] | str:
        """The shell reply of *msg_type* to our request; "exited" or "timeout" otherwise."""
        ids: set[str] = set()
        next_send = 0.0
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                return "timeout"
            if now >= next_send:
                ids.add(resend())  # kernel_info may be lost before the kernel binds: resend
                next_send = now + 1.0
            try:
                msg: dict[str, Any] = await self.kc.get_shell_msg(
                    timeout=min(0.2, self.deadline - now))
            except Empty:
                if self.process() is None or self.process().poll() is not None:
                    return "exited"
                continue
            parent = msg.get("parent_header", {}).get("msg_id")
            if msg.get("msg_type") == msg_type and parent in ids:
                return msg

    async def drive(self) -> Launch:
        from jupyter_client.manager import AsyncKernelManager

        name = self.entry.name
        self.km = AsyncKernelManager(kernel_name=name, log=_DebugOnly(log, {}))
        self.km.shutdown_wait_time = SHUTDOWN_WAIT
        private = tempfile.mkdtemp(prefix="labtools-kernel-")  # 0700, ours alone
        self.km.connection_file = os.path.join(private, "connection.json")
        try:
            return await self._drive(name)
        finally:
            await self.stop()
            with contextlib.suppress(OSError):
                for leftover in os.listdir(private):
                    os.unlink(os.path.join(private, leftover))
                os.rmdir(private)

    async def _drive(self, name: str) -> Launch:
        with open(os.devnull, "w") as out:
            try:
                await asyncio.wait_for(self.km.start_kernel(stdout=out, stderr=self.err),
                                       max(0.1, self.deadline - time.monotonic()))
            except TimeoutError:
                return self.result("no-reply", f"kernel {name!r} did not start within "
                                   f"{self.timeout:g} s")
            except OSError as exc:
                return self.result("cannot-start", f"kernel {name!r} could not start: "
                                   f"{exc.strerror or exc}")
            finally:
                proc = self.process()
                if proc is not None:
                    self.pid = proc.pid
                    _live_groups.add(self.km.provisioner.pgid or proc.pid)
        self.kc = self.km.client()
        self.kc.start_channels()
        info = await self.reply("kernel_info_reply", resend=self.kc.kernel_info)
        if info == "exited":
            return self.exited("at start") or self.result("exited", f"kernel {name!r} died")
        if info == "timeout":
            return self.result("no-reply", f"kernel {name!r} did not answer within "
                               f"{self.timeout:g} s (its process {self.pid} ran but never replied: "
                               "it hangs; it was stopped)")
        assert isinstance(info, dict)
        lang = info["content"].get("language_info") or {}
        language = str(lang.get("name") or self.entry.language or "") or None
        python = (language or "").lower().startswith("python")
        statement = PYTHON_STATEMENT if python else ""
        msg_id = self.kc.execute(statement, silent=False, store_history=False,
                                 user_expressions=PYTHON_EXPRESSIONS if python else {},
                                 allow_stdin=False)
        done = await self.reply("execute_reply", resend=lambda: msg_id)
        if done == "exited":
            return self.exited(f"running {statement!r}") or self.result(
                "statement-failed", f"kernel {name!r} died running {statement!r}")
        if done == "timeout":
            return self.result("statement-failed", f"kernel {name!r} answered but did not run "
                               f"{statement!r} within {self.timeout:g} s")
        assert isinstance(done, dict)
        content = done["content"]
        if content.get("status") != "ok":
            return self.result("statement-failed", f"kernel {name!r} failed to run "
                               f"{statement!r}: {content.get('ename')}: {content.get('evalue')}")
        values = {key: _literal(content, key) for key in PYTHON_EXPRESSIONS} if python else {}
        return self.result(
            "ok", f"kernel {name!r} started and ran {statement or 'an empty cell'!r}",
            language=language,
            language_version=values.get("version") or str(lang.get("version") or "") or None,
            executable=values.get("executable"), prefix=values.get("prefix"))

    async def stop(self) -> None:
        """Shut the kernel down (politely when it answered), then kill what is left."""
        proc = self.process()
        pgid = getattr(getattr(self.km, "provisioner", None), "pgid", None)
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km is not None and self.km.has_kernel:
                polite = proc is not None and proc.poll() is None and self.kc is not None
                await asyncio.wait_for(self.km.shutdown_kernel(now=not polite),
                                       SHUTDOWN_WAIT + 2)
            elif self.km is not None:
                await self.km.cleanup_resources()
        except Exception:  # cleanup goes on; a cancel still kills the group (finally)
            log.debug("kernel shutdown did not finish", exc_info=True)
        finally:
            _kill_group(pgid or (proc.pid if proc is not None else None), proc)


def _literal(reply: dict[str, Any], key: str) -> str | None:
    import ast

    result = reply.get("user_expressions", {}).get(key, {})
    if result.get("status") != "ok":
        return None
    text = result.get("data", {}).get("text/plain", "")
    try:
        return str(ast.literal_eval(text))
    except (ValueError, SyntaxError):
        return str(text)


def _kill_group(pgid: int | None, proc: Any = None) -> None:
    """SIGKILL a kernel's process group (it runs in its own session) and reap the kernel."""
    if pgid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        _live_groups.discard(pgid)
    if proc is not None:
        with contextlib.suppress(Exception):
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=5)


def kill_leftovers() -> None:
    """Kill every kernel process group this process started and did not see end."""
    for pgid in list(_live_groups):
        _kill_group(pgid)


async def _launch(entry: KernelEntry, timeout: float, gate: asyncio.Semaphore) -> Launch:
    early = precheck(entry)
    if early is not None:
        return early
    async with gate:
        with tempfile.TemporaryFile("w+", prefix="labtools-kernel-stderr-") as err:
            run = _Run(entry, timeout, err)
            try:
                return await run.drive()
            except Exception as exc:  # jupyter_client or the kernelspec; one line, not a trace
                log.debug("launch of %s failed", entry.name, exc_info=True)
                return run.result("cannot-start", f"kernel {entry.name!r} could not start: "
                                  f"{type(exc).__name__}: {exc}")


def launch_kernels(entries: Sequence[KernelEntry], *, timeout: float = 60.0) -> list[Launch]:
    """Start each kernel (a few at a time), probe it and shut it down; one Launch each."""
    from labtools.aio import run_sync

    async def main() -> list[Launch]:
        gate = asyncio.Semaphore(MAX_PARALLEL)
        return list(await asyncio.gather(*(_launch(e, timeout, gate) for e in entries)))

    try:
        with _quiet_traitlets():
            return run_sync(main())
    finally:
        kill_leftovers()


def launch_kernel(entry: KernelEntry, *, timeout: float = 60.0) -> Launch:
    """:func:`launch_kernels` for one kernel."""
    return launch_kernels([entry], timeout=timeout)[0]
