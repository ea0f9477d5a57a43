"""mkdocs hooks (``hooks:`` in mkdocs.yml): fill the generated reference pages.

A page asks for a generated part with a marker line, e.g.
``<!-- labtools-reference: cli -->``; the marker is replaced at build time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MARKER = re.compile(r"^<!-- labtools-reference: ([a-z-]+) -->$", re.MULTILINE)


def _renderers() -> dict[str, Callable[[], str]]:
    from labtools.reference.cli_page import render_cli_reference
    from labtools.reference.profile_page import render_profile_reference
    from labtools.reference.schemas import render_schema_table

    return {"cli": render_cli_reference, "profile": render_profile_reference,
            "schemas": render_schema_table}


def fill(markdown: str) -> str:
    """Replace every reference marker in *markdown* by its generated Markdown."""
    renderers = _renderers()

    def replace(match: re.Match[str]) -> str:
        name = match[1]
        if name not in renderers:
            raise ValueError(f"unknown labtools-reference marker {name!r}; "
                             f"known: {', '.join(renderers)}")
        return renderers[name]()

    return MARKER.sub(replace, markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    return fill(markdown) if MARKER.search(markdown) else markdown


def strip_source_maps(site_dir: str) -> list[str]:
    """Remove the theme's JavaScript/CSS source maps (1.3 MB nobody reading the handbook
    needs) and the comments that point at them; returns the removed files."""
    from pathlib import Path

    removed = []
    for path in sorted(Path(site_dir).rglob("*.map")):
        removed.append(str(path))
        path.unlink()
    pointer = re.compile(r"\n?(//|/\*)# sourceMappingURL=[^\n]*?(\*/)?(?=\n|$)")
    for path in [*Path(site_dir).rglob("*.js"), *Path(site_dir).rglob("*.css")]:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        if "sourceMappingURL=" in text:
            path.write_text(pointer.sub("", text), encoding="utf-8", errors="surrogateescape")
    return removed


def on_post_build(config: Any, **_: Any) -> None:
    strip_source_maps(str(config["site_dir"]))
