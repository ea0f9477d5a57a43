"""``labtools profile``: show the lab profile and where each value comes from."""

from __future__ import annotations

import click

from labtools.cli._output import console, emit, json_option


@click.group()
def profile() -> None:
    """The lab profile: channels, envs root, backend, naming policy."""


@profile.command("show")
@json_option
def show_cmd(as_json: bool) -> None:
    """Print the resolved profile (env vars > ./labtools.toml > user config > defaults)."""
    from labtools.profile import load_profile

    result = load_profile()

    def render(_: object) -> None:
        out = console()
        for field in ("channels", "envs_root", "backend", "naming", "cache_dir"):
            value = getattr(result, field)
            shown = ", ".join(value) or "-" if isinstance(value, tuple) else str(value)
            out.print(f"{field:<10} {shown}  [dim]({result.sources[field]})[/dim]")

    emit(result, as_json=as_json, render=render)
