"""Real installs from the lab channel with the built-in rattler engine."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from labtools import process

pytestmark = pytest.mark.integration


def test_lab_channel_has_python_ipykernel_and_demos(lab_channel: Path) -> None:
    repodata = json.loads((lab_channel / "noarch" / "repodata.json").read_text())
    names = {r["name"] for r in repodata["packages.conda"].values()}
    assert {"ipykernel", "labdemo", "labdemo-extra", "pip", "traitlets"} <= names
    linux = json.loads((lab_channel / "linux-64" / "repodata.json").read_text())
    assert "python" in {r["name"] for r in linux["packages.conda"].values()}


def test_env_python_is_relocated_into_the_env(make_env: Callable[..., Path]) -> None:
    prefix = make_env("py-reloc", ["python", "labdemo-extra"])
    done = process.run([prefix / "bin" / "python", "-c",
                        "import sys, labdemo_extra; print(sys.prefix, sys.base_prefix, "
                        "labdemo_extra.VALUE)"])
    assert done.stdout.split() == [str(prefix), str(prefix), "42"]
    # console script from link.json entry points, with the env's interpreter
    script = prefix / "bin" / "labdemo"
    assert script.read_text().startswith(f"#!{prefix}/bin/python")
    assert process.run([script]).stdout.strip() == "hello from labdemo"


def test_create_finishes_the_prefix(make_env: Callable[..., Path]) -> None:
    prefix = make_env("py-finish", ["python", "labdemo"])
    assert not (prefix / "CACHEDIR.TAG").exists()
    records = list((prefix / "conda-meta").glob("*.json"))
    assert records and all(stat.S_IMODE(r.stat().st_mode) == 0o644 for r in records)
    history = (prefix / "conda-meta" / "history").read_text()
    assert history.startswith("==> ")
    assert "# update specs: ['python', 'labdemo']" in history
    assert "::labdemo-1.0-pyh_lab_0" in history
    record = json.loads(next((prefix / "conda-meta").glob("labdemo-1.0-*.json")).read_text())
    assert record["requested_specs"] == ["labdemo"]
    # conda-owned dist-info: pip refuses to uninstall it
    dist = next(prefix.glob("lib/python3.*/site-packages/labdemo-1.0.dist-info"))
    assert (dist / "INSTALLER").read_text().strip() == "conda"
    assert not (dist / "RECORD").exists()


def test_kernel_env_runs_ipykernel(lab_kernel_env: Path) -> None:
    done = process.run([lab_kernel_env / "bin" / "python", "-c",
                        "import ipykernel, zmq, sys; print(ipykernel.__version__, sys.prefix)"])
    assert done.stdout.split()[1] == str(lab_kernel_env)
    assert (lab_kernel_env / "share/jupyter/kernels/python3/kernel.json").is_file()
