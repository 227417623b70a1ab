"""The HTML report's section bar at phone width (issue 22, item 11): it scrolls sideways, so it
shows a cue (a shadow at the edge that has more links), as the wide tables do; at desktop width it
wraps and needs none. In Debian's chromium through playwright, as test_html_browser.py does."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import HOTEL
from modernizer.render.html import render_html
from support.example_report import example_report

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

NAV = """() => { const n = document.querySelector('nav.toc'); const s = getComputedStyle(n);
  const before = n.scrollLeft; n.scrollLeft = 10000; const moved = n.scrollLeft > before;
  return {scrolls: n.scrollWidth > n.clientWidth + 1, moved, image: s.backgroundImage, attach: s.backgroundAttachment,
          color: s.backgroundColor, top: n.getBoundingClientRect().top}; }"""


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("nav") / "report.html"
    path.write_text(render_html(example_report(HOTEL)), encoding="utf-8")
    return path


def nav_at(page_file: Path, width: int) -> dict:
    if not CHROMIUM.exists():
        pytest.fail(f"the HTML browser tests need Debian's chromium at {CHROMIUM}: `make install` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("**/*", lambda route: route.continue_() if route.request.url == page_file.as_uri() else route.abort())
            page.goto(page_file.as_uri())
            return page.evaluate(NAV)
        finally:
            browser.close()


def test_the_section_bar_shows_a_cue_where_it_scrolls_and_needs_none_where_it_wraps(page_file):
    phone = nav_at(page_file, 420)
    assert phone["scrolls"] and phone["moved"]  # more links than the width: it scrolls sideways...
    assert phone["image"].count("radial-gradient") == 2 and "local" in phone["attach"] and "scroll" in phone["attach"]
    assert phone["color"] == "rgb(255, 255, 255)"  # ...with edge shadows over an opaque (sticky) bar
    desk = nav_at(page_file, 1400)
    assert not desk["scrolls"] and desk["image"] == "none"
