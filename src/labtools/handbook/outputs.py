"""Make executed outputs fit to publish: no secret in them, no endless text.

``redact_notebook`` masks every secret the sandbox recorded (and secret-shaped text)
before an executed notebook is written anywhere. ``truncate_outputs`` keeps long text
outputs readable and the search index small (mkdocs-jupyter #123): a long output keeps
its head and tail, and the middle becomes one marker line saying how much was left out.
The complete output is never needed on the page: the tutorial's checks already ran.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from labtools.handbook.stamp import STAMP_CELL_TAG
from labtools.secret_registry import redact

MAX_LINES = 80
HEAD = 50
TAIL = 20


def truncate_text(
    text: str, *, max_lines: int = MAX_LINES, head: int = HEAD, tail: int = TAIL
) -> str:
    """*text* unchanged when short; else its first *head* and last *tail* lines + a marker."""
    lines = text.splitlines(keepends=True)
    if len(lines) <= max_lines:
        return text
    cut = len(lines) - head - tail
    marker = f"… {cut} lines not shown (the tutorial checked them; run it to see all) …\n"
    return "".join([*lines[:head], marker, *lines[-tail:]])


def _joined(value: Any) -> Any:
    return "".join(value) if isinstance(value, list) else value


def truncate_outputs(nb: Any, *, max_lines: int = MAX_LINES) -> int:
    """Truncate every long stream and ``text/plain`` output of *nb* in place; returns how many."""
    changed = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            holders = [(output, "text")] if "text" in output else []
            if "text/plain" in output.get("data", {}):
                holders.append((output["data"], "text/plain"))
            for holder, key in holders:
                text = _joined(holder[key])
                short = truncate_text(text, max_lines=max_lines)
                if short != text:
                    holder[key] = short
                    changed += 1
    return changed


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


#: cells the page leaves out (the build still executed them)
HIDDEN_TAGS = frozenset({"verify", "remove-cell"})


def page_notebook(nb: Any, header_html: str) -> Any:
    """The notebook as the site shows it: hidden cells left out, *header_html* (the stamp
    and the download links) right after the title."""
    import copy

    import nbformat

    page = copy.deepcopy(nb)
    page.cells = [
        c for c in page.cells if not HIDDEN_TAGS & set(c.get("metadata", {}).get("tags", []))
    ]
    page.metadata.pop("jupytext", None)
    header = nbformat.v4.new_markdown_cell(header_html)
    header.metadata["tags"] = [STAMP_CELL_TAG]
    first = page.cells[0] if page.cells else None
    at = 1 if first is not None and first.cell_type == "markdown" and first.source.startswith(
        "# ") else 0
    page.cells.insert(at, header)
    return page
