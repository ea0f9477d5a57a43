"""The built handbook's reference pages are whole and true (issue 19)."""

from __future__ import annotations

from typing import Any

import click
import pytest

import labtools

pytestmark = pytest.mark.docs


def test_no_file_in_the_site_mentions_a_sentinel(handbook: Any) -> None:
    hits = [str(path.relative_to(handbook.site)) for path in handbook.site.rglob("*")
            if path.is_file() and b"Sentinel" in path.read_bytes()]
    assert hits == []
    assert not list(handbook.site.rglob("*.map"))  # the theme's source maps are dropped


def test_every_public_name_has_an_entry_on_the_api_page(handbook: Any) -> None:
    html = (handbook.site / "reference" / "api.html").read_text(encoding="utf-8")
    for name in labtools.__all__:
        if name == "__version__":
            continue
        obj = getattr(labtools, name)
        assert f'id="{obj.__module__}.{obj.__qualname__}"' in html, name


def test_every_command_is_on_the_cli_page(handbook: Any) -> None:
    from labtools.cli import cli
    from labtools.reference.cli_page import walk

    html = (handbook.site / "reference" / "cli.html").read_text(encoding="utf-8")
    for _, ctx in walk(cli, click.Context(cli, info_name="labtools")):
        assert f">{ctx.command_path}<" in html, ctx.command_path


def test_the_profile_page_lists_every_key(handbook: Any) -> None:
    from labtools.profile import KEYS

    html = (handbook.site / "reference" / "profile.html").read_text(encoding="utf-8")
    for key in KEYS:
        assert f"<code>{key.name}</code>" in html and key.env_var in html


def test_the_start_here_and_readme_links_exist_in_the_site(handbook: Any) -> None:
    import re
    from pathlib import Path

    from labtools.cli import START_HERE

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    pages = re.findall(r"http://127\.0\.0\.1:8000/(\S+?\.html)", START_HERE + readme)
    assert pages
    for page in pages:
        assert (handbook.site / page).is_file(), page
