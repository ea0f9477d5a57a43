"""``labtools completion SHELL``: print the shell's side of tab completion."""

from __future__ import annotations

import click

from labtools.cli._output import emit, json_option

SHELLS = ("bash", "zsh", "fish")
#: where each shell's script goes to load in every new shell
INSTALL = {
    "bash": 'echo \'eval "$(labtools completion bash)"\' >> ~/.bashrc',
    "zsh": 'echo \'eval "$(labtools completion zsh)"\' >> ~/.zshrc',
    "fish": "labtools completion fish > ~/.config/fish/completions/labtools.fish",
}


def completion_script(shell: str) -> str:
    """click's completion script for *shell*, calling back into ``labtools``."""
    from click.shell_completion import get_completion_class

    from labtools.cli import cli

    cls = get_completion_class(shell)
    assert cls is not None, shell
    return cls(cli, {}, "labtools", "_LABTOOLS_COMPLETE").source()


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
@json_option
def completion(shell: str, as_json: bool) -> None:
    """Print the tab-completion script for SHELL (bash, zsh or fish).

    Completion is live: environment, kernel and tunnel names, ssh hosts (the profile's
    and ~/.ssh/config's), bench contestants and tutorial names. Load it in this shell
    with eval "$(labtools completion bash)", or in every new one (bash):
    echo 'eval "$(labtools completion bash)"' >> ~/.bashrc
    """
    script = completion_script(shell)
    emit({"shell": shell, "script": script, "install": INSTALL[shell]}, as_json=as_json,
         render=lambda _: click.echo(script, nl=False))
