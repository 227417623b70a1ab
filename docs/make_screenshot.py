"""The example report, as JSON to try `modernize review` on without a GPU, and the README's
screenshots of its HTML, made by hand (not by the tests):

    .venv/bin/python docs/make_screenshot.py              # the JSON and the pictures
    .venv/bin/python docs/make_screenshot.py --json-only  # the JSON only (no chromium needed)

The report is the labelled hotel sample's expected findings (sample_repos/legacy-hotel/EXPECTED.json)
built through the public report builder, as the tests build it (tests/support/example_report.py).
It is marked where every renderer and `review` say so: ``llm.test_model`` reads "not a model: ...,
not a model run" (the HTML's banner, the Markdown's note, the SARIF's run properties and a warning
notification, review's opening note). It names its repository by the relative path
``sample_repos/legacy-hotel`` and carries no git commit (neither would mean anything on another
machine): `modernize review --repo` says where the code is (docs/review.md walks through it).

Written to examples/review/legacy-hotel-example.json; debian's chromium (`make install`) takes the
pictures: docs/img/report-example.png (1400 px wide, the top of the page) and
docs/img/report-example-narrow.png (420 px, a phone).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from modernizer.render import RENDERERS, RenderOptions  # noqa: E402
from modernizer.render.html import render_html  # noqa: E402
from modernizer.report import Report  # noqa: E402
from support.example_report import example_report  # noqa: E402

SAMPLE = "sample_repos/legacy-hotel"
EXAMPLE_JSON = ROOT / "examples" / "review" / "legacy-hotel-example.json"
# every renderer writes "Test model: <model> is <this>": the example's model is "labelled"
NOT_A_MODEL_RUN = ("not a model: the labelled sample's expected findings (sample_repos/legacy-hotel/EXPECTED.json) "
                   "made into an example report, not a model run")
GENERATED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)  # fixed: the file changes only when its content does
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
SHOTS = [("report-example.png", 1400, 1180), ("report-example-narrow.png", 420, 1900)]


def example() -> Report:
    """The labelled example, marked as not a model run, its repository named relative to this checkout."""
    report = example_report(ROOT / SAMPLE, now=GENERATED)
    return report.model_copy(update={"llm": report.llm.model_copy(update={"test_model": NOT_A_MODEL_RUN}),
                                     "repo": report.repo.model_copy(update={"root": SAMPLE, "git": None})})


def write_json(report: Report, path: Path = EXAMPLE_JSON) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RENDERERS["json"](report), encoding="utf-8")
    return path


def shoot(report: Report) -> None:
    from playwright.sync_api import sync_playwright

    html = render_html(report, RenderOptions(link_base="https://github.com/OWNER/REPO/blob/COMMIT"))
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


def main(argv: list[str]) -> None:
    report = example()
    print(f"wrote {write_json(report)}")
    if "--json-only" not in argv:
        shoot(report)


if __name__ == "__main__":
    main(sys.argv[1:])
