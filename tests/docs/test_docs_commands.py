"""Every `labtools ...` command shown in the docs and the README parses with the real CLI."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from labtools.cli import cli

ROOT = Path(__file__).resolve().parents[2]
COMMAND_LINE = re.compile(r"^\s*(?:\$\s+)?(labtools\s.*?)\s*(?:#.*)?$")


def shown_commands() -> list[tuple[str, str]]:
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        if "tutorials" in path.parts:
            continue
        in_code = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("```"):
                in_code = not in_code
                continue
            match = COMMAND_LINE.match(line) if in_code else None
            if match:
                found.append((f"{path.relative_to(ROOT)}:{number}", match[1]))
    return found


def parse(argv: list[str]) -> click.Command:
    """Resolve and parse *argv* down to its leaf command without running it."""
    command: click.Command = cli
    ctx = cli.make_context("labtools", list(argv), resilient_parsing=False)
    while isinstance(command, click.Group):
        args = [*ctx._protected_args, *ctx.args]
        if not args:
            return command
        name, sub, rest = command.resolve_command(ctx, args)
        assert sub is not None and name is not None
        ctx = sub.make_context(name, rest, parent=ctx)
        command = sub
    return command


def test_docs_show_commands() -> None:
    assert len(shown_commands()) >= 2


@pytest.mark.parametrize(("where", "line"), shown_commands())
def test_command_line_parses(where: str, line: str) -> None:
    argv = shlex.split(line)[1:]
    try:
        parse(argv)
    except click.UsageError as exc:
        pytest.fail(f"{where}: `{line}` does not parse: {exc.format_message()}")


def test_parser_rejects_a_wrong_line() -> None:
    with pytest.raises(click.UsageError):
        parse(["handbook", "build", "--no-such-flag"])
