"""`pipx install .` and `uv tool install .` give a working `labtools`, runtime only.

Each installs the checkout into a sandboxed tool folder (never the user's), then runs
the core of the README's tour with that binary: the runtime dependencies alone must do
environments, kernels and specs, and none of the docs/dev tools may come along.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CACHE = ROOT / "build" / "tool-install-cache"  # downloads only; the installs are fresh
#: dev/docs-only distributions that a runtime install must not pull in
NOT_RUNTIME = ("playwright", "mypy", "ruff", "jedi", "ipython", "ipykernel", "mkdocs",
               "nbconvert", "matplotlib", "jupyter_server", "pytest", "hypothesis")


def run(argv: list[str | Path], env: dict[str, str], **kw: object) -> str:
    done = subprocess.run([str(a) for a in argv], env=env, capture_output=True, text=True,
                          timeout=900, **kw)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{argv}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return str(done.stdout)


def tool_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(name, None)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if Path(p) != VENV_BIN)
    return env


def installed(site_packages: Path) -> set[str]:
    return {p.name.split("-")[0].lower() for p in site_packages.glob("*.dist-info")}


@pytest.fixture(scope="module", params=["uv", "pipx"])
def tool(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """(installer, labtools executable, environment) after a fresh tool install."""
    tmp = tmp_path_factory.mktemp(f"{request.param}-tool")
    env = tool_env(tmp)
    env["HOME"] = str(tmp / "home")
    (tmp / "home").mkdir()
    bin_dir = tmp / "bin"
    if request.param == "uv":
        env.update(UV_TOOL_DIR=str(tmp / "tools"), UV_TOOL_BIN_DIR=str(bin_dir),
                   UV_CACHE_DIR=str(CACHE / "uv"), UV_PYTHON=sys.executable,
                   UV_PYTHON_DOWNLOADS="never")
        run([VENV_BIN / "uv", "tool", "install", ROOT], env)
    else:
        env.update(PIPX_HOME=str(tmp / "pipx"), PIPX_BIN_DIR=str(bin_dir),
                   PIPX_MAN_DIR=str(tmp / "man"), PIP_CACHE_DIR=str(CACHE / "pip"),
                   PIPX_DEFAULT_PYTHON=sys.executable)
        run([sys.executable, "-m", "pipx", "install", ROOT], env)
    exe = bin_dir / "labtools"
    assert exe.exists(), f"{request.param} put no labtools into {bin_dir}"
    yield request.param, exe, env


def tool_python(exe: Path) -> Path:
    # the console script's shebang names the tool environment's interpreter
    return Path(exe.read_text(encoding="utf-8").splitlines()[0][2:].split()[0])


def test_the_tool_runs_and_carries_only_the_runtime(tool: tuple[str, Path, dict[str, str]]
                                                    ) -> None:
    _, exe, env = tool
    assert run([exe, "--version"], env).strip() == "labtools, version 0.1.0"
    python = tool_python(exe)
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    env).strip())
    found = installed(site)
    assert "labtools" in found and "py_rattler" in found
    assert not found & set(NOT_RUNTIME), sorted(found & set(NOT_RUNTIME))


def test_the_tour_core_works_with_the_runtime_only(
    tool: tuple[str, Path, dict[str, str]], lab_channel: Path, tmp_path: Path
) -> None:
    _, exe, env = tool
    env = {**env, "LABTOOLS_CHANNELS": str(lab_channel), "LABTOOLS_BACKEND": "rattler",
           "LABTOOLS_ENVS_ROOT": str(tmp_path / "envs")}
    assert json.loads(run([exe, "env", "name", "python=3.11", "--json"], env))["name"] == "py311"
    run([exe, "env", "create", "py311-tool", "python", "ipykernel"], env)
    run([exe, "kernel", "register", "py311-tool"], env)
    verified = json.loads(run([exe, "kernel", "verify", "py311-tool", "--json"], env))
    assert Path(verified["prefix"]) == tmp_path / "envs" / "py311-tool"
    run([exe, "spec", "export", "py311-tool", "--out", tmp_path / "spec.yml"], env)
    assert "ipykernel=" in (tmp_path / "spec.yml").read_text(encoding="utf-8")


def test_a_missing_extra_is_named(tool: tuple[str, Path, dict[str, str]]) -> None:
    _, exe, env = tool
    done = subprocess.run([str(exe), "jupyter", "config", "--password", "--json"], env=env,
                          input="a long passphrase\n", capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    error = json.loads(done.stdout)["error"]
    assert error["code"] == "missing-extra" and "labtools[jupyter]" in error["hint"]


def test_pip_runs_even_where_the_tool_environment_has_none(
    tool: tuple[str, Path, dict[str, str]]
) -> None:
    _, exe, env = tool
    python = tool_python(exe)
    argv = json.loads(run([python, "-c", "import json; from labtools.demo_channel import "
                                         "pip_argv; print(json.dumps(pip_argv()))"], env))
    assert run([*argv, "--version"], env).startswith("pip ")
