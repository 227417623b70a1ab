"""The HTML report in a real browser: Debian's chromium, driven by playwright (its own browser
download is never used; `make install` installs chromium with apt).

The reports are the labelled hotel sample built through the public report builder
(support/example_report.py): 59 findings, one of them a critical that cites a file that does not
exist (grounding rejects it), two plan items, validator verdicts, and, in one of them, a 320-letter
word with no space in a finding and in the summary. What a person would check by hand is asserted:
nothing sticks out of the page or a card at 1400 and 420 px, the filters show the rows Python
counts, sorting reorders, the severity cards leave the rejected finding out, links exist only with
an http(s) link base, and the page asks the network for nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import HOTEL
from modernizer.render import RenderOptions
from modernizer.render.html import render_html
from modernizer.report import Report
from support.example_report import GHOST, LONG_WORD, example_report

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
LINK_BASE = "https://git.example.invalid/acme/hotel/blob/0123abc"
WIDTHS = [1400, 420]


@pytest.fixture(scope="module")
def report() -> Report:
    return example_report(HOTEL, long_word=True)


@pytest.fixture(scope="module")
def pages(report, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("html")
    files = {"plain": render_html(report), "linked": render_html(report, RenderOptions(link_base=LINK_BASE))}
    for name, text in files.items():
        (out / f"{name}.html").write_text(text, encoding="utf-8")
    return {name: out / f"{name}.html" for name in files}


@pytest.fixture(scope="module")
def browser(pages):
    """One chromium for the module. playwright's launch gives it a new, empty profile directory.
    (After ``pages``: the reports are built before playwright's event loop runs in this thread.)"""
    if not CHROMIUM.exists():
        pytest.fail(f"the HTML browser tests need Debian's chromium at {CHROMIUM}: `make install` installs it "
                    "(as root; otherwise: apt-get install --no-install-recommends chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the HTML browser tests need the playwright package: `make install` installs it (the test extra)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


class Opened:
    """A page on one of the report files, with every request it tried recorded and refused."""

    def __init__(self, browser, path: Path, width: int, javascript: bool = True):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript,
                                           service_workers="block")
        self.url = path.as_uri()
        self.requests: list[str] = []
        self.routed: list[str] = []
        self.page = self.context.new_page()
        self.page.on("request", lambda req: req.url != self.url and self.requests.append(req.url))
        self.context.route("**/*", self._route)
        self.page.goto(self.url)

    def _route(self, route) -> None:  # noqa: ANN001
        if route.request.url == self.url:
            route.continue_()
        else:
            self.routed.append(route.request.url)
            route.abort()

    def js(self, script: str):
        return self.page.evaluate(script)

    def visible_ids(self) -> list[str]:
        return self.js("Array.from(document.querySelectorAll('#ftable tbody tr')).filter(r => !r.hidden).map(r => r.id.slice(8))")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def opened(browser):
    made: list[Opened] = []

    def open_(path: Path, width: int = 1400, javascript: bool = True) -> Opened:
        made.append(Opened(browser, path, width, javascript))
        return made[-1]
    yield open_
    for o in made:
        assert o.requests == [] and o.routed == [], f"the page asked the network: {o.requests + o.routed}"
        o.close()


def expected(report: Report, *, severities=None, category="", agent="", grounding="", file="", hide_rejected=True) -> list[str]:
    """The ids the filters should leave visible, in report order: computed from the report, not the page."""
    return [f.id for f in report.findings
            if (severities is None or f.severity in severities) and (not category or f.category == category)
            and (not agent or f.source == agent) and (not grounding or f.grounding.status == grounding)
            and (not file or file.lower() in f.file.lower()) and not (hide_rejected and f.grounding.status == "rejected")]


OVERFLOW = """() => {
  const over = [];
  const check = (el, what) => { if (el.scrollWidth > el.clientWidth + 1) over.push(what + ': ' + (el.id || el.className || el.tagName) + ' ' + el.scrollWidth + '>' + el.clientWidth); };
  document.querySelectorAll('.card, section, #summary p, .note, .filters, header, .banner').forEach(el => check(el, 'box'));
  document.querySelectorAll('.scroll').forEach(el => { if (el.querySelector('#ftable')) check(el, 'findings table'); });
  return over;
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_sticks_out_of_the_page_or_a_card(opened, pages, report, width):
    o = opened(pages["linked"], width)
    assert o.js("document.documentElement.scrollWidth") <= o.js("innerWidth"), "the page scrolls sideways"
    assert o.js(OVERFLOW) == []
    # the long word is really there, wrapped rather than cut off
    assert LONG_WORD[:60] in o.js("document.getElementById('summary').innerText").replace("\n", "")
    # every visible finding shows where it is, how it was grounded and what the validator said, on screen
    cells = o.js("""Array.from(document.querySelectorAll('#ftable tbody tr')).filter(r => !r.hidden).slice(0, 12).flatMap(r =>
        Array.from(r.querySelectorAll('.floc, .fground, .fverdict')).map(td => {const b = td.getBoundingClientRect();
          return [r.id, td.className, b.left, b.right, b.width];}))""")
    assert len(cells) == 36
    for row, cls, left, right, w in cells:
        assert left >= 0 and right <= width and w > 40, (row, cls, left, right, w)
    if width == 420:  # stacked: each of the three has its own line, labelled
        assert o.js("getComputedStyle(document.querySelector('#ftable thead')).display") == "none"
        labels = o.js("""Array.from(document.querySelector('#ftable tbody tr:not([hidden])').querySelectorAll('td[data-label]'))
            .map(td => getComputedStyle(td, '::before').content)""")
        assert labels == ['"Location: "', '"Grounding: "', '"Validator: "']


@pytest.mark.parametrize("width", WIDTHS)
def test_the_graph_labels_are_readable(opened, pages, width):
    o = opened(pages["plain"], width)
    heights = o.js("Array.from(document.querySelectorAll('svg.graph text')).map(t => t.getBoundingClientRect().height)")
    assert heights and min(heights) >= 9, heights  # on screen, in CSS px
    labels = o.js("Array.from(document.querySelectorAll('svg.graph text')).map(t => t.textContent)")
    assert ". (root)" in labels and "src/main/java/com/grandhotel/dao" in labels
    # too wide for a phone, it scrolls inside its own box; the page does not
    assert o.js("document.documentElement.scrollWidth") <= width


def test_rejected_findings_are_left_out_of_the_severity_cards_and_hidden_by_default(opened, pages, report):
    o = opened(pages["plain"])
    cards = o.js("Object.fromEntries(Array.from(document.querySelectorAll('#sevcards .card')).map(c => [c.dataset.sev, +c.querySelector('b').textContent]))")
    assert cards == report.summary.open_by_severity
    assert report.summary.by_severity["critical"] == cards["critical"] + 1  # the ghost is critical and rejected
    ghost = next(f.id for f in report.findings if f.file == GHOST["file"])
    assert o.visible_ids() == expected(report) and ghost not in o.visible_ids()
    assert o.js("document.getElementById('fcount').textContent") == f"showing {len(report.findings) - 1} of {len(report.findings)}"
    o.page.uncheck("#hiderej")
    assert ghost in o.visible_ids()


def test_the_filters_show_the_rows_python_counts(opened, pages, report):
    o = opened(pages["plain"])
    for s in ("high", "medium", "low", "info"):
        o.page.uncheck(f".sevf[value={s}]")
    critical = expected(report, severities={"critical"})
    assert o.visible_ids() == critical and len(critical) == report.summary.open_by_severity["critical"]
    assert o.js("document.getElementById('fcount').textContent") == f"showing {len(critical)} of {len(report.findings)}"
    for s in ("high", "medium", "low", "info"):
        o.page.check(f".sevf[value={s}]")

    o.page.select_option("#fcat", "sql-injection")
    assert o.visible_ids() == expected(report, category="sql-injection") != []
    o.page.select_option("#fcat", "")
    o.page.select_option("#fagent", "analyzer")
    assert o.visible_ids() == expected(report, agent="analyzer") != []
    o.page.select_option("#fagent", "")
    o.page.select_option("#fground", "verified")
    assert o.visible_ids() == expected(report, grounding="verified") != []
    o.page.select_option("#fground", "rejected")  # asking for the rejected ones shows them
    assert o.visible_ids() == expected(report, grounding="rejected", hide_rejected=False) != []
    o.page.select_option("#fground", "")
    o.page.check("#hiderej")
    o.page.fill("#ffile", "DAO/")
    assert o.visible_ids() == expected(report, file="dao/") != []
    o.page.select_option("#fcat", "sql-injection")
    assert o.visible_ids() == expected(report, file="dao/", category="sql-injection") != []


def test_clicking_a_column_header_sorts(opened, pages, report):
    o = opened(pages["plain"])
    assert o.visible_ids() == expected(report)
    by_id = {f.id: f for f in report.findings}
    o.page.click("#ftable th[data-sort=loc] button")
    rows = [(by_id[i].file, by_id[i].line_start) for i in o.visible_ids()]
    assert rows == sorted(rows) and o.visible_ids() != expected(report)
    assert o.js("document.querySelector('#ftable th[data-sort=loc]').getAttribute('aria-sort')") == "ascending"
    o.page.click("#ftable th[data-sort=loc] button")
    rows = [(by_id[i].file, by_id[i].line_start) for i in o.visible_ids()]
    assert rows == sorted(rows, reverse=True)
    o.page.select_option("#fsort", "cat")
    cats = [by_id[i].category for i in o.visible_ids()]
    assert cats == sorted(cats)
    o.page.uncheck(".sevf[value=low]")  # a filter after a sort keeps the order
    assert [by_id[i].category for i in o.visible_ids()] == sorted(by_id[i].category for i in o.visible_ids())


def test_locations_link_to_the_source_only_with_an_http_link_base(opened, pages, report):
    linked = opened(pages["linked"])
    hrefs = linked.js("Array.from(document.querySelectorAll('#ftable .floc a')).map(a => a.getAttribute('href'))")
    assert len(hrefs) == len(report.findings)
    f = report.findings[0]
    assert hrefs[0] == f"{LINK_BASE}/{f.file}#L{f.line_start}" + (f"-L{f.line_end}" if f.line_end > f.line_start else "")
    assert all(h.startswith(LINK_BASE + "/") and re.search(r"#L\d+(-L\d+)?$", h) for h in hrefs)
    plan_files = linked.js("Array.from(document.querySelectorAll('#plan a[href^=\"https:\"]')).length")
    assert plan_files == sum(len(p.files) for p in report.plan)

    plain = opened(pages["plain"])
    assert plain.js("document.querySelectorAll('a[href]:not([href^=\"#\"])').length") == 0
    assert plain.js("document.querySelector('#ftable .floc').innerText").startswith(f.file.split("/")[0])


def test_plan_items_link_the_findings_they_address(opened, pages, report):
    o = opened(pages["plain"])
    p1 = report.plan[0]
    targets = o.js("Array.from(document.querySelectorAll('#plan-P1 a[href^=\"#finding-\"]')).map(a => a.getAttribute('href'))")
    assert targets == [f"#finding-{i}" for i in p1.addresses]
    o.page.click(f"#plan-P1 a[href='#finding-{p1.addresses[0]}']")
    assert o.js("location.hash") == f"#finding-{p1.addresses[0]}"
    assert o.js(f"document.getElementById('finding-{p1.addresses[0]}').getBoundingClientRect().top") < 900


def test_without_javascript_every_finding_is_listed(opened, pages, report):
    o = opened(pages["plain"], javascript=False)
    assert o.page.locator("#ftable tbody tr:visible").count() == len(report.findings)
    assert not o.page.locator("#filters").is_visible()
    assert "Filters and sorting need JavaScript" in o.page.locator("#findings").inner_text()


def _references(text: str) -> list[tuple[str, str]]:
    """(tag, value) of every attribute that can load or link something, as a browser parses them."""
    from html.parser import HTMLParser

    found: list[tuple[str, str]] = []

    class Refs(HTMLParser):
        def handle_starttag(self, tag, attrs):  # noqa: ANN001
            found.extend((tag, v or "") for k, v in attrs if k in ("src", "href", "srcset", "action", "data", "poster", "xlink:href"))
    Refs().feed(text)
    return found


def test_the_page_asks_the_network_for_nothing(opened, pages):
    for name in ("plain", "linked"):
        o = opened(pages[name], 420)
        o.js("window.scrollTo(0, document.body.scrollHeight)")
        o.page.fill("#ffile", "web/")
        o.js("document.querySelector('#ftable th[data-sort=sev] button').click()")  # hidden on a phone; its handler still runs
        o.page.wait_for_timeout(200)
        assert o.requests == [] and o.routed == []


def test_the_file_is_self_contained_and_escaped(report):
    hostile = report.model_copy(deep=True)
    hostile.findings[0].title = '<img src=x onerror="alert(1)">'
    hostile.findings[0].category = '"><script>alert(2)</script>'
    hostile.architecture.summary = "</p><link rel=stylesheet href=https://evil.example/x.css>"
    text = render_html(hostile, RenderOptions(link_base="javascript:alert(3)//"))
    assert "<img src=x" not in text and "<script>alert(2)" not in text and "<link rel" not in text
    assert "javascript:" not in text  # a link base that is not http(s) makes no link
    refs = _references(text)
    assert refs and all(v.startswith("#") for _, v in refs), refs  # only anchors inside the page
    assert "@import" not in text and not re.search(r"url\((?!#)", text)
    assert text.count("<script>") == 1  # the page's own filter script, inline
