"""The HTML report in a real browser: Debian's chromium, driven by playwright (its own browser
download is never used; `make install` installs chromium with apt).

The reports are the labelled hotel sample built through the public report builder
(support/example_report.py): 59 findings, one of them a critical that cites a file that does not
exist (grounding rejects it), two plan items, validator verdicts, and, in one of them, a 320-letter
word with no space in a finding and in the summary. What a person would check by hand is asserted:
nothing sticks out of the page or a card at 1400 and 420 px, the filters show the rows Python
counts, sorting reorders, the severity cards leave the rejected finding out, links exist only with
an http(s) link base, and the page asks the network for nothing. Also: every count on the page is
of open findings (the rejected one named apart), no table splits a word that fits a line, every
column is on screen or behind a visible scroll cue, the graph fits its box or keeps its natural
size, a link to a finding the filters hide shows it, and the Modules section says why it chunked
(``with_modules`` makes a chunked copy of the example).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import HOTEL
from modernizer.render import RenderOptions
from modernizer.render.html import render_html
from modernizer.report import Report
from modernizer.render.groups import finding_groups
from modernizer.render.html import finding_counts
from modernizer.render.svg import MIN_SCALE
from support.example_report import GHOST, LONG_WORD, example_report, with_modules

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
    files = {"plain": render_html(report), "linked": render_html(report, RenderOptions(link_base=LINK_BASE)),
             "modules": render_html(with_modules(report, window=8000), RenderOptions(link_base=LINK_BASE))}
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

    def __init__(self, browser, path: Path, width: int, javascript: bool = True, query: str = ""):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript,
                                           service_workers="block")
        self.url = path.as_uri() + query
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
        """The findings the filters let through, in report order (whatever the grouping, sort or folding)."""
        return self.js("""Array.from(document.querySelectorAll('#ftable tr.frow')).filter(r => !r.hidden)
            .sort((a, b) => a.dataset.idx - b.dataset.idx).map(r => r.id.slice(8))""")

    def shown_ids(self) -> list[str]:
        """The findings on the page (filtered in, not folded away), in the page's order."""
        return self.js("Array.from(document.querySelectorAll('#ftable tr.frow')).filter(r => r.getClientRects().length).map(r => r.id.slice(8))")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def opened(browser):
    made: list[Opened] = []

    def open_(path: Path, width: int = 1400, javascript: bool = True, query: str = "") -> Opened:
        made.append(Opened(browser, path, width, javascript, query))
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
    o = opened(pages["linked"], width, query="?fold=none")
    assert o.js("document.documentElement.scrollWidth") <= o.js("innerWidth"), "the page scrolls sideways"
    assert o.js(OVERFLOW) == []
    # the long word is really there, wrapped rather than cut off
    assert LONG_WORD[:60] in o.js("document.getElementById('summary').innerText").replace("\n", "")
    # every visible finding shows where it is, how it was grounded and what the validator said, on screen
    cells = o.js("""Array.from(document.querySelectorAll('#ftable tbody tr.frow')).filter(r => !r.hidden).slice(0, 12).flatMap(r =>
        Array.from(r.querySelectorAll('.floc, .fground, .fverdict')).map(td => {const b = td.getBoundingClientRect();
          return [r.id, td.className, b.left, b.right, b.width];}))""")
    assert len(cells) == 36
    for row, cls, left, right, w in cells:
        assert left >= 0 and right <= width and w > 40, (row, cls, left, right, w)
    if width == 420:  # stacked: each of the three has its own line, labelled
        assert o.js("getComputedStyle(document.querySelector('#ftable thead')).display") == "none"
        labels = o.js("""Array.from(document.querySelector('#ftable tbody tr.frow:not([hidden])').querySelectorAll('td[data-label]'))
            .map(td => getComputedStyle(td, '::before').content)""")
        assert labels == ['"Location: "', '"Grounding: "', '"Validator: "']


@pytest.mark.parametrize("width", WIDTHS + [600])
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
    assert o.js("document.getElementById('fcount').textContent") == f"showing {len(report.findings) - 1} of {len(report.findings)} listed · 1 rejected hidden"
    o.page.uncheck("#hiderej")
    assert ghost in o.visible_ids()


def test_the_filters_show_the_rows_python_counts(opened, pages, report):
    o = opened(pages["plain"])
    for s in ("high", "medium", "low", "info"):
        o.page.uncheck(f".sevf[value={s}]")
    critical = expected(report, severities={"critical"})
    assert o.visible_ids() == critical and len(critical) == report.summary.open_by_severity["critical"]
    assert o.js("document.getElementById('fcount').textContent") == f"showing {len(critical)} of {len(report.findings)} listed · 1 rejected hidden"
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
    o = opened(pages["plain"], query="?group=none")  # one list: the sort orders all of it (in groups, see test_grouping_*)
    assert o.visible_ids() == expected(report)
    by_id = {f.id: f for f in report.findings}
    o.page.click("#ftable th[data-sort=loc] button")
    rows = [(by_id[i].file, by_id[i].line_start) for i in o.shown_ids()]
    assert rows == sorted(rows) and o.shown_ids() != expected(report)
    assert o.js("document.querySelector('#ftable th[data-sort=loc]').getAttribute('aria-sort')") == "ascending"
    o.page.click("#ftable th[data-sort=loc] button")
    rows = [(by_id[i].file, by_id[i].line_start) for i in o.shown_ids()]
    assert rows == sorted(rows, reverse=True)
    o.page.select_option("#fsort", "cat")
    cats = [by_id[i].category for i in o.shown_ids()]
    assert cats == sorted(cats)
    o.page.uncheck(".sevf[value=low]")  # a filter after a sort keeps the order
    assert [by_id[i].category for i in o.shown_ids()] == sorted(by_id[i].category for i in o.shown_ids())


def test_locations_link_to_the_source_only_with_an_http_link_base(opened, pages, report):
    linked = opened(pages["linked"])
    hrefs = linked.js("""Array.from(document.querySelectorAll('#ftable tr.frow')).sort((a, b) => a.dataset.idx - b.dataset.idx)
        .map(r => r.querySelector('.floc a').getAttribute('href'))""")
    assert len(hrefs) == len(report.findings)
    f = report.findings[0]
    # the sample lies in sample_repos/ of this repository: a /blob/SHA base is the repository's, so links start there
    prefix = report.repo.git.prefix + "/" if report.repo.git else ""  # (no git: a source tarball)
    assert hrefs[0] == f"{LINK_BASE}/{prefix}{f.file}#L{f.line_start}" + (f"-L{f.line_end}" if f.line_end > f.line_start else "")
    assert all(h.startswith(LINK_BASE + "/") and re.search(r"#L\d+(-L\d+)?$", h) for h in hrefs)
    plan_files = linked.js("Array.from(document.querySelectorAll('#plan a[href^=\"https:\"]')).length")
    assert plan_files == sum(len(p.files) for p in report.plan)

    plain = opened(pages["plain"])
    outside = plain.js("Array.from(document.querySelectorAll('a[href]:not([href^=\"#\"])')).map(a => a.getAttribute('href'))")
    assert outside and all(h.startswith("https://cwe.mitre.org/data/definitions/") for h in outside)  # only the CWEs' help
    assert plain.js(f"document.querySelector('#finding-{f.id} .floc').innerText").startswith(f.file.split("/")[0])


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
    assert o.page.locator("#ftable tbody tr.frow:visible").count() == len(report.findings)
    assert not o.page.locator("#filters").is_visible()
    assert "Grouping by file, filters and sorting need JavaScript" in o.page.locator("#findings").inner_text()
    # grouped by rule on the server: each rule's header, then its findings; the context lines shown
    groups = finding_groups(report, "rule")
    assert o.page.locator("#ftable tr.ghead:visible").count() == len(groups)
    order = o.js("Array.from(document.querySelectorAll('#ftable tbody tr')).map(r => r.dataset.key || r.id.slice(8))")
    assert order == [x for g in groups for x in [g.key, *g.ids]]
    assert o.page.locator("#ftable pre.ctx:visible").count() == sum(f.context is not None for f in report.findings)
    assert not o.page.locator(".gfold").first.is_visible()  # folding needs the script


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
    # only anchors inside the page, and each CWE's entry at MITRE (a link, never loaded)
    assert refs and all(v.startswith("#") or re.fullmatch(r"https://cwe\.mitre\.org/data/definitions/\d+\.html", v) for _, v in refs), refs
    assert "@import" not in text and not re.search(r"url\((?!#)", text)
    assert text.count("<script>") == 1  # the page's own filter script, inline


# --- counts, narrow tables, the graph's size, sorting, links to hidden rows, wording (review 12) ---

def _text(html: str) -> str:
    """What a person reads in a piece of the page: tags dropped, entities decoded, spaces collapsed."""
    from html import unescape

    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html)))


def test_every_count_counts_open_findings_and_names_the_rejected_apart(report):
    counts = finding_counts(report)
    assert counts["open"] == sum(report.summary.open_by_severity.values()) == len(report.findings) - 1
    assert counts["open"] + counts["rejected"] + counts["suppressed"] == len(report.findings)
    text = render_html(report)
    n, all_ = counts["open"], len(report.findings)
    assert f'Findings <span class="n">{n}</span>' in text  # the nav
    assert f"Findings ({n}) · 1 rejected, not counted" in _text(re.search(r"<h2>Findings.*?</h2>", text).group(0))
    card = _text(re.search(r'<div class="card" id="fcard">.*?</div>', text).group(0))
    assert card.startswith(f"{n}findings") and "1 rejected: not counted" in card
    assert f"Findings ({all_})" not in text and f'<span class="n">{all_}</span>' not in text
    # each select's options count the rows choosing it shows with "hide rejected" on (the default)
    for select in ("fcat", "fagent"):
        options = re.findall(r'<option value="[^"]+">[^<(]+\((\d+)(?:, \+(\d+) rejected)?\)</option>',
                             re.search(f'<select id="{select}">.*?</select>', text).group(0))
        assert sum(int(shown) for shown, _ in options) == n, select
        assert sum(int(rej or 0) for _, rej in options) == 1, select
    assert '<option value="sql-injection">sql-injection (6, +1 rejected)</option>' in text


def test_a_suppressed_finding_is_named_apart_too(report):
    quiet = report.model_copy(deep=True)
    quiet.findings[1].suppressed = True
    text = _text(render_html(quiet))
    assert f"Findings ({len(quiet.findings) - 2}) · 1 rejected, 1 suppressed, not counted" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_the_facet_counts_are_the_rows_the_filter_shows(opened, pages, report, width):
    o = opened(pages["plain"], width)
    for value, n, _rejected in [("sql-injection", 6, 1), ("deprecated-api", 23, 0)]:
        o.page.select_option("#fcat", value)
        assert len(o.visible_ids()) == n == len(expected(report, category=value))


SPLIT_WORDS = """(sel) => {
  const bad = [];
  document.querySelectorAll(sel).forEach(table => {
    const walk = document.createTreeWalker(table.tBodies[0], NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (n.parentElement.closest('pre') || !n.parentElement.getClientRects().length) continue;  // code may wrap anywhere; hidden
      // words: a path breaks after its slashes, a compound after its hyphen, a URL after its '?' (Unicode line breaking)
      const re = /[^\\s\\/?-]+/g; let m;
      while ((m = re.exec(n.data))) {
        const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
        const rects = Array.from(r.getClientRects()).filter(x => x.width > 0);
        const lines = new Set(rects.map(x => Math.round(x.bottom)));
        const cell = n.parentElement.closest('td, th');
        const wide = rects.reduce((a, x) => a + x.width, 0);
        if (lines.size > 1 && wide <= cell.clientWidth) bad.push((table.id || 'table') + ': ' + m[0]);  // split though it fits a line
      }
    }
  });
  return bad;
}"""

UNREACHABLE = """(sel) => Array.from(document.querySelectorAll(sel)).flatMap(table => {
  const box = table.closest('.scroll'), b = box.getBoundingClientRect();
  const scrolls = box.scrollWidth > box.clientWidth + 1, hint = box.previousElementSibling;
  const cued = !!hint && hint.classList.contains('scroll-hint') && !hint.hidden && getComputedStyle(box).backgroundImage.includes('gradient');
  return Array.from(table.querySelectorAll('tbody td')).filter(td => td.getClientRects().length).flatMap(td => {
    const r = td.getBoundingClientRect();
    const onScreen = r.left >= b.left - 1 && r.right <= b.right + 1 && b.right <= innerWidth;
    return onScreen ? [] : [[table.id || 'table', td.cellIndex, scrolls, cued]];
  });
})"""


@pytest.mark.parametrize("width", WIDTHS)
def test_tables_break_lines_between_words_and_show_every_column(opened, pages, width):
    o = opened(pages["modules"], width)
    o.js("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert o.js("document.querySelectorAll('#plantable tbody tr, #agenttable tbody tr, #modtable tbody tr').length") == 2 + 4 + 8
    assert o.js(f"({SPLIT_WORDS})('table')") == []
    if width == 420:  # the plan, the agents and the modules stack as cards: every cell on screen
        assert o.js(f"({UNREACHABLE})('#plantable, #agenttable, #modtable, #ftable')") == []
        assert o.js("getComputedStyle(document.querySelector('#modtable thead')).display") == "none"
    # a table that is still wider than its box scrolls, and says so
    assert all(scrolls and cued for *_, scrolls, cued in o.js(f"({UNREACHABLE})('.scroll table')"))
    assert o.js("document.documentElement.scrollWidth") <= width


def test_a_table_too_wide_for_its_box_shows_a_scroll_cue(opened, pages):
    o = opened(pages["plain"], 420)
    hints = o.js("""Array.from(document.querySelectorAll('.scroll')).map(b => [b.scrollWidth > b.clientWidth + 1,
        !!b.previousElementSibling && b.previousElementSibling.classList.contains('scroll-hint') && !b.previousElementSibling.hidden])""")
    assert any(wide for wide, _ in hints)  # the graph at its natural size, at least
    assert all(wide == shown for wide, shown in hints), hints


@pytest.mark.parametrize("width", [1400, 600, 420])
def test_the_graph_fits_its_box_or_keeps_its_natural_size(opened, pages, width):
    o = opened(pages["plain"], width)
    shown, box, scroll, natural = o.js("""(() => {const s = document.querySelector('svg.graph'), w = s.parentElement;
        return [s.getBoundingClientRect().width, w.clientWidth, w.scrollWidth, +s.getAttribute('width')];})()""")
    if natural * MIN_SCALE <= box:
        assert abs(shown - min(natural, box)) < 1 and scroll <= box + 1, (shown, box, natural)
    else:
        assert abs(shown - natural) < 1 and scroll > box, (shown, box, natural)
    if width == 600:
        assert shown < natural  # the in-between width: shrunk to fit, labels still readable (the test above)
    if width == 420:
        assert shown == natural


def test_the_whole_header_cell_sorts_and_finding_sorts_by_title(opened, pages, report):
    o = opened(pages["plain"], query="?group=none")
    by_id = {f.id: f for f in report.findings}
    th = o.page.locator("#ftable th[data-sort=title]")
    box, button = th.bounding_box(), th.locator("button").bounding_box()
    o.page.mouse.click(box["x"] + box["width"] - 3, box["y"] + box["height"] - 2)  # beside the button, inside the cell
    assert box["x"] + box["width"] - 3 > button["x"] + button["width"]
    titles = [by_id[i].title.lower() for i in o.shown_ids()]
    assert titles == sorted(titles) and o.shown_ids() != expected(report)
    assert o.js("document.querySelector('#ftable th[data-sort=title]').getAttribute('aria-sort')") == "ascending"
    o.page.mouse.click(box["x"] + box["width"] - 3, box["y"] + 3)
    assert [by_id[i].title.lower() for i in o.shown_ids()] == sorted(titles, reverse=True)
    o.page.focus("#ftable th[data-sort=sev] button")  # the keyboard still has a button
    o.page.keyboard.press("Enter")
    assert [by_id[i].severity for i in o.shown_ids()] == sorted((by_id[i].severity for i in o.shown_ids()),
                                                                  key=["critical", "high", "medium", "low", "info"].index)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_link_to_a_finding_the_filters_hide_clears_them(opened, pages, report, width):
    o = opened(pages["plain"], width)
    o.page.select_option("#fcat", "xss-stored")
    target = report.plan[0].addresses[0]
    assert target not in o.visible_ids()
    o.page.click(f"#plan-P1 a[href='#finding-{target}']")
    assert target in o.visible_ids() and o.visible_ids() == expected(report)
    assert o.js("document.getElementById('fcat').value") == ""
    assert o.page.locator("#fnote").is_visible() and o.page.locator("#fnote").inner_text() == f"Filters cleared to show {target}."
    top, bottom = o.js(f"(() => {{const r = document.getElementById('finding-{target}').getBoundingClientRect(); return [r.top, r.bottom];}})()")
    assert 0 <= top < 900 and bottom > 0
    o.page.select_option("#fcat", "sql-injection")  # touching the filters again puts the note away
    assert not o.page.locator("#fnote").is_visible()


def test_opening_the_page_at_a_hidden_finding_shows_it(opened, pages, report):
    ghost = next(f.id for f in report.findings if f.file == GHOST["file"])
    o = opened(pages["plain"])
    o.page.goto(pages["plain"].as_uri() + f"#finding-{ghost}")
    o.page.wait_for_timeout(100)
    assert ghost in o.visible_ids() and not o.js("document.getElementById('hiderej').checked")


def test_the_modules_section_says_why_the_code_was_chunked(report):
    def said(r: Report) -> str:
        return _text(re.search(r'<p id="chunked">.*?</p>', render_html(r), re.S).group(0))
    assert said(with_modules(report, fits=True)).startswith("The codebase fits the window, but --mode modules asked for chunks, so")
    assert said(with_modules(report, window=8000)).startswith(
        "The codebase did not fit the 8,000-token window set with --window (the server's is 65,536), so")
    assert said(with_modules(report)).startswith("The codebase did not fit the model's window, so")
    assert 'id="chunked"' not in render_html(report)  # a single-context report has no Modules section


def test_small_wording(report):
    text = render_html(report)
    roles = re.search(r'<section id="roles">.*?</section>', text, re.S).group(0)
    src = next(x for x in report.roles if x.role == "source")
    assert f"<td>{src.lines:,}</td><td>{src.tokens:,}</td>" in roles and src.lines >= 1000
    assert len(report.set_aside) == 1 and "<summary>The set-aside file</summary>" in roles
    more = report.model_copy(deep=True)
    more.set_aside = more.set_aside * 3
    assert "<summary>The 3 set-aside files</summary>" in render_html(more)
    # files left out: no column that repeats the path; a detail that says more than the path stays
    skipped = re.search(r'<section id="files">.*?</section>', text, re.S).group(0)
    assert "<th>Detail</th>" not in skipped and report.skipped[0].detail == report.skipped[0].path
    assert _text(skipped).count(report.skipped[0].path) == 1
    other = report.model_copy(deep=True)
    other.skipped[0].detail = "*.json"
    assert '<div class="muted">*.json</div>' in render_html(other)
    # the category only when it says more than the title
    sqli = next(f for f in report.findings if f.title == "sql injection" and f.category == "sql-injection")
    cell = re.search(rf'<tr id="finding-{sqli.id}".*?<td class="ftitle">(.*?)<div>', text, re.S).group(1)
    assert _text(cell).strip() == f"sql injection {sqli.cwe}"
    other.findings[0].title = "Concatenated SQL in the booking search"
    cell = re.search(rf'<tr id="finding-{other.findings[0].id}".*?<td class="ftitle">(.*?)<div>', render_html(other), re.S).group(1)
    assert other.findings[0].category in cell
