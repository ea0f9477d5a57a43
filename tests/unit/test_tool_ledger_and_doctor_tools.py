"""The tool ledger (process.py), the doctor's package-manager checks, the handbook's
real-tools service: what a verification stamp says about the tools a page ran."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labtools import process
from labtools.doctor.tools import ToolFact, check_tools
from labtools.handbook.services.real_tools import RealToolsService


def fake_tool(folder: Path, name: str, version_line: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    exe.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    exe.chmod(0o755)
    return exe


def test_the_ledger_records_each_program_run_and_names_the_tools_versions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conda = fake_tool(tmp_path / "bin", "conda", "conda 26.7.1")
    micromamba = fake_tool(tmp_path / "bin", "micromamba", "2.8.1")
    ledger = tmp_path / "ledger.jsonl"
    monkeypatch.setenv(process.LEDGER_ENV, str(ledger))
    for exe in (conda, conda, micromamba):
        process.run([exe, "info"])
    process.run(["true"])  # not a package manager: recorded, not stamped
    lines = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert [item["tool"] for item in lines] == ["conda", "conda", "micromamba", "true"]
    assert process.ledger_tools(ledger) == {"conda": "26.7.1", "micromamba": "2.8.1"}
    assert len(ledger.read_text().splitlines()) == 4  # asking versions is not recorded
    conda.unlink()
    assert process.ledger_tools(ledger)["conda"] == "unknown"
    assert process.ledger_tools(tmp_path / "missing.jsonl") == {}


def test_without_a_ledger_nothing_is_written(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(process.LEDGER_ENV, raising=False)
    process.run(["true"], cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_doctor_says_why_conda_will_not_start_and_which_tool_is_broken() -> None:
    conda = ToolFact("conda", "/opt/conda/bin/conda", None, None, error="conda info failed")
    mamba = ToolFact("mamba", "/opt/bin/mamba", None, None, error="mamba info failed")
    both = {"CONDA_ENVS_DIRS": "/a", "CONDA_ENVS_PATH": "/b"}
    found = {f.code: f for f in check_tools([conda, mamba], both)}
    assert found["conda-envs-vars-conflict"].severity == "error"
    assert "unset CONDA_ENVS_PATH" in found["conda-envs-vars-conflict"].fix
    assert "conda-broken" not in found and found["mamba-broken"].severity == "warning"
    assert [f.code for f in check_tools([conda], {})] == ["conda-broken"]
    healthy = ToolFact("conda", "/opt/conda/bin/conda", "26.7.1", "libmamba")
    assert check_tools([healthy], {"CONDA_ENVS_DIRS": "/a"}) == []


def test_the_real_tools_service_offers_sealed_tools(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    tools = tmp_path / "tools"
    for name in ("conda", "mamba", "micromamba"):
        fake_tool(tools / "bin", name, "1.0")
    service = RealToolsService(tools)
    service.start(tmp_path / "scratch")
    env = service.environ()
    assert env["LABTOOLS_REAL_TOOLS"] == str(tools) and "PATH" not in env
    assert Path(env["MAMBA_ROOT_PREFIX"]).is_dir() and env["CONDA_OVERRIDE_CUDA"] == ""
    home = tmp_path / "home"
    home.mkdir()
    service.prepare_home(home)
    rc = (home / ".condarc").read_text()
    assert "channels: []" in rc and "nonexistent-channel-alias" in rc
    assert str(tools) in service.fingerprint()
    monkeypatch.setenv("LABTOOLS_REAL_TOOLS", str(tmp_path / "no-tools-here"))
    absent = RealToolsService()
    absent.start(tmp_path / "scratch2")
    assert absent.environ() == {} and "absent" in absent.fingerprint()
