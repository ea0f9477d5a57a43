"""The JSON contract, checked wherever a test runs a command in-process with ``--json``.

Every document a command writes (through ``labtools.cli._output.write_json``) is
validated against the command's schema in docs/reference/schemas (``error.json`` for a
failure); a mismatch fails the test at teardown with the fix. The session summary says
how many commands had their output checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import click
import pytest

from labtools.cli import _output
from labtools.reference.schemas import file_name, schema_dir

ROOT = Path(__file__).resolve().parents[2]
VALIDATED: set[str] = set()


@cache
def validator(name: str) -> Any:
    import jsonschema

    path = schema_dir(ROOT) / name
    if not path.is_file():
        return None
    return jsonschema.Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


def problems_with(path: str, document: Any) -> list[str]:
    is_error = isinstance(document, dict) and set(document) == {"error"}
    name = "error.json" if is_error else file_name(path)
    check = validator(name)
    if check is None:
        return [f"`labtools {path} --json` has no schema {name}: add the command to "
                "RESULTS in src/labtools/reference/schemas.py, then run `make schemas`"]
    found = [f"`labtools {path} --json` does not match {name}: {e.message} at "
             f"/{'/'.join(map(str, e.absolute_path))}" for e in check.iter_errors(document)]
    if found:
        found.append("if the change is deliberate: `make schemas` and commit "
                     "docs/reference/schemas (see docs/reference/json.md on versions)")
    return found


@pytest.fixture(autouse=True)
def json_contract(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    problems: list[str] = []
    write = _output.write_json

    def checked(document: Any) -> None:
        write(document)
        ctx = click.get_current_context(silent=True)
        if ctx is None:
            return
        path = ctx.command_path.split(" ", 1)[1] if " " in ctx.command_path else ""
        if not path:
            return
        VALIDATED.add(path)
        problems.extend(problems_with(path, document))

    monkeypatch.setattr(_output, "write_json", checked)
    yield problems
    assert not problems, "\n".join(problems)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if VALIDATED:
        from labtools.reference.schemas import RESULTS

        unseen = sorted(set(RESULTS) - VALIDATED)
        terminalreporter.write_line(
            f"JSON contract: output of {len(VALIDATED & set(RESULTS))} of {len(RESULTS)} "
            "commands validated against its schema"
            + (f"; not run with --json in this session: {', '.join(unseen)}"
               if unseen and len(unseen) <= 12 else ""))
