"""Rendering helpers shared by the CLI modules: ``--json``, errors and rich output.

The JSON contract (docs/reference/json.md): with ``--json`` a command prints exactly
one JSON document on stdout, its result on success, and on failure
``{"error": {"code": ..., "message": ..., "hint": ...}}`` with the same exit status it
has without ``--json``. Progress, warnings and logs go to stderr, never to stdout.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def json_option(func: F) -> F:
    """Add ``--json``: print one JSON document on stdout instead of a table."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON document on stdout."
    )(func)


def to_jsonable(value: Any) -> Any:
    """Frozen dataclasses, paths, enums, sets and datetimes -> plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("_")
        }
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


#: bumped when a field of a result document is removed, renamed or changes type
JSON_SCHEMA_VERSION = 1

#: documents written on stdout by this process (the CLI resets it per invocation)
_written = [0]


def write_json(document: Any) -> None:
    """Write one JSON document on stdout (the single writer of ``--json`` output)."""
    json.dump(document, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    sys.stdout.flush()
    _written[0] += 1


def emit(result: Any, *, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print *result* as JSON (``--json``) or through *render*."""
    if as_json:
        write_json(to_jsonable(result))
    else:
        render(result)


def wants_json(argv: list[str]) -> bool:
    """Whether the command line asks for ``--json`` (before any ``--``)."""
    from labtools.cli import wants_json as wants

    return wants(argv)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def report_error(code: str, message: str, hint: str | None, *, as_json: bool) -> None:
    """Print a failure: one JSON document on stdout, or one line on stderr.

    A command that already printed its document (a long-running one, such as a
    foreground tunnel) reports a later failure on stderr, keeping stdout one document.
    """
    message, hint = one_line(message), (one_line(hint) if hint else None)
    if as_json and not _written[0]:
        write_json({"error": {"code": code, "message": message, "hint": hint}})
        return
    click.echo(f"labtools: error: {message}" + (f" ({hint})" if hint else ""), err=True)


PIPE_WIDTH = 240


def console(stderr: bool = False) -> Any:
    """A rich console (imported lazily: rich costs import time)."""
    import os

    from rich.console import Console

    # NO_COLOR (no-color.org) wins over FORCE_COLOR, which ipykernel sets for every
    # subprocess; never Jupyter mode: a CLI run from a notebook cell prints plain text.
    plain = "NO_COLOR" in os.environ
    stream = sys.stderr if stderr else sys.stdout
    # piped or captured output is not wrapped to 80 columns: a path folded across lines
    # cannot be copied back, and tables read fine in a file or a notebook at this width
    width = None if stream.isatty() else PIPE_WIDTH
    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=True,
        force_jupyter=False,
        force_terminal=False if plain else None,
        no_color=plain,
        width=width,
    )


def path_arg(value: str | Path) -> Path:
    return Path(value).expanduser()
