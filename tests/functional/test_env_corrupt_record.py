"""A truncated package record: every command that reads the env says one line naming the
file and exits 1 (never "installed from pip" and exit 0, never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from labtools.cli import cli
from labtools.envs.prefix import Prefix
from labtools.spec.synth import FakePackage, write_prefix


@pytest.fixture
def broken(tmp_path: Path) -> tuple[Path, Path]:
    """An env under tmp_path/envs whose python record is cut in half."""
    prefix = write_prefix(tmp_path / "envs" / "py311-broken", [
        FakePackage("python", "3.11.7", "h0_cpython", requested="python=3.11"),
        FakePackage("six", "1.16.0", "pyh0", python_dist=True),
    ])
    record = next(Prefix(prefix).meta_dir.glob("six-*.json"))
    record.write_text(record.read_text()[:150])
    return prefix, record


@pytest.mark.parametrize("argv", [
    ["env", "inspect", "{prefix}"],
    ["env", "inspect", "{prefix}", "--json"],
    ["env", "list", "--root", "{root}"],
    ["env", "list", "--root", "{root}", "--json"],
    ["spec", "export", "{prefix}"],
    ["spec", "export", "{prefix}", "--from-history"],
], ids=lambda a: " ".join([*a[:2], a[-1]]))
def test_a_truncated_record_is_one_line_naming_the_file(argv: list[str],
                                                        broken: tuple[Path, Path]) -> None:
    prefix, record = broken
    args = [a.format(prefix=prefix, root=prefix.parent) for a in argv]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.stderr
    if "--json" in args:
        error = json.loads(done.stdout)["error"]
        assert str(record) in error["message"] and "corrupt package record" in error["message"]
    else:
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "corrupt package record" in done.stderr and str(record) in done.stderr


def test_a_good_env_next_to_it_still_lists(broken: tuple[Path, Path], tmp_path: Path) -> None:
    prefix, _ = broken
    write_prefix(prefix.parent / "py311-good", [FakePackage("python", "3.11.7", "h0")])
    done = CliRunner().invoke(cli, ["env", "list", "--root", str(prefix.parent)])
    assert done.exit_code == 1
    assert "py311-good" in done.stdout and "broken" in done.stdout
