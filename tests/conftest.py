"""Shared fixtures: every test runs in an isolated HOME / XDG / Jupyter / conda world."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from labtools import process

pytest_plugins = [
    "plugins.session_home",
    "plugins.lab_channel",
    "plugins.ssh_host",
    "plugins.real_tools",
    "plugins.env_mirror",
    "plugins.slurm_cluster",
    "plugins.json_contract",
    "plugins.terminate",
]

ISOLATED_VARS = (
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_RUNTIME_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_RUNTIME_DIR",
    "JUPYTER_PATH",
    "IPYTHONDIR",
    "CONDA_ENVS_PATH",
    "CONDA_PKGS_DIRS",
    "CONDA_PREFIX",
    "CONDA_DEFAULT_ENV",
    "PIXI_HOME",
    "PYTHONPATH",
    "LABTOOLS_SECRETS_FILE",
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point HOME, the XDG dirs, Jupyter, IPython and conda dirs into a fresh folder."""
    root = tmp_path_factory.mktemp("home")
    saved = {name: os.environ.get(name) for name in ISOLATED_VARS}
    saved.update({k: v for k, v in os.environ.items() if k.startswith("LABTOOLS_")})
    for name in list(os.environ):
        if name.startswith("LABTOOLS_"):
            del os.environ[name]
    layout = {
        "HOME": root,
        "XDG_CONFIG_HOME": root / ".config",
        "XDG_DATA_HOME": root / ".local/share",
        "XDG_CACHE_HOME": root / ".cache",
        "XDG_RUNTIME_DIR": root / ".run",
        "JUPYTER_DATA_DIR": root / ".local/share/jupyter",
        "JUPYTER_CONFIG_DIR": root / ".jupyter",
        "JUPYTER_RUNTIME_DIR": root / ".local/share/jupyter/runtime",
        "IPYTHONDIR": root / ".ipython",
        "CONDA_ENVS_PATH": root / "conda-envs",
        "CONDA_PKGS_DIRS": root / "conda-pkgs",
    }
    for name, path in layout.items():
        path.mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(path)
    os.chmod(layout["XDG_RUNTIME_DIR"], 0o700)
    for name in ("JUPYTER_PATH", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "PYTHONPATH",
                 "PIXI_HOME", "LABTOOLS_SECRETS_FILE"):
        os.environ.pop(name, None)
    try:
        yield root
    finally:
        for name in list(os.environ):
            if name.startswith("LABTOOLS_"):
                del os.environ[name]
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def pytest_configure(config: pytest.Config) -> None:
    """Children must get Ctrl-C whatever started pytest: a shell runs a background job (`&`)
    with SIGINT ignored, and an ignored signal stays ignored across exec, so the Ctrl-C tests'
    commands would never see it. A handler (unlike SIG_IGN) is reset to default on exec."""
    import signal

    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.requires_tool("sshd")`` skips, with the reason, when the tool is absent."""
    for item in items:
        for marker in item.iter_markers("requires_tool"):
            for tool in marker.args:
                if process.which(tool) is None:
                    hint = process.INSTALL_HINTS.get(tool, f"install {tool}")
                    item.add_marker(pytest.mark.skip(reason=f"{tool} is not on PATH ({hint})"))


_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without finalizing py-rattler: its tokio threads can crash CPython's shutdown
    (pyo3-async-runtimes #40), turning a green run into a SIGSEGV. See labtools.cli.run."""
    import sys

    if "rattler" in sys.modules and _EXIT_STATUS and not hasattr(config, "workerinput"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])
