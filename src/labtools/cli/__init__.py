"""The labtools command line: a thin layer over the library.

Each noun lives in its own module and is imported only when used, so ``labtools``
starts fast. Every :class:`~labtools.errors.LabtoolsError` is caught here, once, and
printed as one line on stderr with exit status 1 (a traceback only with ``--verbose``).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from typing import Any, NoReturn

import click

from labtools import __version__

# command name -> "module:attribute"; each later issue adds its noun here.
COMMANDS: dict[str, str] = {
    "spec": "labtools.cli.spec:spec",
    "handbook": "labtools.cli.handbook:handbook",
    "env": "labtools.cli.env:env",
    "channel": "labtools.cli.channel:channel",
    "profile": "labtools.cli.profile:profile",
    "tunnel": "labtools.cli.tunnel:tunnel",
    "jupyter": "labtools.cli.jupyter:jupyter",
    "kernel": "labtools.cli.kernel:kernel",
    "doctor": "labtools.cli.doctor:doctor",
    "bench": "labtools.cli.bench:bench",
    "clean": "labtools.cli.clean:clean",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module_name, _, attr = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        from labtools.errors import LabtoolsError

        try:
            return super().invoke(ctx)
        except LabtoolsError as exc:
            verbose = bool((ctx.find_root().obj or {}).get("verbose"))
            if verbose:
                traceback.print_exc()
            click.echo(f"labtools: error: {exc.one_line()}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("labtools: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="labtools")
@click.option("-v", "--verbose", is_flag=True, help="Log every command run; tracebacks on error.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """labtools: create, inspect and share reproducible lab environments.

    Environments, Jupyter kernels, SSH tunnels, secure Jupyter servers, environment
    specs, package-manager benchmarks, and the handbook that teaches them.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="labtools: %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``labtools`` script; returns the exit status."""
    try:
        # with standalone_mode=False, click returns ctx.exit()'s code instead of raising
        status = cli.main(args=argv, prog_name="labtools", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("labtools: aborted", err=True)
        return 1
    return status if isinstance(status, int) else 0


def run() -> NoReturn:
    """Console-script entry: :func:`main`, then exit without finalizing py-rattler.

    py-rattler's tokio worker threads race CPython's finalization and crash the process
    (SIGSEGV) after its work is done, about 1 run in 40 here (pyo3-async-runtimes #40).
    Once rattler is loaded, flush and leave with ``os._exit``: nothing is left to clean.
    """
    status = main()
    if "rattler" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
