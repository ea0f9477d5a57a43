"""`jupyter remote --slurm` refuses bad input in one line, before anything reaches ssh."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from labtools.cli import cli

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("args", "words"), [
    (["--partition", "gpu"], "--partition needs --slurm"),
    (["--list"], "--list needs --slurm"),
    (["--slurm", "--time", "2h"], "bad --time '2h'"),
    (["--slurm", "--mem", "lots"], "bad --mem 'lots'"),
    (["--slurm", "--attach", "abc"], "bad --attach 'abc'"),
    (["--slurm", "--env", "a", "--python", "/usr/bin/python3"], "--env and --python"),
])
def test_bad_slurm_input_is_one_line_before_any_ssh(args: list[str], words: str) -> None:
    # the host does not exist: reaching ssh would fail with another message
    code, out, err = invoke("jupyter", "remote", "no-such-host.invalid", *args)
    assert code == 1
    assert out == ""
    assert err.startswith("labtools: error: ") and words in err, err
    assert len(err.strip().splitlines()) == 1


def test_errors_under_json_are_one_json_document() -> None:
    code, out, _ = invoke("jupyter", "remote", "no-such-host.invalid", "--slurm", "--cpus", "0",
                          "--json")
    assert code == 1
    assert "bad --cpus 0" in json.loads(out)["error"]["message"]


def test_an_unreachable_login_node_is_one_line() -> None:
    code, _, err = invoke("jupyter", "remote", "no-such-host.invalid", "--slurm", "--list")
    assert code == 1
    assert "ssh to no-such-host.invalid failed" in err and len(err.strip().splitlines()) == 1
