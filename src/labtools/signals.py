"""SIGTERM and SIGHUP end a command the way Ctrl-C does: every ``finally`` runs.

Python turns SIGINT into :class:`KeyboardInterrupt`, so context managers stop the
tunnel, the kernel or the staging folder they own. SIGTERM (``kill``, a job scheduler, a
service manager) and SIGHUP (a closed terminal or ssh session) would instead end the
process at once and leave its children running. Inside :func:`terminating` all three raise
an exception in the main thread, once: a second signal while the first one's cleanup runs
is ignored, so the cleanup is not cut short (SIGKILL still ends everything). A signal the
process was started ignoring (``nohup``) stays ignored.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

from labtools.errors import Interrupted

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Terminated(Interrupted):
    """SIGTERM or SIGHUP, raised like Ctrl-C's KeyboardInterrupt (``signum`` says which);
    the CLI exits 128 + signum with one line 'interrupted by SIGTERM'."""


@contextlib.contextmanager
def terminating() -> Iterator[None]:
    """Within: SIGINT, SIGTERM and SIGHUP raise (KeyboardInterrupt / Terminated) once.

    Outside the main thread (where Python cannot handle signals) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if fired:  # the first signal's cleanup is running: let it finish
            return
        fired.append(signum)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    previous: dict[int, Any] = {}
    try:
        for sig in HANDLED:
            if signal.getsignal(sig) is signal.SIG_IGN:
                continue  # nohup, or a background job: the caller chose to ignore it
            previous[sig] = signal.signal(sig, handler)
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
