"""The doctor on real envs from the lab channel, broken on purpose in a tmp folder."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from labtools import process
from labtools.channel.lab import make_wheel
from labtools.cli import cli
from labtools.doctor import DoctorReport, run_doctor
from labtools.envs.create import remove_tree
from labtools.envs.inspect import site_packages_of

pytestmark = pytest.mark.integration
MakeEnv = Callable[..., Path]


def _doctor(prefix: Path | None, home: Path, *, path: str, kernels: bool = False,
            notebook: Path | None = None, **extra: str) -> DoctorReport:
    environ = {"PATH": path, **extra}
    return run_doctor(env=prefix, notebook=notebook, kernels=kernels, environ=environ,
                      home=home, sys_prefix=sys.prefix, in_kernel=False)


def _codes(report: DoctorReport) -> set[str]:
    return {f.code for f in report.findings}


def _bin(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text(text)
    script.chmod(0o755)


def test_pip_shadowing_user_site_pythonpath_and_path_order(
    make_env: MakeEnv, tmp_path: Path
) -> None:
    prefix = make_env("py-shadow", ("python", "pip", "labdemo"))
    wheel = make_wheel(tmp_path / "wheels", "labdemo", "2.0",
                       files={"labdemo/__init__.py": "def main():\n    print('pip copy')\n"})
    process.run([prefix / "bin" / "python", "-m", "pip", "install", "--no-index", "--no-deps",
                 "--ignore-installed", "--disable-pip-version-check", "-q", wheel])
    home = tmp_path / "home"
    active = f"{prefix}/bin:/usr/bin:/bin"
    clean = _doctor(None, home, path=active, CONDA_PREFIX=str(prefix))
    shadow = next(f for f in clean.findings if f.code == "pip-shadows-conda")
    assert "labdemo" in shadow.message and "2.0" in shadow.message and "1.0" in shadow.message
    assert f"{prefix}/bin/python -m pip uninstall -y labdemo" in shadow.fix
    assert not clean.ok and clean.facts.interpreters.target_source == "CONDA_PREFIX"
    assert "python-not-activated" not in _codes(clean)

    site = home / ".local" / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    (site / "site-packages").mkdir(parents=True)
    (site / "site-packages" / "leaky.py").write_text("X = 1\n")
    other = tmp_path / "otherbin"
    (other).mkdir()
    (other / "python").symlink_to(sys.executable)
    broken = _doctor(None, home, path=f"{other}:{active}", CONDA_PREFIX=str(prefix),
                     PYTHONPATH="/srv/code")
    assert {"pip-shadows-conda", "user-site-leak", "pythonpath-set",
            "python-not-activated"} <= _codes(broken)
    leak = next(f for f in broken.findings if f.code == "user-site-leak")
    assert "leaky" in leak.message and "PYTHONNOUSERSITE=1" in leak.fix
    calm = _doctor(None, home, path=active, CONDA_PREFIX=str(prefix), PYTHONNOUSERSITE="1")
    assert "user-site-leak" not in _codes(calm) and "user-site-disabled" in _codes(calm)


def test_cuda_driver_older_than_the_torch_build(make_env: MakeEnv, tmp_path: Path) -> None:
    prefix = make_env("py-gpu", ("python",))
    site = site_packages_of(prefix)
    assert site is not None
    dist = site / "torch-2.1.0+cu118.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: torch\nVersion: 2.1.0+cu118\n")
    (dist / "INSTALLER").write_text("pip\n")
    (dist / "RECORD").write_text("")
    home = tmp_path / "home"
    nogpu = _doctor(prefix, home, path="/usr/bin:/bin")
    finding = next(f for f in nogpu.findings if f.code == "no-gpu")
    assert finding.severity == "info" and "torch (CUDA 11.8)" in finding.message
    smi = tmp_path / "gpu-bin"
    _bin(smi, "nvidia-smi", "#!/bin/sh\necho '| NVIDIA-SMI 470.82  Driver Version: 470.82  "
                            "CUDA Version: 11.4 |'\n")
    old = _doctor(prefix, home, path=f"{smi}:/usr/bin:/bin")
    mismatch = next(f for f in old.findings if f.code == "cuda-mismatch")
    assert "CUDA 11.8" in mismatch.message and "CUDA 11.4" in mismatch.message
    assert not old.ok and old.facts.driver_cuda == "11.4"
    _bin(smi, "nvidia-smi", "#!/bin/sh\necho 'NVIDIA-SMI has failed: no driver' >&2\nexit 9\n")
    dead = _doctor(prefix, home, path=f"{smi}:/usr/bin:/bin")
    assert "gpu-driver-broken" in _codes(dead)


def _kernel(name: str, argv0: str) -> None:
    folder = Path(os.environ["JUPYTER_DATA_DIR"]) / "kernels" / name
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps({
        "argv": [argv0, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": name, "language": "python"}))


def test_kernels_gone_without_ipykernel_and_notebook_elsewhere(
    make_env: MakeEnv, lab_kernel_env: Path, tmp_path: Path
) -> None:
    from labtools.kernels.register import register_kernel

    bare = make_env("py-bare", ("python",))
    gone = make_env("py-gone", ("python",))
    _kernel("bare", str(bare / "bin" / "python"))
    _kernel("gone", str(gone / "bin" / "python"))
    remove_tree(gone)
    register_kernel(lab_kernel_env, name="k311")
    notebook = tmp_path / "analysis.ipynb"
    notebook.write_text(json.dumps({
        "cells": [], "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "k311", "display_name": "k311",
                                    "language": "python"}}}))
    report = _doctor(bare, tmp_path / "home", path=f"{bare}/bin:/usr/bin:/bin", kernels=True,
                     notebook=notebook, CONDA_PREFIX=str(bare))
    by_code = {f.code: f for f in report.findings}
    assert by_code["kernel-orphan"].severity == "error"
    assert "py-gone" in by_code["kernel-orphan"].message
    assert "no ipykernel" in by_code["kernel-no-ipykernel"].message
    elsewhere = by_code["notebook-kernel-elsewhere"]
    assert str(lab_kernel_env) in elsewhere.message
    assert elsewhere.fix.startswith(f"`labtools kernel register {bare} --name k311`")
    assert report.facts.notebook is not None
    assert Path(report.facts.notebook.prefix or "").resolve() == lab_kernel_env.resolve()


def test_cli_doctor_json_and_exit_status(make_env: MakeEnv, tmp_path: Path) -> None:
    prefix = make_env("py-cli", ("python",))
    runner = CliRunner()
    env = {"PATH": f"{prefix}/bin:/usr/bin:/bin", "CONDA_PREFIX": str(prefix)}
    good = runner.invoke(cli, ["doctor", "--no-kernels", "--json"], env=env)
    assert good.exit_code == 0, good.output
    assert json.loads(good.stdout)["ok"] is True
    bad = runner.invoke(cli, ["doctor", "--env", str(prefix), "--no-kernels"],
                        env={**env, "PYTHONPATH": "/srv/code"})
    assert bad.exit_code == 1
    assert "pythonpath-set" in bad.stdout and "fix: unset PYTHONPATH" in bad.stdout
