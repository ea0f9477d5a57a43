"""env create --from-lock: each bad input is one line naming it, exit 1, nothing created."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from labtools.cli import cli

MD5 = "0" * 32


def _explicit(tmp_path: Path, *lines: str, platform: str | None = None) -> Path:
    head = [f"# platform: {platform}"] if platform else []
    path = tmp_path / "explicit.txt"
    path.write_text("\n".join([*head, "@EXPLICIT", *lines]) + "\n")
    return path


def _run(tmp_path: Path, lock: Path, *extra: str) -> tuple[int, str, str, Path]:
    root = tmp_path / "envs"
    done = CliRunner().invoke(cli, ["env", "create", "from-lock", "--from-lock", str(lock),
                                    "--root", str(root), "--backend", "rattler", *extra])
    return done.exit_code, done.stdout, done.stderr, root


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("hint:")), err
    assert "Traceback" not in err
    return lines[0]


def _nothing_made(root: Path) -> None:
    assert not root.exists() or not [p for p in root.iterdir()
                                     if not p.name.startswith(".labtools")], \
        sorted(p.name for p in root.iterdir())


def test_a_missing_lock_is_named(tmp_path: Path) -> None:
    code, out, err, root = _run(tmp_path, tmp_path / "nope.lock")
    assert code == 1 and out == ""
    assert "nope.lock" in _one_line(err)
    _nothing_made(root)


def test_an_unreadable_lock_is_named(tmp_path: Path) -> None:
    lock = tmp_path / "pixi.lock"
    lock.write_text("version: 6\nenvironments: [this is not\n")
    code, out, err, root = _run(tmp_path, lock)
    assert code == 1 and out == ""
    assert "pixi.lock" in _one_line(err)
    _nothing_made(root)


def test_a_platform_the_lock_does_not_have_is_named(tmp_path: Path) -> None:
    lock = _explicit(tmp_path, f"file:///nowhere/linux-64/python-3.11.7-h0_0.conda#{MD5}",
                     platform="linux-64")
    code, out, err, root = _run(tmp_path, lock, "--platform", "osx-arm64")
    assert code == 1 and out == ""
    line = _one_line(err)
    assert "linux-64" in line and "osx-arm64" in line
    _nothing_made(root)


def test_a_package_of_another_platform_is_named(tmp_path: Path) -> None:
    lock = _explicit(tmp_path, f"file:///nowhere/osx-arm64/python-3.11.7-h0_0.conda#{MD5}")
    code, out, err, root = _run(tmp_path, lock, "--platform", "linux-64")
    assert code == 1 and out == ""
    line = _one_line(err)
    assert "python 3.11.7 is a osx-arm64 package, not linux-64" in line
    _nothing_made(root)


def test_a_url_that_cannot_be_fetched_is_named(tmp_path: Path) -> None:
    url = f"{(tmp_path / 'chan').as_uri()}/linux-64/python-3.11.7-h0_0.conda"
    lock = _explicit(tmp_path, f"{url}#{MD5}")
    code, out, err, root = _run(tmp_path, lock, "--platform", "linux-64")
    assert code == 1 and out == ""
    line = _one_line(err)
    assert line.startswith(f"labtools: error: cannot fetch python 3.11.7 h0_0 from {url}"), err
    _nothing_made(root)


def test_a_package_without_a_hash_cannot_be_verified(tmp_path: Path) -> None:
    archive = tmp_path / "chan" / "linux-64" / "python-3.11.7-h0_0.conda"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"not really a package")
    lock = _explicit(tmp_path, archive.as_uri())
    code, out, err, root = _run(tmp_path, lock, "--platform", "linux-64")
    assert code == 1 and out == ""
    assert "gives no sha256 or md5" in _one_line(err)
    _nothing_made(root)


def test_a_hash_mismatch_is_named_in_json(tmp_path: Path) -> None:
    archive = tmp_path / "chan" / "noarch" / "tzdata-2024a-h0_0.conda"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"changed after locking")
    lock = _explicit(tmp_path, f"{archive.as_uri()}#{MD5}")
    code, out, _, root = _run(tmp_path, lock, "--json")
    assert code == 1
    error = json.loads(out)["error"]
    assert error["code"] == "env"
    assert error["message"].startswith("hash mismatch for tzdata 2024a h0_0: ")
    assert f"the lock says {MD5}" in error["message"]
    _nothing_made(root)
    assert archive.read_bytes() == b"changed after locking"


@pytest.mark.parametrize("extra", [["python"], ["--channel", "/tmp/x"]])
def test_from_lock_takes_no_specs_or_channels(tmp_path: Path, extra: list[str]) -> None:
    lock = _explicit(tmp_path, f"file:///nowhere/noarch/tzdata-2024a-h0_0.conda#{MD5}")
    root = tmp_path / "envs"
    done = CliRunner().invoke(cli, ["env", "create", "from-lock", *extra, "--from-lock",
                                    str(lock), "--root", str(root)])
    assert done.exit_code == 1 and done.stdout == ""
    assert "--from-lock installs exactly what the lock lists" in _one_line(done.stderr)
    _nothing_made(root)


def test_platform_needs_from_lock(tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["env", "create", "x-py", "python", "--platform",
                                    "linux-64", "--root", str(tmp_path / "envs")])
    assert done.exit_code == 1
    assert "--platform picks a platform of a lock file" in _one_line(done.stderr)
