"""The CLI's global layer: one-line errors, the JSON error document, exit statuses."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from labtools.cli import cli, main
from labtools.errors import EnvError
from labtools.errors import UsageError as LabUsageError


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def leaves() -> list[str]:
    ctx = click.Context(cli)
    found: list[str] = []

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, [*path, name])
        else:
            found.append(" ".join(path))

    walk(cli, [])
    return found


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["env", "crate"], "labtools: error: no such command 'crate' (did you mean 'create'?"),
        (["kernal"], "labtools: error: no such command 'kernal' (did you mean 'kernel'?"),
        (["bench", "--contestant", "x"],
         "labtools: error: no such option '--contestant' (did you mean '--contestants'?"),
        (["env", "create", "--backend", "nope", "x"],
         "labtools: error: invalid value for '--backend': 'nope' is not one of"),
        (["env", "name"], "labtools: error: missing argument 'SPECS...'"),
    ],
)
def test_usage_errors_are_one_line_with_the_fix(argv: list[str], expected: str) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(expected), lines[0]
    assert "--help'" in lines[0]  # where to read the usage
    assert "Usage:" not in err


def test_a_usage_error_under_json_is_one_document_with_the_same_status() -> None:
    code, out, err = run("env", "create", "--backend", "nope", "x", "--json")
    assert code == 2
    assert err == ""
    error = json.loads(out)["error"]
    assert error["code"] == "usage"
    assert error["message"].startswith("invalid value for '--backend': 'nope'")
    assert error["hint"] == "see 'labtools env create --help'"


def test_a_library_error_under_json_keeps_its_code_message_hint_and_status() -> None:
    text_code, _, text_err = run("env", "inspect", "/no/such/prefix")
    code, out, err = run("env", "inspect", "/no/such/prefix", "--json")
    assert (text_code, code) == (1, 1)
    assert err == ""
    doc = json.loads(out)
    assert set(doc) == {"error"} and set(doc["error"]) == {"code", "message", "hint"}
    assert doc["error"]["code"] == EnvError.code == "env"
    assert doc["error"]["message"] == "no environment at /no/such/prefix"
    error = doc["error"]
    assert text_err.strip() == f"labtools: error: {error['message']} ({error['hint']})"


def test_json_after_a_double_dash_is_an_argument_not_the_flag() -> None:
    from labtools.cli._output import wants_json

    assert wants_json(["env", "list", "--json"])
    assert not wants_json(["env", "name", "--", "--json"])
    assert not wants_json(["env", "list"])


@pytest.mark.parametrize("path", leaves())
def test_every_command_reports_a_bad_option_as_one_json_document(path: str) -> None:
    code, out, err = run(*path.split(), "--no-such-option", "--json")
    assert code == 2, out
    assert err == ""
    error = json.loads(out)["error"]
    assert error["code"] == "usage"
    assert error["message"] == "no such option '--no-such-option'"
    assert error["hint"].endswith(f"see 'labtools {path} --help'")


def test_interrupt_is_status_130(monkeypatch: pytest.MonkeyPatch) -> None:
    import labtools.envs.names as names

    def interrupted(*_: object, **__: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(names, "derive_name", interrupted)
    assert run("env", "name", "python=3.11")[0] == 130
    code, out, _ = run("env", "name", "python=3.11", "--json")
    assert code == 130 and json.loads(out)["error"]["code"] == "interrupted"


def test_an_unexpected_exception_under_json_is_still_one_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import labtools.envs.names as names

    def broken(*_: object, **__: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(names, "derive_name", broken)
    code, out, err = run("env", "name", "python=3.11", "--json")
    assert code == 1
    error = json.loads(out)["error"]
    assert error["code"] == "internal" and error["message"] == "unexpected RuntimeError: boom"
    assert "Traceback" in err  # the bug is not hidden
    with pytest.raises(RuntimeError):  # and without --json it is a plain traceback
        CliRunner().invoke(cli, ["env", "name", "python=3.11"], catch_exceptions=False)


def test_verbose_adds_the_traceback_to_a_library_error() -> None:
    code, _, err = run("--verbose", "env", "inspect", "/no/such/prefix")
    assert code == 1
    assert "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1].startswith("labtools: error: no environment at")


def test_bare_labtools_says_where_to_start(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("labtools 0.")
    assert "Start here:" in out and "00-first-day" in out
    assert len(out.splitlines()) <= 16  # short, not the whole --help


def test_main_returns_the_status_instead_of_exiting() -> None:
    assert main(["env", "crate"]) == 2
    assert main(["--version"]) == 0


def test_every_library_error_kind_has_its_own_code() -> None:
    import labtools.errors as errors

    kinds = [value for value in vars(errors).values()
             if isinstance(value, type) and issubclass(value, errors.LabtoolsError)]
    codes = [kind.code for kind in kinds if "code" in vars(kind)]
    assert len(codes) == len(set(codes)), codes
    assert LabUsageError.code == "usage"


def test_a_missing_extra_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import labtools.jupyter  # noqa: F401  (loaded; its lazy import of jupyter_server fails)

    monkeypatch.setitem(sys.modules, "jupyter_server", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "jupyter_server.auth", raising=False)
    monkeypatch.delitem(sys.modules, "jupyter_server.auth.security", raising=False)
    result = CliRunner().invoke(cli, ["jupyter", "config", "--password", "--json"],
                                input="a long passphrase\n")
    code, out, err = result.exit_code, result.stdout, result.stderr
    assert code == 1, out + err
    error = json.loads(out)["error"]
    assert error["code"] == "missing-extra"
    assert error["message"] == "this command needs jupyter_server, which is not installed"
    assert "pip install 'labtools[jupyter]'" in error["hint"]


def test_the_short_help_table_is_each_commands_own_help() -> None:
    from labtools.cli import COMMANDS, SHORT_HELP

    ctx = click.Context(cli)
    assert set(SHORT_HELP) == set(COMMANDS), "add the new command's one-liner to SHORT_HELP"
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        assert SHORT_HELP[name] == command.get_short_help_str(limit=1000), name


def test_version_is_answered_by_the_launcher(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from labtools import __version__
    from labtools._launch import run as launch

    monkeypatch.setattr(sys, "argv", ["labtools", "--version"])
    with pytest.raises(SystemExit) as exited:
        launch()
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"labtools, version {__version__}\n"


def test_an_unreachable_channel_points_at_the_offline_way(tmp_path: object) -> None:
    code, out, err = run("env", "create", "py311-x", "python=3.11", "--backend", "rattler",
                         "--dry-run", "-c", "http://127.0.0.1:9/no-channel", "--json")
    assert code == 1, err
    error = json.loads(out)["error"]
    assert error["code"] == "channel"
    assert error["message"].startswith("cannot read channel(s) http://127.0.0.1:9/no-channel")
    assert "labtools channel demo DIR" in error["hint"]
