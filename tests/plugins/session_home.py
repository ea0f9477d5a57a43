"""The whole session runs with a sandbox HOME, not only each test (issue 19, item 6).

The autouse ``isolated_home`` fixture gives every test its own HOME, but session
fixtures (a browser, the handbook build, the lab channel) start before it, and so did
write to the real HOME: ~/.config/chromium, ~/.config/matplotlib, ~/.ipython. Here,
before anything runs, HOME and the XDG, Jupyter, IPython and matplotlib dirs point into
a session folder. The shared machine caches that fixtures fill on purpose keep their
real place: the real conda/mamba/micromamba install (``LABTOOLS_TOOLS_CACHE``) and the
mirror cache (read by tests/plugins/env_mirror.py at import, before this runs).
``tools/readonly-home.sh`` runs the suite with the real HOME read-only to prove it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REAL_HOME_VAR = "LABTOOLS_TEST_REAL_HOME"
_session: list[Path] = []


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get(REAL_HOME_VAR):  # a nested session (pytest run by a test)
        return
    real_home = Path.home()
    real_cache = Path(os.environ.get("XDG_CACHE_HOME") or real_home / ".cache")
    os.environ.setdefault("LABTOOLS_TOOLS_CACHE", str(real_cache / "labtools" / "real-tools"))
    os.environ[REAL_HOME_VAR] = str(real_home)
    root = Path(tempfile.mkdtemp(prefix="labtools-session-home-"))
    _session.append(root)
    layout = {
        "HOME": root,
        "XDG_CONFIG_HOME": root / ".config",
        "XDG_DATA_HOME": root / ".local/share",
        "XDG_CACHE_HOME": root / ".cache",
        "XDG_STATE_HOME": root / ".local/state",
        "JUPYTER_DATA_DIR": root / ".local/share/jupyter",
        "JUPYTER_CONFIG_DIR": root / ".jupyter",
        "IPYTHONDIR": root / ".ipython",
        "MPLCONFIGDIR": root / ".config/matplotlib",
    }
    for name, path in layout.items():
        path.mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(path)


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    for root in _session:
        shutil.rmtree(root, ignore_errors=True)
