"""conda, mamba and micromamba (the real ones, sandboxed) create envs from the lab channel."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from plugins.real_tools import RealTool

from labtools.envs.create import create_env

pytestmark = pytest.mark.integration


def test_real_tool_creates_from_lab_channel(real_tool: RealTool, lab_channel: Path,
                                            tmp_path: Path) -> None:
    backend = "conda" if real_tool.name.startswith("conda") else real_tool.name
    result = create_env(name="py311-demo", specs=["python", "labdemo"],
                        channels=[lab_channel.as_uri()], backend=backend, root=tmp_path / "envs",
                        compile_bytecode=False)
    assert result.backend == backend
    names = {p.name for p in result.packages}
    assert {"python", "labdemo"} <= names, names
    # through labtools every tool brings pip along with python (conda's
    # add_pip_as_python_dependency); see test_raw_conda_libmamba_drops_pip for why conda
    # needs labtools' help
    assert "pip" in names, names
    assert (result.prefix / "conda-meta" / "history").read_text().count("==> ") >= 1
    hello = subprocess.run([str(result.prefix / "bin" / "labdemo")], capture_output=True,
                           text=True, check=True)
    assert hello.stdout.strip() == "hello from labdemo"


def test_channel_add_python_is_usable_by_the_real_tool(real_tool: RealTool,
                                                       tmp_path: Path) -> None:
    """`channel init` + `add-python` + `index` alone give a channel each tool installs from."""
    from click.testing import CliRunner

    from labtools.cli import cli

    chan = tmp_path / "chan"
    runner = CliRunner()
    for argv in (["channel", "init", str(chan)], ["channel", "add-python", str(chan)],
                 ["channel", "index", str(chan)]):
        done = runner.invoke(cli, argv)
        assert done.exit_code == 0, done.output
    assert list((chan / "noarch").glob("pip-*.conda")), "add-python must bring pip along"
    prefix = tmp_path / "py"
    real_tool.run("create", "-y", "-p", str(prefix), "--override-channels",
                  "-c", chan.as_uri(), "python")
    done = subprocess.run([str(prefix / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(prefix)


def test_raw_conda_libmamba_drops_pip(real_tool: RealTool, lab_channel: Path,
                                      tmp_path: Path) -> None:
    """A real difference, asserted as such: conda's libmamba solver (26.6 / libmambapy 2.8)
    adds pip to python only inside a repo that holds pip, and the lab channel (like
    conda-forge) keeps python in linux-64 and pip in noarch; classic, mamba and micromamba
    bring pip along (mamba and micromamba ask for it explicitly)."""
    import json

    done = real_tool.run("create", "--dry-run", "--json", "-p", str(tmp_path / "raw"),
                         "--override-channels", "-c", lab_channel.as_uri(), "python", "labdemo")
    linked = {p["name"] for p in json.loads(done.stdout)["actions"]["LINK"]}
    assert {"python", "labdemo"} <= linked
    assert ("pip" in linked) is (real_tool.name != "conda"), linked


def test_real_tool_info_reads_its_own_info_json(real_tool: RealTool) -> None:
    """info(): one ``TOOL info --json`` run for every tool, read in the tool's own shape."""
    from labtools.envs.backends import get_backend

    backend = get_backend("conda" if real_tool.name.startswith("conda") else real_tool.name)
    info = backend.info()
    assert info.error is None, info.error
    assert (info.executable, info.version) == (str(real_tool.exe), real_tool.version)
    assert info.solver in ("classic", "libmamba"), info.solver
    pkgs = Path(real_tool.env["CONDA_PKGS_DIRS"])
    assert pkgs in backend.cache_dirs(), (pkgs, backend.cache_dirs())
