"""The generated CLI reference: every command and option, real defaults, no sentinel."""

from __future__ import annotations

import re

import click

from labtools.cli import cli
from labtools.reference.cli_page import default_text, render_cli_reference, walk
from labtools.reference.hooks import fill

PAGE = render_cli_reference()


def section(path: str) -> str:
    start = PAGE.index(f" {path}\n")
    following = PAGE.find("\n#", start + 1)
    return PAGE[start: following if following != -1 else len(PAGE)]


def test_every_command_and_option_is_documented() -> None:
    ctx = click.Context(cli, info_name="labtools")
    commands = list(walk(cli, ctx))
    assert len(commands) > 40
    for command, sub_ctx in commands:
        text = section(sub_ctx.command_path)
        assert f"```text\n{sub_ctx.command_path} " in text
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                for name in [*param.opts, *param.secondary_opts]:
                    assert f"`{name}`" in text, f"{sub_ctx.command_path} {name}"


def test_no_sentinel_and_real_defaults() -> None:
    assert "Sentinel" not in PAGE and "UNSET" not in PAGE
    serve = section("labtools channel serve")
    assert re.search(r"\| `--port` \| INTEGER \| `8765` \|", serve)
    create = section("labtools env create")
    assert "| `--dry-run` | flag | off |" in create
    assert "| `--backend` |" in create and "the profile's backend" in create
    assert re.search(r"\| `-c`, `--channel` \| DIR\\\|URL \(repeatable\) \| the profile's channels",
                     create)


def test_a_flag_pair_shows_the_side_that_is_default() -> None:
    @click.command()
    @click.option("--pip/--no-pip", default=True)
    @click.option("--color/--no-color", default=False)
    @click.option("--name")
    @click.option("--size", default=3)
    def demo(pip: bool, color: bool, name: str | None, size: int) -> None:
        """Demo."""

    ctx = click.Context(demo, info_name="demo")
    shown = {p.name: default_text(p, ctx) for p in demo.params}
    assert shown == {"pip": "`--pip`", "color": "`--no-color`", "name": "-", "size": "`3`"}


def test_the_hook_fills_markers_and_rejects_unknown_ones() -> None:
    filled = fill("# CLI\n\n<!-- labtools-reference: cli -->\n")
    assert "## labtools\n" in filled and "<!--" not in filled
    try:
        fill("<!-- labtools-reference: nope -->")
    except ValueError as exc:
        assert "unknown labtools-reference marker 'nope'" in str(exc)
    else:
        raise AssertionError("an unknown marker must fail the build")
