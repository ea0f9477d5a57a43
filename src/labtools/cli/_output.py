"""Rendering helpers shared by the CLI modules: ``--json`` and rich output."""

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


def emit(result: Any, *, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print *result* as JSON (``--json``) or through *render*."""
    if as_json:
        json.dump(to_jsonable(result), sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        render(result)


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
