"""The real conda, mamba and micromamba, each in its own sealed sandbox (one fixture).

``tools/real-tools.sh`` installs the kits from ``../shared/tools`` into a cache outside the
clone (keyed by the kits' content; a second run only checks the stamp). This plugin runs it
once per session and hands tests a :class:`RealTool` per tool:

- ``real_tool`` (parametrized: ``conda``, ``mamba``, ``micromamba``; test ids name the tool):
  the tool on PATH, with HOME, XDG dirs, CONDARC/MAMBARC, the package cache, the envs dir and
  ``MAMBA_ROOT_PREFIX`` all inside the test's tmp folder, set in ``os.environ`` so both the
  in-process CLI and subprocesses see them. Nothing reaches the user's real conda.
- ``real_tools_dir``: the folder whose ``bin/`` holds all three (session).

Where the kits are absent the tests skip with the install command as the reason; with
``LABTOOLS_REQUIRE_REAL_TOOLS=1`` (CI) they fail instead, so CI can never pass by skipping.
The package cache is shared per tool for the session (warm, as on a developer's machine);
everything else is per test. conda runs with the solver it defaults to (libmamba when the kit
installed libmambapy, as with a Miniforge conda); ``conda-classic`` pins the classic solver.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from labtools.toolsandbox import ToolSandbox

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tools" / "real-tools.sh"
TOOLS = ("conda", "mamba", "micromamba")
INSTALL_HINT = "run tools/real-tools.sh (needs the kits in ../shared/tools or LABTOOLS_KITS)"


def required() -> bool:
    return os.environ.get("LABTOOLS_REQUIRE_REAL_TOOLS", "") not in ("", "0")


@dataclass(frozen=True)
class RealTool:
    """One real tool in its sandbox: run it, or let labtools find it on PATH."""

    name: str  # conda, mamba, micromamba (conda-classic runs conda)
    exe: Path
    sandbox: Path
    env: dict[str, str]
    version: str

    @property
    def envs_dir(self) -> Path:
        return self.sandbox / "envs"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.exe), *args], env=self.env, capture_output=True,
                              text=True, check=check, timeout=600)


def kits_environ() -> dict[str, str]:
    """The environment for tools/real-tools.sh: in a git worktree outside the main
    checkout, the kits sit beside the main checkout (found through git's common dir)."""
    env = dict(os.environ)
    if env.get("LABTOOLS_KITS") or (REPO.parent / "shared" / "tools").is_dir():
        return env
    done = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--path-format=absolute",
                           "--git-common-dir"], capture_output=True, text=True, check=False)
    kits = Path(done.stdout.strip()).parent.parent / "shared" / "tools"
    if done.returncode == 0 and kits.is_dir():
        env["LABTOOLS_KITS"] = str(kits)
    return env


@pytest.fixture(scope="session")
def real_tools_dir() -> Path:
    """Install (or reuse) the real tools; skip, or fail under LABTOOLS_REQUIRE_REAL_TOOLS."""
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=1800,
                          env=kits_environ())
    if done.returncode != 0:
        reason = f"real conda/mamba/micromamba unavailable: {done.stderr.strip()[-300:]} " \
                 f"({INSTALL_HINT})"
        if required():
            pytest.fail(reason)
        pytest.skip(reason)
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def real_tool_caches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Package caches shared per tool by the whole session (warm, like a developer's)."""
    return tmp_path_factory.mktemp("real-tool-pkgs")


def sandbox(root: Path, bin_dir: Path, pkgs: Path, *, solver: str | None = None) -> dict[str, str]:
    """Make the sandbox folders and rc file under *root*; return the variables to set."""
    sealed = ToolSandbox(root, pkgs_dir=pkgs).make(solver=solver)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            **sealed.environ()}


def _leaky(name: str) -> bool:
    return (name.startswith(("CONDA_", "MAMBA_", "_CE_")) and name not in ("CONDA_PKGS_DIRS",)) \
        or name in ("CONDA_EXE", "MAMBA_EXE")


@pytest.fixture(params=[*TOOLS, "conda-classic"])
def real_tool(
    request: pytest.FixtureRequest,
    real_tools_dir: Path,
    real_tool_caches: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[RealTool]:
    """The named real tool in a sandbox under tmp_path, also set in ``os.environ``."""
    variant: str = request.param
    tool = "conda" if variant.startswith("conda") else variant
    solver = "classic" if variant == "conda-classic" else None
    root = tmp_path / f"sb-{variant}"
    values = sandbox(root, real_tools_dir / "bin", real_tool_caches / variant, solver=solver)
    for name in list(os.environ):
        if _leaky(name):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    exe = real_tools_dir / "bin" / tool
    version = subprocess.run([str(exe), "--version"], env=dict(os.environ), capture_output=True,
                             text=True, check=True).stdout.split()[-1]
    yield RealTool(name=variant, exe=exe, sandbox=root, env=dict(os.environ), version=version)
