"""The labtools command line: a thin layer over the library.

Each noun lives in its own module and is imported only when used, so ``labtools``
starts fast. Failures are reported here, once, for every command: a
:class:`~labtools.errors.LabtoolsError` or a usage error is one line on stderr (a
traceback only with ``--verbose``), or with ``--json`` one ``{"error": ...}`` document on
stdout. Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted.
"""

from __future__ import annotations

# start-up time matters here (`labtools --version`, `--help`, tab completion): modules
# that only a failure or a subcommand needs are imported where they are used.
import os
import sys
from collections.abc import Sequence
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
    "completion": "labtools.cli.completion:completion",
}

#: optional modules -> the extra that brings them (pyproject.toml's optional-dependencies)
EXTRAS: dict[str, str] = {
    "jupyter_server": "jupyter",
    "argon2": "jupyter",
    "jupytext": "notebooks",
    "matplotlib": "plot",
    "nbclient": "handbook",
    "nbformat": "handbook",
    "ipykernel": "handbook",
    "asyncssh": "handbook",
    "mkdocs": "docs",
    "material": "docs",
    "mkdocstrings": "docs",
}

#: each command's one-line help, so that `labtools --help` imports no command module;
#: a test keeps it equal to the commands' own help (a command missing here is imported)
SHORT_HELP: dict[str, str] = {
    "bench": "Time solves, creates, installs and removals with every package manager found here.",
    "channel": "Build an offline conda channel: init, add, add-wheel, add-python, index, "
               "mirror, serve.",
    "clean": "Free package caches (conda, built-in engine, pixi, pip, uv) and orphan kernels.",
    "completion": "Print the tab-completion script for SHELL (bash, zsh or fish).",
    "doctor": "Find why code works in one place and not another; exit 1 when something is "
              "wrong.",
    "env": "Create, inspect and remove environments.",
    "handbook": "Start, build and preview a handbook of executed, verified tutorials.",
    "jupyter": "Secure Jupyter servers: config, audit, remote launch through a tunnel.",
    "kernel": "Register environments as Jupyter kernels and prove which Python they run.",
    "profile": "The lab profile: channels, envs root, backend, naming policy, remote hosts.",
    "spec": "Export, compare, check, minimize and lock environment specs (no conda needed).",
    "tunnel": "SSH tunnels to remote Jupyter/TensorBoard, keys and ssh config blocks.",
}

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

START_HERE = """\
labtools {version}: the lab's environment procedures as tested code.

Start here:
  labtools profile init        write a commented labtools.toml for your lab
  labtools env create NAME python ipykernel
                               a new environment (conda-forge, or your profile's channels)
  labtools channel demo DIR    no conda-forge here? a small local channel to start from
  labtools --help              every command; each one takes --help and --json
  eval "$(labtools completion bash)"
                               tab completion, also for zsh and fish

The handbook's first-day tutorial walks through a whole first hour:
  labtools handbook serve (in this repository), then
  http://127.0.0.1:8000/tutorials/00-first-day.html
"""


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
            import importlib

            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
            if os.environ.get("_LABTOOLS_COMPLETE"):  # a tab press: attach live names
                from labtools.cli._complete import attach

                attach(command, cmd_name)
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, from SHORT_HELP where it has the command (no imports)."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in self.lazy and name in SHORT_HELP:
                stand_in = click.Command(name, help=SHORT_HELP[name])
                rows.append((name, stand_in.get_short_help_str(limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        known = self.list_commands(ctx)
        if name and not name.startswith("-") and name not in known and not ctx.resilient_parsing:
            import difflib

            raise NoSuchCommandError(name, difflib.get_close_matches(name, known), ctx)
        return super().resolve_command(ctx, args)


class NoSuchCommandError(click.UsageError):
    """A subcommand that does not exist, with the nearest names (lazy ones included)."""

    def __init__(self, name: str, possibilities: list[str], ctx: click.Context) -> None:
        super().__init__(f"No such command {name!r}.", ctx)
        self.possibilities = possibilities


class LabtoolsGroup(LazyGroup):
    """The root group: turns every failure into one line (or one JSON document)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        status = invoke_reporting(
            lambda: super(LabtoolsGroup, self).main(
                argv, prog_name or "labtools", complete_var, standalone_mode=False, **extra
            ),
            as_json=wants_json(argv),
        )
        if standalone_mode:
            sys.exit(status)
        return status


def wants_json(argv: list[str]) -> bool:
    """Whether the command line asks for ``--json`` (before any ``--``)."""
    head = argv[: argv.index("--")] if "--" in argv else argv
    return "--json" in head


def _usage_parts(exc: click.UsageError) -> tuple[str, str]:
    """click's usage error as (message, hint): no usage dump, the fix in the hint."""
    possibilities = getattr(exc, "possibilities", None)  # NoSuchOption, NoSuchCommand
    if possibilities:
        message = exc.message
        guess = " or ".join(repr(p) for p in sorted(possibilities))
        suggestion = f"did you mean {guess}? "
    else:
        message, suggestion = exc.format_message(), ""
    message = " ".join(message.split()).rstrip(".")
    if len(message) > 1 and message[0].isupper() and message[1].islower():
        message = message[0].lower() + message[1:]
    path = exc.ctx.command_path if exc.ctx is not None else "labtools"
    return message, f"{suggestion}see '{path} --help'"


_verbose = [False]


def _report(code: str, message: str, hint: str | None, *, as_json: bool) -> None:
    from labtools.cli._output import report_error

    report_error(code, message, hint, as_json=as_json)


def _interrupted(exc: KeyboardInterrupt, *, as_json: bool) -> int:
    """Ctrl-C or a signal: one line; labtools.errors.Interrupted carries its signal, so
    SIGTERM exits 143 and SIGHUP 129 (Ctrl-C 130)."""
    message = getattr(exc, "message", None) or "interrupted"
    _report("interrupted", message if message.startswith("interrupted")
                         else f"interrupted: {message}", None, as_json=as_json)
    return int(getattr(exc, "exit_code", EXIT_INTERRUPTED))


def invoke_reporting(call: Any, *, as_json: bool) -> int:
    """Run *call* (click's main, non-standalone) and report any failure; the exit status."""
    from labtools.errors import LabtoolsError
    from labtools.signals import terminating

    if "labtools.cli._output" in sys.modules:  # a new invocation in this process
        sys.modules["labtools.cli._output"]._written[0] = 0
    _verbose[0] = False
    try:
        with terminating():  # SIGTERM / SIGHUP unwind like Ctrl-C: every cleanup runs
            status = call()
    except LabtoolsError as exc:
        if _verbose[0]:
            import traceback

            traceback.print_exc()
        message = getattr(exc, "message", None) or str(exc)
        _report(exc.code, message, getattr(exc, "hint", None), as_json=as_json)
        return EXIT_FAILURE
    except click.UsageError as exc:
        message, hint = _usage_parts(exc)
        _report("usage", message, hint, as_json=as_json)
        return EXIT_USAGE
    except click.ClickException as exc:
        _report("usage", exc.format_message(), None, as_json=as_json)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        return _interrupted(exc, as_json=as_json)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click wraps it in Abort
            return _interrupted(exc.__cause__, as_json=as_json)
        _report("aborted", "aborted", "nothing was changed", as_json=as_json)
        return EXIT_FAILURE
    except ModuleNotFoundError as exc:
        top = (exc.name or "").partition(".")[0]
        if top not in EXTRAS:
            return _internal(exc, as_json=as_json)
        extra = EXTRAS[top]
        _report(
            "missing-extra", f"this command needs {top}, which is not installed",
            f"install the {extra!r} extra: pip install 'labtools[{extra}]' "
            f"(pipx inject labtools {top}; uv tool install --with {top} labtools)",
            as_json=as_json)
        return EXIT_FAILURE
    except Exception as exc:
        return _internal(exc, as_json=as_json)
    return status if isinstance(status, int) else EXIT_OK


def _internal(exc: Exception, *, as_json: bool) -> int:
    """A bug: without --json the traceback is the report; with it, one document too."""
    import traceback

    if not as_json:
        raise exc
    traceback.print_exc()
    _report(
        "internal", f"unexpected {type(exc).__name__}: {exc}",
        "this is a bug in labtools; please report it with the traceback above",
        as_json=True,
    )
    return EXIT_FAILURE


@click.group(
    "labtools",
    cls=LabtoolsGroup,
    lazy=COMMANDS,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
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
    _verbose[0] = verbose
    if ctx.invoked_subcommand is None:
        click.echo(START_HERE.format(version=__version__), nl=False)
        return
    import logging

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="labtools: %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``labtools`` script; returns the exit status."""
    status = cli.main(args=argv, prog_name="labtools", standalone_mode=False)
    return int(status)


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
