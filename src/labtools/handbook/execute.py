"""Execute one tutorial with nbclient on its kernel, inside a sandbox world.

A failure is a :class:`TutorialFailure`: one line naming the source file and line, the
code cell, the error's last line and the source line that raised it. A cell tagged
``raises-exception`` must raise (nbval #108); a cell tagged ``timeout=SECONDS`` gets its
own time limit (jupyter-cache #39), and the whole tutorial has a budget (Quarto's 3 h
hang). Every kernel runs under a :class:`KernelGroup`, which can kill them all at once
(Ctrl-C, SIGTERM, ``serve`` shutting down) and kills whatever a kernel left behind.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from labtools import proctree
from labtools.aio import run_sync
from labtools.errors import HandbookError
from labtools.handbook.kernels import KernelChoice
from labtools.handbook.sandbox import TutorialWorld
from labtools.handbook.sources import body_offset, code_cell_lines, line_in_cell

RAISES_TAG = "raises-exception"
VERIFY_TAG = "verify"
DEFAULT_CELL_TIMEOUT = 300.0
DEFAULT_NOTEBOOK_TIMEOUT = 900.0
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class ExecOptions:
    cell_timeout: float = DEFAULT_CELL_TIMEOUT
    notebook_timeout: float = DEFAULT_NOTEBOOK_TIMEOUT
    startup_timeout: float = 120.0

    def fingerprint(self) -> str:
        return f"cell={self.cell_timeout};nb={self.notebook_timeout}"


@dataclass(frozen=True)
class Source:
    """What the executor needs to point at the line that failed."""

    label: str  # e.g. "notebooks/03-kernels.py"
    text: str = ""
    suffix: str = ".py"


class TutorialFailure(HandbookError):
    """A tutorial that did not pass; ``str()`` is its one line."""

    def __init__(
        self,
        label: str,
        problem: str,
        *,
        line: int | None = None,
        cell: str = "",
        source_line: str = "",
        hint: str | None = None,
    ) -> None:
        self.label = label
        self.problem = problem
        self.line = line
        self.cell = cell
        self.source_line = source_line
        where = f"{label}:{line}" if line else label
        parts = [where, *([cell] if cell else []), problem]
        text = ": ".join(parts)
        if source_line:
            text += f" [{source_line.strip()[:120]}]"
        super().__init__(text, hint=hint)


def notebook_budget(nb: Any, default: float) -> float:
    """The whole tutorial's time budget: ``labtools: {timeout: N}`` in its metadata (the
    benchmark tutorial needs more than most), else *default*."""
    value = nb.get("metadata", {}).get("labtools", {}).get("timeout")
    return float(value) if isinstance(value, int | float) and value > 0 else default


def cell_timeout(cell: Any, default: float) -> float:
    """A code cell's timeout: a ``timeout=N`` tag or ``metadata.timeout``, else *default*."""
    for tag in cell.get("metadata", {}).get("tags", []):
        if isinstance(tag, str) and tag.startswith("timeout="):
            try:
                return float(tag.partition("=")[2])
            except ValueError:
                raise HandbookError(
                    f"bad tag {tag!r}", hint="write timeout=SECONDS, e.g. timeout=60"
                ) from None
    value = cell.get("metadata", {}).get("timeout")
    return float(value) if isinstance(value, int | float) else default


def code_cell_numbers(nb: Any) -> dict[int, int]:
    """Map notebook cell index -> 1-based number among code cells."""
    numbers: dict[int, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            numbers[index] = len(numbers) + 1
    return numbers


def unraised_cells(nb: Any) -> list[int]:
    """Indices of ``raises-exception`` cells whose outputs hold no error."""
    missing = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or RAISES_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        if not any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            missing.append(index)
    return missing


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


class _Locator:
    """Cell index -> "code cell N" / "verify cell N" and its line in the source file."""

    def __init__(self, nb: Any, source: Source) -> None:
        self.nb = nb
        self.source = source
        self.numbers = code_cell_numbers(nb)
        self.markers = code_cell_lines(source.text, source.suffix)
        if len(self.markers) != len(self.numbers):
            self.markers = []  # a layout we cannot map: report cells, not lines

    def cell(self, index: int) -> str:
        number = self.numbers.get(index)
        if number is None:
            return "kernel start"
        kind = "verify cell" if VERIFY_TAG in _tags(self.nb.cells[index]) else "code cell"
        return f"{kind} {number}"

    def line(self, index: int, within: int | None) -> tuple[int | None, str]:
        number = self.numbers.get(index)
        body = self.nb.cells[index].source.splitlines() if number else []
        offset = (within or 1) - 1
        text = body[offset] if 0 <= offset < len(body) else (body[0] if body else "")
        if not self.markers or number is None:
            return None, text
        marker = self.markers[number - 1]
        start = marker + body_offset(self.source.text, marker, self.source.suffix)
        return start + offset, text


def _last_error_line(exc: Any, cell: Any) -> str:
    ename = str(getattr(exc, "ename", "") or "")
    evalue = " ".join(str(getattr(exc, "evalue", "") or "").split())
    if ename and ename not in ("Error", "CellExecutionError"):
        return f"{ename}: {evalue}" if evalue else ename
    # kernels without Python exceptions (bash): the last line the cell printed to stderr
    for output in reversed(cell.get("outputs", [])):
        if output.get("output_type") == "stream":
            lines = [ln for ln in _ANSI.sub("", output.get("text", "")).splitlines() if ln.strip()]
            if lines and (output.get("name") == "stderr" or not ename):
                status = f" (exit status {evalue})" if evalue.isdigit() else ""
                return lines[-1].strip() + status
    return f"{ename or 'error'}: {evalue}" if evalue else (ename or "the cell failed")


@dataclass
class KernelGroup:
    """Every kernel a build runs; :meth:`cancel` kills them (and what they started)."""

    cancelled: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pids: set[int] = field(default_factory=set)

    def add(self, pid: int) -> None:
        with self._lock:
            self._pids.add(pid)
        if self.cancelled.is_set():
            self.kill(pid)

    def discard(self, pid: int) -> None:
        with self._lock:
            self._pids.discard(pid)

    @staticmethod
    def kill(pid: int) -> None:
        proctree.kill_all([pid, *proctree.descendants(pid)], signal.SIGKILL)

    def cancel(self) -> None:
        self.cancelled.set()
        with self._lock:
            pids = list(self._pids)
        for pid in pids:
            self.kill(pid)

    def running(self) -> list[int]:
        with self._lock:
            return [pid for pid in self._pids if proctree.alive(pid)]


@dataclass(frozen=True)
class Executed:
    duration_s: float
    language: str  # e.g. "python 3.11.2", from the kernel's own language_info


def _write_kernelspec(world: TutorialWorld, kernel: KernelChoice) -> str:
    """A private copy of the kernelspec (only the fields jupyter_client knows)."""
    kernels = world.root / "handbook-kernels"
    spec_dir = kernels / kernel.name
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps(kernel.spec()), encoding="utf-8")
    return str(kernels)


def _stderr_tail(world: TutorialWorld, lines: int = 3) -> str:
    try:
        text = (world.root / "kernel-stderr.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [
        ln.strip()
        for ln in text.splitlines()
        if ln.strip() and "running over TCP without encryption" not in ln
    ]
    return " | ".join(kept[-lines:])


async def _execute(
    nb: Any,
    world: TutorialWorld,
    kernel: KernelChoice,
    options: ExecOptions,
    source: Source,
    group: KernelGroup,
) -> Executed:
    # jupyter_client logs "Could not destroy zmq context" at shutdown; it is noise here
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    label = source.label
    where = _Locator(nb, source)
    budget = notebook_budget(nb, options.notebook_timeout)
    deadline = time.monotonic() + budget
    current = {"index": -1}

    def on_cell_start(cell: Any, cell_index: int) -> None:
        current["index"] = cell_index
        if group.cancelled.is_set():
            raise KeyboardInterrupt

    def timeout_func(cell: Any) -> int:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TutorialFailure(
                label, f"exceeded its {budget:g} s budget",
                hint="speed the tutorial up or raise notebook_timeout",
            )
        return max(1, int(min(cell_timeout(cell, options.cell_timeout), remaining)))

    km = AsyncKernelManager(
        kernel_name=kernel.name,
        kernel_spec_manager=KernelSpecManager(
            kernel_dirs=[_write_kernelspec(world, kernel)], ensure_native_kernel=False
        ),
    )

    def on_notebook_start(notebook: Any) -> None:
        pid = getattr(km.provisioner, "pid", None)
        if isinstance(pid, int):
            group.add(pid)

    client = NotebookClient(
        nb,
        km=km,
        timeout_func=timeout_func,
        startup_timeout=int(options.startup_timeout),
        allow_errors=False,
        record_timing=False,
        coalesce_streams=True,
        kernel_name=kernel.name,
        resources={"metadata": {"path": str(world.cwd)}},
        on_cell_start=on_cell_start,
        on_notebook_start=on_notebook_start,
    )
    started = time.monotonic()

    def failure(problem: str, *, within: int | None = None, hint: str | None = None
                ) -> TutorialFailure:
        index = current["index"]
        if index < 0:
            return TutorialFailure(label, problem, hint=hint)
        line, text = where.line(index, within)
        return TutorialFailure(label, problem, line=line, cell=where.cell(index),
                               source_line=text, hint=hint)

    try:
        with (world.root / "kernel-stderr.log").open("wb") as stderr:
            await client.async_execute(env=world.env, cwd=str(world.cwd), stderr=stderr)
    except CellExecutionError as exc:
        cell = nb.cells[current["index"]]
        within = line_in_cell(str(getattr(exc, "traceback", "")).splitlines())
        verify = VERIFY_TAG in _tags(cell)
        raise failure(
            _last_error_line(exc, cell), within=within,
            hint="the page's claim is no longer true" if verify else
            "fix the cell, or tag it raises-exception if the error is the point",
        ) from None
    except CellTimeoutError:
        index = current["index"]
        limit = cell_timeout(nb.cells[index], options.cell_timeout) if index >= 0 else 0
        raise failure(
            f"did not finish within {limit:g} s (per-cell timeout)",
            hint="speed it up, or give the cell a timeout=SECONDS tag",
        ) from None
    except DeadKernelError:
        if group.cancelled.is_set():
            raise KeyboardInterrupt from None
        raise failure(f"the kernel died: {_stderr_tail(world)}") from None
    except RuntimeError as exc:
        if isinstance(exc, HandbookError):
            raise
        if group.cancelled.is_set():
            raise KeyboardInterrupt from None
        raise failure(f"kernel {kernel.name!r} failed: {exc} {_stderr_tail(world)}") from None
    finally:
        await _shutdown(client, km, group)
    for index in unraised_cells(nb):
        current["index"] = index
        raise failure(
            f"is tagged {RAISES_TAG} but raised nothing",
            hint="the error the prose promises did not happen; fix the cell or drop the tag",
        )
    info = nb.metadata.get("language_info", {})
    language = " ".join(str(p) for p in (info.get("name", kernel.language), info.get("version"))
                        if p)
    return Executed(duration_s=time.monotonic() - started, language=language)


async def _shutdown(client: Any, km: Any, group: KernelGroup) -> None:
    """Stop the kernel (the client does not own it) and whatever it left running."""
    pid = getattr(km.provisioner, "pid", None) if km.has_kernel else None
    left = proctree.descendants(pid) if isinstance(pid, int) else []
    if client.kc is not None:
        client.kc.stop_channels()
    if km.has_kernel:
        await km.shutdown_kernel(now=True)
    proctree.kill_all([p for p in left if proctree.alive(p)])
    if isinstance(pid, int):
        group.discard(pid)


def execute_notebook(
    nb: Any,
    world: TutorialWorld,
    kernel: KernelChoice,
    options: ExecOptions,
    source: Source,
    group: KernelGroup | None = None,
) -> Executed:
    """Execute *nb* in place inside *world* on *kernel*."""
    return run_sync(_execute(nb, world, kernel, options, source, group or KernelGroup()))
