"""The HTML report's Trend section in a real browser (Debian's chromium through playwright, as
tests/test_html_browser.py drives it): a year and a bit of recorded runs on the labelled hotel
report, at 1400 and 420 px: nothing sticks out, the latest 52 runs are listed newest first, each
bar is as long as its run's open findings, and the section bar links to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import HOTEL
from modernizer.history.model import RecordedFinding, RecordedRun
from modernizer.history.trend import trend
from modernizer.render.html import render_html
from support.example_report import example_report

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SEVS = ["critical", "high", "medium", "low", "info"]


def runs(n: int = 60) -> list[RecordedRun]:
    """Runs whose open findings grow then shrink (run k: k % 20 + 1 of them); run 30 incomplete."""
    out = []
    for k in range(1, n + 1):
        rows = [RecordedFinding(fingerprint=f"f{i}", severity=SEVS[i % 5], state="open", file="src/main/java/com/grandhotel/dao/UserDao.java",
                                line=40 + i, title=f"finding {i}") for i in range(k % 20 + 1)]
        out.append(RecordedRun(id=k, generated_at=f"2025-{1 + (k - 1) // 28 % 12:02d}-{1 + (k - 1) % 28:02d}T03:17:00+00:00",
                               repo="legacy-hotel", commit=f"{k:040x}", model="nemotron", complete=k != 30, findings=rows))
    return out


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    report = example_report(HOTEL).model_copy(update={"history": trend(runs(), source="history.sqlite")})
    path = tmp_path_factory.mktemp("trend") / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser(page_file):
    if not CHROMIUM.exists():
        pytest.fail(f"the HTML browser tests need Debian's chromium at {CHROMIUM}: `make install` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.mark.parametrize("width", [1400, 420])
def test_the_trend_section_fits_and_shows_the_latest_runs(browser, page_file, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, service_workers="block")
    page = context.new_page()
    page.goto(page_file.as_uri())
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        section = page.evaluate("(() => { const s = document.getElementById('trend'); return [s.scrollWidth, s.clientWidth]; })()")
        assert section[0] <= section[1] + 1, f"the trend section sticks out: {section}"
        rows = page.evaluate("Array.from(document.querySelectorAll('#ttable tbody tr')).map(r => +r.dataset.run)")
        assert rows == list(range(60, 8, -1))  # the latest 52, newest first
        bars = page.evaluate("""Array.from(document.querySelectorAll('#ttable tbody tr')).map(r =>
            [+r.dataset.run, r.querySelector('.tbar').getBoundingClientRect().width])""")
        widest = max(w for _, w in bars)
        for run, w in bars:  # run k has k % 20 + 1 open findings; 20 is the most
            assert abs(w / widest - (run % 20 + 1) / 20) < 0.03, (run, w, widest)
        assert page.evaluate("document.querySelector('tr[data-run=\"30\"] .inc').textContent") == "incomplete"
        assert page.evaluate("document.querySelector('tr[data-run=\"30\"] td[data-label=Fixed]').textContent") == "–"
        page.click("nav.toc a[href='#trend']")
        top = page.evaluate("document.getElementById('trend').getBoundingClientRect().top")
        assert 0 <= top < 120, f"the section bar's Trend link did not bring the section up ({top})"
    finally:
        context.close()
