"""The env, channel and profile CLI: exit codes, one-line errors, --json, nothing left behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from labtools.channel.lab import make_wheel
from labtools.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_env_name() -> None:
    code, out, _ = run("env", "name", "python=3.11", "pytorch=2.0", "pytorch-cuda=11.8")
    assert (code, out.strip()) == (0, "py311-torch20-cuda118")
    code, out, _ = run("env", "name", "--json", "tensorflow=2.13", "mkl")
    assert json.loads(out)["name"] == "tf213-mkl"


@pytest.mark.integration
def test_create_inspect_list_remove(lab_channel: Path, tmp_path: Path) -> None:
    root = tmp_path / "envs"
    code, out, err = run("env", "create", "py311-demo", "python", "labdemo", "-c",
                         str(lab_channel), "--root", str(root), "--json", "--no-compile")
    assert code == 0, err
    created = json.loads(out)
    assert created["backend"] == "rattler" and "built-in engine" in created["backend_reason"]
    # pip comes along with python, as conda's add_pip_as_python_dependency says
    assert {p["name"] for p in created["packages"]} == {"python", "labdemo", "pip"}
    prefix = root / "py311-demo"
    code, out, _ = run("env", "inspect", str(prefix), "--json", "--why", "labdemo")
    report = json.loads(out)
    assert report["module"]["found"] and report["module"]["owner"] == "conda package labdemo 1.0"
    assert {p["origin"] for p in report["packages"]} == {"conda"}
    code, out, _ = run("env", "inspect", str(prefix), "--why", "numpy")
    assert code == 0 and "numpy: not importable: no numpy in" in out
    code, out, _ = run("env", "list", "--root", str(root), "--json")
    assert [e["name"] for e in json.loads(out) if e["source"] == "labtools"] == ["py311-demo"]
    code, _, err = run("env", "remove", "py311-demo", "--root", str(root))
    assert code == 1 and "without confirmation" in err and prefix.exists()
    code, out, _ = run("env", "remove", "py311-demo", "--root", str(root), "--yes")
    assert code == 0 and not prefix.exists()
    assert list(root.iterdir()) == []


@pytest.mark.integration
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["py311-x", "python", "nosuchpkg"], "no solution for python nosuchpkg: "),
        (["py311-x", "python >>3"], "invalid package spec 'python >>3'"),
        (["env1", "python"], "'env1' is a vague name"),
        (["a/b", "python"], "contains a path separator"),
        (["py311-x", "python", "-c", "http://127.0.0.1:9"], "cannot read channel(s)"),
    ],
)
def test_create_bad_input(lab_channel: Path, tmp_path: Path, args: list[str],
                          message: str) -> None:
    root = tmp_path / "envs"
    channel = [] if "-c" in args else ["-c", str(lab_channel)]
    code, _, err = run("env", "create", *args, *channel, "--root", str(root))
    assert code == 1
    assert err.startswith("labtools: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not root.exists() or list(root.iterdir()) == []


def test_create_malformed_file_and_unwritable_root(tmp_path: Path) -> None:
    bad = tmp_path / "environment.yml"
    bad.write_text("name: py311-x\ndependencies:\n  - python\n  - [nested]\n")
    code, _, err = run("env", "create", "--file", str(bad), "-c", str(tmp_path))
    assert code == 1 and "environment.yml:4: unexpected list in 'dependencies'" in err
    locked = tmp_path / "locked"
    locked.write_text("a file, not a folder")
    code, _, err = run("env", "create", "py311-x", "python", "-c", str(tmp_path),
                       "--root", str(locked / "envs"), "--backend", "rattler")
    assert code == 1 and "cannot create the envs root" in err


def test_remove_refuses_non_env_and_base(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    code, _, err = run("env", "remove", str(plain), "--yes")
    assert code == 1 and "is not an environment" in err and plain.exists()
    base = tmp_path / "miniforge"
    (base / "conda-meta").mkdir(parents=True)
    (base / "condabin").mkdir()
    code, _, err = run("env", "remove", str(base), "--yes")
    assert code == 1 and "refusing to remove" in err and base.exists()


@pytest.mark.integration
def test_channel_commands(tmp_path: Path) -> None:
    channel = tmp_path / "ch"
    assert run("channel", "init", str(channel))[0] == 0
    wheel = make_wheel(tmp_path, "tinytool", "0.1", files={"tinytool.py": "X = 1\n"})
    code, out, _ = run("channel", "add-wheel", str(channel), str(wheel), "--json")
    assert code == 0 and json.loads(out)["added"] == ["tinytool-0.1-pyh_lab_0.conda"]
    code, out, _ = run("channel", "index", str(channel), "--json")
    assert code == 0 and (channel / "noarch" / "repodata.json").is_file()
    code, _, err = run("channel", "index", str(tmp_path / "nothing"))
    assert code == 1 and "is not a channel folder" in err


def test_profile_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABTOOLS_CHANNELS", "https://lab.example/ch, /srv/ch")
    code, out, _ = run("profile", "show", "--json")
    data = json.loads(out)
    assert code == 0 and data["channels"] == ["https://lab.example/ch", "/srv/ch"]
    assert data["sources"]["channels"] == "LABTOOLS_CHANNELS"
    code, out, _ = run("profile", "show")
    assert "backend" in out and "(default)" in out
