"""Secret-bearing files (Jupyter config, remote token file, private key) no one else can use.

A symlink planted at any secret file's path is refused, never followed (the link's target
stays as it was); so is a file or a folder that another user owns or can write. What is
written is 0600 in a 0700 folder.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from labtools.cli import cli
from labtools.errors import UnsafeFileError
from labtools.remote import _token_file, token_path
from labtools.secretfile import private_dir, write_secret

pytestmark = pytest.mark.integration
NOBODY = 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")


def invoke(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def one_line_refusal(result: Result, words: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr


def plant(link: Path, tmp_path: Path) -> Path:
    """A symlink at *link* to a file the attacker can read; returns the target."""
    bait = tmp_path / "attacker" / "bait.json"
    bait.parent.mkdir(parents=True, exist_ok=True)
    bait.write_text("{}\n")
    bait.chmod(0o644)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(bait)
    return bait


def no_temp_files(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("where", ["default", "out"])
def test_jupyter_config_refuses_a_planted_symlink(tmp_path: Path, where: str) -> None:
    if where == "default":
        link = Path(os.environ["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.json"
        args = ["jupyter", "config", "--password"]
    else:
        link = tmp_path / "cfg" / "server.json"
        args = ["jupyter", "config", "--password", "--out", str(link)]
    bait = plant(link, tmp_path)
    one_line_refusal(invoke(*args, stdin="a long enough passphrase\n"),
                     f"{link} is a symbolic link; refusing to write a secret through it")
    assert bait.read_text() == "{}\n" and link.is_symlink()
    no_temp_files(link.parent)


def test_jupyter_config_refuses_an_open_folder(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    target = folder / "jupyter_server_config.json"
    one_line_refusal(invoke("jupyter", "config", "--out", str(target)), "is writable by others")
    assert not target.exists()


@as_root
def test_jupyter_config_refuses_files_and_folders_of_another_user(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, NOBODY, NOBODY)
    one_line_refusal(invoke("jupyter", "config", "--out", str(theirs / "c.json")),
                     "is owned by")
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    planted = mine / "c.json"
    planted.write_text("{}")
    os.chown(planted, NOBODY, NOBODY)
    one_line_refusal(invoke("jupyter", "config", "--out", str(planted)),
                     "refusing to write a secret into a file someone else controls")
    assert planted.read_text() == "{}"


def test_jupyter_config_files_are_0600_in_0700() -> None:
    result = invoke("jupyter", "config", "--json")
    assert result.exit_code == 0, result.output
    path = Path(json.loads(result.stdout)["path"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.stat().st_uid == os.geteuid()


def test_remote_token_file_refuses_a_planted_symlink_before_connecting(tmp_path: Path) -> None:
    port = 45678
    link = token_path(port)
    bait = plant(link, tmp_path)
    result = invoke("jupyter", "remote", "no-such-host.invalid", "--port", str(port),
                    "--timeout", "5")
    one_line_refusal(result, "is a symbolic link")
    assert bait.read_text() == "{}\n"
    with pytest.raises(UnsafeFileError):
        _token_file(port, "x" * 48)
    assert bait.read_text() == "{}\n"


def test_remote_token_file_is_0600_in_a_0700_runtime_dir() -> None:
    path = _token_file(45679, "t" * 48)
    assert path.read_text() == "t" * 48 + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@as_root
def test_a_runtime_dir_someone_else_made_is_refused(tmp_path: Path) -> None:
    runtime = Path(os.environ["XDG_RUNTIME_DIR"]) / "labtools"
    runtime.mkdir(mode=0o700)
    os.chown(runtime, NOBODY, NOBODY)
    with pytest.raises(UnsafeFileError, match="is owned by"):
        _token_file(45680, "t" * 48)
    assert list(runtime.iterdir()) == []


@pytest.mark.requires_tool("ssh-keygen")
def test_keygen_refuses_a_planted_symlink_even_with_force(tmp_path: Path) -> None:
    link = tmp_path / "keys" / "id_ed25519"
    bait = plant(link, tmp_path)
    one_line_refusal(invoke("tunnel", "keygen", "--file", str(link), "--force"),
                     "is a symbolic link")
    assert bait.read_text() == "{}\n"
    assert [p.name for p in link.parent.iterdir()] == ["id_ed25519"]


def test_write_secret_never_follows_a_link_and_keeps_0600(tmp_path: Path) -> None:
    folder = private_dir(tmp_path / "private")
    target = folder / "secret"
    write_secret(target, "one\n")
    write_secret(target, "two\n")
    assert target.read_text() == "two\n" and stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(UnsafeFileError, match="already exists"):
        write_secret(target, "three\n", replace=False)
    elsewhere = tmp_path / "elsewhere"
    target.unlink()
    target.symlink_to(elsewhere)
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        write_secret(target, "four\n")
    assert not elsewhere.exists()
