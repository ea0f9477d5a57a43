"""Scrub secrets from executed notebooks before they are written anywhere."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from labtools.redact import redact


def _scrub(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    return value


def redact_notebook(nb: Any, secrets: Iterable[str]) -> None:
    """Mask *secrets* (and secret-shaped text) in every output of *nb*, in place."""
    frozen = frozenset(secrets)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            for key in ("text", "data", "traceback", "evalue"):
                if key in output:
                    output[key] = _scrub(output[key], frozen)
