"""Execute one tutorial with nbclient, in the project's environment, inside a sandbox world.

Failures are one line naming the tutorial, the code cell and the exception. A cell tagged
``raises-exception`` must raise (nbval #108), and a per-cell timeout can be set with a
``timeout=SECONDS`` tag; the whole tutorial has its own time budget.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.aio import run_sync
from labtools.errors import HandbookError
from labtools.handbook.sandbox import TutorialWorld

RAISES_TAG = "raises-exception"
DEFAULT_CELL_TIMEOUT = 300.0
DEFAULT_NOTEBOOK_TIMEOUT = 900.0
KERNEL_NAME = "python3"


@dataclass(frozen=True)
class ExecOptions:
    cell_timeout: float = DEFAULT_CELL_TIMEOUT
    notebook_timeout: float = DEFAULT_NOTEBOOK_TIMEOUT
    startup_timeout: float = 120.0

    def fingerprint(self) -> str:
        return f"cell={self.cell_timeout};nb={self.notebook_timeout}"


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


def _kernel_manager(world: TutorialWorld) -> Any:
    """A KernelManager whose only kernelspec is the project's own interpreter."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    kernels = world.root / "handbook-kernels"
    spec_dir = kernels / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    # the environment's canonical interpreter, whichever alias (python3, pytest's shebang)
    # started this build: outputs must not depend on how the build was launched
    canonical = Path(sys.prefix) / "bin" / "python"
    python = str(canonical) if canonical.exists() else sys.executable
    spec = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (labtools handbook)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    ksm = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)


def _stderr_tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [
        ln.strip()
        for ln in text.splitlines()
        if ln.strip() and "running over TCP without encryption" not in ln
    ]
    return " | ".join(kept[-lines:])


async def _execute(nb: Any, world: TutorialWorld, options: ExecOptions, label: str) -> float:
    # jupyter_client logs "Could not destroy zmq context" at shutdown; it is noise here
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    numbers = code_cell_numbers(nb)
    deadline = time.monotonic() + options.notebook_timeout
    current: dict[str, int] = {"index": -1}

    def on_cell_start(cell: Any, cell_index: int) -> None:
        current["index"] = cell_index

    def timeout_func(cell: Any) -> int:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise HandbookError(
                f"{label}: exceeded its {options.notebook_timeout:g} s budget",
                hint="speed the tutorial up or raise notebook_timeout",
            )
        return max(1, int(min(cell_timeout(cell, options.cell_timeout), remaining)))

    km = _kernel_manager(world)
    stderr_path = world.root / "kernel-stderr.log"
    client = NotebookClient(
        nb,
        km=km,
        timeout_func=timeout_func,
        startup_timeout=int(options.startup_timeout),
        allow_errors=False,
        record_timing=False,
        coalesce_streams=True,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(world.cwd)}},
        on_cell_start=on_cell_start,
    )
    started = time.monotonic()

    def where() -> str:
        index = current["index"]
        number = numbers.get(index)
        return f"code cell {number}" if number else "kernel start"

    with stderr_path.open("wb") as stderr:
        try:
            await client.async_execute(env=world.env, cwd=str(world.cwd), stderr=stderr)
        except CellExecutionError as exc:
            ename = getattr(exc, "ename", "Error")
            evalue = " ".join(str(getattr(exc, "evalue", "")).split())
            raise HandbookError(
                f"{label}: {where()} raised {ename}: {evalue}"[:500],
                hint="fix the cell, or tag it raises-exception if the error is the point",
            ) from None
        except CellTimeoutError:
            index = current["index"]
            limit = cell_timeout(nb.cells[index], options.cell_timeout) if index >= 0 else 0
            raise HandbookError(
                f"{label}: {where()} did not finish within {limit:g} s",
                hint="speed it up or give the cell a timeout=SECONDS tag",
            ) from None
        except DeadKernelError:
            raise HandbookError(
                f"{label}: the kernel died during {where()}: {_stderr_tail(stderr_path)}"
            ) from None
        except RuntimeError as exc:
            if isinstance(exc, HandbookError):
                raise
            raise HandbookError(
                f"{label}: kernel failed at {where()}: {exc} {_stderr_tail(stderr_path)}"
            ) from None
    for index in unraised_cells(nb):
        raise HandbookError(
            f"{label}: code cell {numbers[index]} is tagged {RAISES_TAG} but raised nothing",
            hint="the error the prose promises did not happen; fix the cell or drop the tag",
        )
    return time.monotonic() - started


def execute_notebook(nb: Any, world: TutorialWorld, options: ExecOptions, label: str) -> float:
    """Execute *nb* in place inside *world*; returns the duration in seconds."""
    return run_sync(_execute(nb, world, options, label))
