"""Keep published outputs readable and the search index small (mkdocs-jupyter #123).

A long text output keeps its head and tail; the middle becomes one marker line saying
how much was left out. The complete output is never needed on the page: the tutorial's
asserts already checked it while it ran.
"""

from __future__ import annotations

from typing import Any

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
