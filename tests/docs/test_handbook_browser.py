"""A real browser (Debian chromium, headless) drives the built handbook."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labtools import process
from labtools.httpserve import serve_directory

pytestmark = [pytest.mark.docs, pytest.mark.requires_tool("chromium")]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site_url(handbook: Any) -> Iterator[str]:
    with serve_directory(handbook.site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = process.which("chromium")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Page:
    """A page that records console errors, failed requests and uncaught exceptions."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))

    def open(self, url: str) -> Any:
        response = self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        return response


def pages_of(site: Path) -> list[str]:
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if p.name != "404.html" and "assets" not in p.relative_to(site).parts
    )


def test_every_page_loads_without_console_errors(
    handbook: Any, site_url: str, browser: Any
) -> None:
    pages = pages_of(handbook.site)
    assert len(pages) >= 4
    problems = {}
    for rel in pages:
        page = Page(browser)
        response = page.open(f"{site_url}/{rel}")
        if response is None or response.status != 200 or page.errors:
            problems[rel] = (response.status if response else None, page.errors)
        page.page.close()
    assert not problems, problems


def test_navigation_tabs_lead_to_pages(site_url: str, browser: Any) -> None:
    page = Page(browser)
    page.open(f"{site_url}/")
    page.page.get_by_role("link", name="Tutorials").first.click()
    page.page.wait_for_load_state("networkidle")
    assert "/tutorials/" in page.page.url
    assert "Verification status" in page.page.inner_text("article")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(SHOTS / "status.png"))


def test_search_finds_a_word_from_a_tutorial(site_url: str, browser: Any) -> None:
    page = Page(browser)
    page.open(f"{site_url}/")
    page.page.keyboard.press("/")  # material's search shortcut, as a reader would
    page.page.keyboard.type("argon2", delay=30)  # a word the remote-Jupyter tutorial uses
    page.page.wait_for_selector(".md-search-result__item", timeout=15000)
    links = page.page.eval_on_selector_all(
        ".md-search-result__item a", "els => els.map(e => e.getAttribute('href'))")
    assert any("tutorials/04-remote-jupyter.html" in (href or "") for href in links), links
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(SHOTS / "search.png"))


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("article table, article pre, article img,"
      + " .jp-OutputArea-output, .labtools-stamp")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    // wider than the phone is fine inside a box that scrolls sideways and itself fits
    let up = el, scrolls = false;
    while (up && up !== document.body) {
      const style = getComputedStyle(up);
      if (["auto", "scroll"].includes(style.overflowX)
          && up.getBoundingClientRect().right <= width + 1) { scrolls = true; break; }
      up = up.parentElement;
    }
    if (!scrolls) wide.push(`${el.tagName}.${el.className} ${box.right}`);
  }
  return {width, scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 5)};
}"""


def test_tutorial_pages_fit_a_390_px_phone(handbook: Any, site_url: str, browser: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for tutorial in handbook.result.tutorials:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{site_url}/tutorials/{tutorial.name}.html")
        page.wait_for_load_state("networkidle")
        found = page.evaluate(OVERFLOW)
        if found["scroll"] > found["width"] or found["wide"]:
            problems[tutorial.name] = found
        page.screenshot(path=str(SHOTS / f"phone-{tutorial.name}.png"))
        page.close()
    assert not problems, problems


def test_a_file_copy_of_the_site_opens_pages_not_folder_listings(
    handbook: Any, browser: Any
) -> None:
    page = Page(browser)
    page.open((handbook.site / "index.html").as_uri())
    page.page.get_by_role("link", name="Tutorials").first.click()
    page.page.wait_for_load_state("load")
    assert page.page.url.endswith(".html"), page.page.url
    assert "Index of" not in page.page.inner_text("body")
    hrefs = page.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    folders = [h for h in hrefs if not h.startswith(("http", "#", "mailto")) and h.endswith("/")]
    assert not folders, folders


def test_stamp_is_visible_on_every_tutorial(handbook: Any, site_url: str, browser: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for tutorial in handbook.result.tutorials:
        page = Page(browser)
        page.open(f"{site_url}/tutorials/{tutorial.name}.html")
        stamp = page.page.locator(".labtools-stamp").first
        assert stamp.is_visible(), tutorial.name
        assert "Verified: passed" in stamp.inner_text()
        page.page.screenshot(path=str(SHOTS / f"{tutorial.name}.png"))
        page.page.close()


def test_dark_mode_toggle_switches_scheme(site_url: str, browser: Any) -> None:
    page = Page(browser)
    page.open(f"{site_url}/")
    scheme = page.page.get_attribute("body", "data-md-color-scheme")
    page.page.locator("form[data-md-component=palette] label:visible").first.click()
    page.page.wait_for_timeout(300)
    toggled = page.page.get_attribute("body", "data-md-color-scheme")
    assert {scheme, toggled} == {"default", "slate"}
    page.page.screenshot(path=str(SHOTS / "dark.png"))
