"""``labtools profile``: show the lab profile, or write a commented one."""

from __future__ import annotations

from pathlib import Path

import click

from labtools.cli._output import console, emit, json_option


@click.group()
def profile() -> None:
    """The lab profile: channels, envs root, backend, naming policy, remote hosts."""


@profile.command("show")
@json_option
def show_cmd(as_json: bool) -> None:
    """Print the resolved profile (flag > env var > ./labtools.toml > user file > default)."""
    from labtools.profile import KEYS, load_profile

    result = load_profile()

    def render(_: object) -> None:
        out = console()
        for key in KEYS:
            value = getattr(result, key.name)
            shown = (", ".join(value) or "-") if isinstance(value, tuple) else str(value)
            out.print(f"{key.name:<10} {shown}  [dim]({result.sources[key.name]})[/dim]")

    emit(result, as_json=as_json, render=render)


@profile.command("init")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--user", is_flag=True,
              help="Write your user file instead of ./labtools.toml.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Set a key in the file (repeatable); lists are comma-separated, "
                   "e.g. --set channels=~/lab-channel,conda-forge.")
@click.option("--force", is_flag=True, help="Replace an existing file.")
@json_option
def init_cmd(path: Path | None, user: bool, settings: tuple[str, ...], force: bool,
             as_json: bool) -> None:
    """Write a commented labtools.toml (default ./labtools.toml) with every key."""
    from labtools.profile_file import init_profile, parse_settings

    result = init_profile(path, user=user, values=parse_settings(settings), force=force)
    emit(result, as_json=as_json, render=lambda r: click.echo(
        f"wrote {r.path} ({r.scope} profile); 'labtools profile show' prints the result"))
