"""The README's screenshots of the HTML report, made by hand (not by the tests):

    .venv/bin/python docs/make_screenshot.py

The report is the labelled hotel sample's expected findings (sample_repos/legacy-hotel/EXPECTED.json)
built through the public report builder, as the tests build it (tests/support/example_report.py),
and rendered by the real HTML renderer with a banner saying so: no model ran. Debian's chromium
(`make install`) takes the pictures: docs/img/report-example.png (1400 px wide, the top of the
page) and docs/img/report-example-narrow.png (420 px, a phone).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from modernizer.render import RenderOptions  # noqa: E402
from modernizer.render.html import render_html  # noqa: E402
from support.example_report import example_report  # noqa: E402

BANNER = "Example: built from the labelled sample's expected findings, not a model run"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
SHOTS = [("report-example.png", 1400, 1180), ("report-example-narrow.png", 420, 1900)]


def main() -> None:
    from playwright.sync_api import sync_playwright

    report = example_report(ROOT / "sample_repos" / "legacy-hotel")
    html = render_html(report, RenderOptions(banner=BANNER, link_base="https://github.com/OWNER/REPO/blob/COMMIT"))
    out = ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        page_file = Path(tmp) / "legacy-hotel.html"
        page_file.write_text(html, encoding="utf-8")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for name, width, height in SHOTS:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
            page = context.new_page()
            page.goto(page_file.as_uri())
            page.screenshot(path=str(out / name))
            context.close()
            print(f"wrote {out / name}")
        browser.close()


if __name__ == "__main__":
    main()
