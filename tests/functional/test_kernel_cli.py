"""``labtools kernel ...`` through click's CliRunner, on real venvs and sandboxed Jupyter paths."""

from __future__ import annotations

import json
import os
import stat
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

from labtools import process
from labtools.cli import cli

MAIN_SITE = sysconfig.get_paths()["purelib"]


def make_venv(path: Path, *, ipykernel: bool = True) -> Path:
    """A venv of the base interpreter; with ipykernel borrowed from the project's venv."""
    process.run([sys.executable, "-m", "venv", "--without-pip", path], timeout=120)
    if ipykernel:
        site = next((path / "lib").glob("python3.*")) / "site-packages"
        (site / "labtools_main.pth").write_text(
            f"import site; site.addsitedir({MAIN_SITE!r})\n")
    return path


@pytest.fixture(scope="module")
def venvs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("kernel-envs")
    return {"good": make_venv(root / "py311-good"),
            "bare": make_venv(root / "py311-bare", ipykernel=False)}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def user_kernels() -> Path:
    return Path(os.environ["JUPYTER_DATA_DIR"]) / "kernels"


def test_register_writes_a_readable_spec_for_the_env_python(venvs: dict[str, Path]) -> None:
    code, out, err = invoke("kernel", "register", str(venvs["good"]), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["name"] == "py311-good"
    assert result["display_name"] == "Python 3.11 (py311-good)"
    assert result["on_jupyter_path"] is True
    kdir = user_kernels() / "py311-good"
    spec = json.loads((kdir / "kernel.json").read_text())
    assert spec["argv"][0] == str(venvs["good"] / "bin" / "python")
    assert spec["env"]["PATH"].startswith(str(venvs["good"] / "bin") + ":")
    assert spec["metadata"]["labtools"]["env"] == str(venvs["good"])
    assert spec["metadata"]["labtools"]["package_hash"].startswith("sha256:")
    assert stat.S_IMODE(kdir.stat().st_mode) == 0o755
    assert stat.S_IMODE((kdir / "kernel.json").stat().st_mode) == 0o644
    assert not [p for p in user_kernels().iterdir() if p.name.startswith(".")]


def test_register_by_name_from_conda_envs_path(venvs: dict[str, Path]) -> None:
    os.environ["CONDA_ENVS_PATH"] = str(venvs["good"].parent)
    code, out, err = invoke("kernel", "register", "py311-good", "--name", "Demo",
                            "--display-name", "Demo kernel", "--json")
    assert code == 0, err
    assert json.loads(out)["name"] == "demo"
    assert (user_kernels() / "demo" / "kernel.json").is_file()


def test_register_refuses_env_without_ipykernel(venvs: dict[str, Path]) -> None:
    code, _, err = invoke("kernel", "register", str(venvs["bare"]))
    assert code == 1
    assert "has no ipykernel" in err and "--install-ipykernel" in err
    assert not (user_kernels() / "py311-bare").exists()


def test_register_unknown_env_name_fails_with_fix() -> None:
    code, _, err = invoke("kernel", "register", "no-such-env")
    assert code == 1 and "no environment named 'no-such-env'" in err
    assert "labtools env create" in err


def test_register_prefix_off_the_jupyter_path_notes_the_fix(
        venvs: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = invoke("kernel", "register", str(venvs["good"]), "--prefix",
                            str(tmp_path / "p"))
    assert code == 0
    assert "not on the Jupyter path" in err and "JUPYTER_PATH=" in err
    assert (tmp_path / "p/share/jupyter/kernels/py311-good/kernel.json").is_file()


def test_failed_swap_leaves_previous_kernel_intact(
        venvs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke("kernel", "register", str(venvs["good"]))[0] == 0
    before = (user_kernels() / "py311-good" / "kernel.json").read_text()
    real_rename = os.rename

    def failing_rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(src).name.startswith(".labtools-new-"):
            raise OSError(28, "No space left on device")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", failing_rename)
    code, _, err = invoke("kernel", "register", str(venvs["good"]), "--display-name", "new")
    assert code == 1 and "No space left" in err
    assert (user_kernels() / "py311-good" / "kernel.json").read_text() == before
    assert sorted(p.name for p in user_kernels().iterdir()) == ["py311-good"]


def write_spec(root: Path, name: str, spec: dict[str, object] | str) -> Path:
    kdir = root / "kernels" / name
    kdir.mkdir(parents=True)
    text = spec if isinstance(spec, str) else json.dumps(spec)
    (kdir / "kernel.json").write_text(text)
    return kdir


def test_list_shows_env_and_shadowing(venvs: dict[str, Path], tmp_path: Path) -> None:
    assert invoke("kernel", "register", str(venvs["good"]))[0] == 0
    first = tmp_path / "first"
    write_spec(first, "py311-good", {"argv": ["/elsewhere/bin/python", "-m", "ipykernel"],
                                     "display_name": "old", "language": "python"})
    os.environ["JUPYTER_PATH"] = str(first)
    code, out, _ = invoke("kernel", "list", "--json")
    assert code == 0
    listing = json.loads(out)
    defs = [k for k in listing["kernels"] if k["name"] == "py311-good"]
    assert len(defs) == 2
    active = [k for k in defs if k["shadowed_by"] is None]
    assert [k["env_prefix"] for k in active] == ["/elsewhere"]
    [hidden] = [k for k in defs if k["shadowed_by"]]
    assert hidden["env_prefix"] == str(venvs["good"]) and hidden["env_exists"] is True
    code, out, _ = invoke("kernel", "check", "py311-good")
    assert code == 1
    assert "shadowed:" in out and "orphan:" in out


def test_check_reports_malformed_and_missing_interpreter(tmp_path: Path) -> None:
    root = tmp_path / "jp"
    write_spec(root, "broken", "{not json")
    write_spec(root, "ghost", {"argv": [str(tmp_path / "gone/bin/python"), "-m",
                                        "ipykernel_launcher"], "display_name": "g",
                               "language": "python"})
    os.environ["JUPYTER_PATH"] = str(root)
    code, out, _ = invoke("kernel", "check", "broken", "ghost", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert {p["code"] for p in report["problems"]} == {"malformed", "orphan"}
    code, out, _ = invoke("kernel", "check", "nosuch")
    assert code == 1 and "unknown-kernel" in out


def test_check_orphan_after_env_deleted(tmp_path: Path) -> None:
    env = make_venv(tmp_path / "short-lived")
    assert invoke("kernel", "register", str(env))[0] == 0
    assert invoke("kernel", "check", "short-lived")[0] == 0
    import shutil

    shutil.rmtree(env)
    code, out, _ = invoke("kernel", "check", "short-lived")
    assert code == 1 and out.startswith("orphan:") and "kernel remove short-lived" in out


def test_check_not_python_and_no_ipykernel(venvs: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "jp"
    write_spec(root, "shell", {"argv": ["/bin/sh", "-m", "ipykernel_launcher"],
                               "display_name": "s", "language": "python"})
    write_spec(root, "bare", {"argv": [str(venvs["bare"] / "bin/python"), "-m",
                                       "ipykernel_launcher"], "display_name": "b",
                              "language": "python"})
    os.environ["JUPYTER_PATH"] = str(root)
    code, out, _ = invoke("kernel", "check", "shell", "bare", "--json")
    assert code == 1
    assert {p["code"] for p in json.loads(out)["problems"]} == {"exited", "no-ipykernel"}


def test_check_notebooks(venvs: dict[str, Path], tmp_path: Path) -> None:
    assert invoke("kernel", "register", str(venvs["good"]))[0] == 0
    ours = f"{sys.version_info[0]}.{sys.version_info[1]}.0"
    ok = tmp_path / "ok.ipynb"
    old = tmp_path / "old.ipynb"
    lost = tmp_path / "lost.ipynb"
    for path, name, version in ((ok, "py311-good", ours), (old, "py311-good", "3.9.18"),
                                (lost, "py39-legacy", "3.9.18")):
        path.write_text(json.dumps({"cells": [], "nbformat": 4, "nbformat_minor": 5,
                                    "metadata": {"kernelspec": {"name": name},
                                                 "language_info": {"version": version}}}))
    assert invoke("kernel", "check", "--notebook", str(ok))[0] == 0
    code, out, _ = invoke("kernel", "check", "--notebook", str(old), "--notebook", str(lost))
    assert code == 1
    assert "version-mismatch:" in out and "3.9.18" in out
    assert "notebook-kernel-missing:" in out and "py39-legacy" in out


def test_remove(venvs: dict[str, Path]) -> None:
    assert invoke("kernel", "register", str(venvs["good"]))[0] == 0
    code, out, _ = invoke("kernel", "remove", "py311-good", "--yes", "--json")
    assert code == 0 and json.loads(out)["name"] == "py311-good"
    assert not (user_kernels() / "py311-good").exists()
    code, _, err = invoke("kernel", "remove", "py311-good", "--yes")
    assert code == 1 and "no kernel named 'py311-good'" in err


def test_remove_asks_first(venvs: dict[str, Path]) -> None:
    assert invoke("kernel", "register", str(venvs["good"]))[0] == 0
    result = CliRunner().invoke(cli, ["kernel", "remove", "py311-good"], input="n\n")
    assert result.exit_code != 0
    assert (user_kernels() / "py311-good").is_dir()
