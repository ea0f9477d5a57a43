"""Conventions every command keeps: --json, --help, one-line errors with exit 1."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from labtools.cli import cli


def leaf_commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    found: list[tuple[str, click.Command]] = []

    def walk(command: click.Command, path: str) -> None:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, name
                walk(sub, f"{path} {name}")
        else:
            found.append((path.strip(), command))

    walk(cli, "")
    return found


LEAVES = leaf_commands()


def test_the_cli_has_every_noun() -> None:
    nouns = {path.split()[0] for path, _ in LEAVES}
    assert {"env", "kernel", "tunnel", "jupyter", "spec", "bench", "clean", "doctor",
            "channel", "profile", "handbook"} <= nouns


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[p for p, _ in LEAVES])
def test_every_command_offers_json_and_help(path: str, command: click.Command) -> None:
    options = {opt for param in command.params for opt in param.opts}
    assert "--json" in options, f"labtools {path} has no --json"
    assert command.help, f"labtools {path} has no help text"


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[p for p, _ in LEAVES])
def test_every_option_says_what_it_does(path: str, command: click.Command) -> None:
    silent = [p.opts[0] for p in command.params
              if isinstance(p, click.Option) and not p.hidden and not p.help]
    assert not silent, f"labtools {path}: options without help: {silent}"


def test_ssh_config_json_is_one_document() -> None:
    result = CliRunner().invoke(cli, ["tunnel", "ssh-config", "gpu", "--hostname", "h", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["block"].startswith("Host gpu\n")


def test_errors_are_one_line_with_exit_1(tmp_path: object) -> None:
    result = CliRunner().invoke(cli, ["env", "inspect", "/no/such/prefix"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("labtools: error: no environment at")
