"""SIGTERM and SIGHUP end a test run the way Ctrl-C does: every fixture is torn down.

pytest stops in order on Ctrl-C (KeyboardInterrupt): it tears down the fixtures that are
set up, so the handbook build's sshd, munged and slurmctld, the test clusters and the
real tools' sandboxes stop. A CI time-out, ``kill`` or a closed terminal sends SIGTERM or
SIGHUP instead, which would end pytest at once and leave all of them running. Here both
raise KeyboardInterrupt, once: a second signal during the teardown is ignored, so the
teardown is not cut short (SIGKILL still ends everything). A signal pytest was started
ignoring (``nohup``) stays ignored.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

import pytest

HANDLED = (signal.SIGTERM, signal.SIGHUP)
_previous: dict[int, object] = {}
_fired: list[int] = []


def _handler(signum: int, frame: FrameType | None) -> None:
    # once: the teardown this starts must be allowed to finish (not SIG_IGN, which the
    # teardown's own children would inherit across exec)
    if _fired:
        return
    _fired.append(signum)
    raise KeyboardInterrupt(f"pytest got {signal.Signals(signum).name}")


def pytest_configure(config: pytest.Config) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in HANDLED:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            _previous[sig] = signal.signal(sig, _handler)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _previous:
        sig, old = _previous.popitem()
        signal.signal(sig, old)  # type: ignore[arg-type]
