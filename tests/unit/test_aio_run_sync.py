"""run_sync works both outside and inside a running event loop (as in a Jupyter kernel)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from labtools.aio import run_sync


async def where() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


async def boom() -> None:
    raise ValueError("from the coroutine")


def test_outside_a_loop_runs_on_this_thread() -> None:
    assert run_sync(where()) == threading.current_thread().name


def test_inside_a_running_loop_runs_on_a_worker_and_returns() -> None:
    async def notebook_cell() -> str:
        return run_sync(where())  # asyncio.run would raise here

    assert asyncio.run(notebook_cell()) == "labtools-run-sync"


def test_errors_reach_the_caller() -> None:
    async def notebook_cell() -> None:
        run_sync(boom())

    with pytest.raises(ValueError, match="from the coroutine"):
        asyncio.run(notebook_cell())
