"""The HTML report's findings section in a real chromium (the fixtures of test_html_browser.py):
grouped by rule (the default, on the server, so it holds with JavaScript off) or by file, switched
in the page; groups folded when a view holds more than 20 findings; the cited lines shown with
their context from the snapshot, redacted; each CWE linked to its entry and its fix; and the view
kept in the URL's query string so that a filtered view can be shared. At 1400 and 420 px.

The report is the labelled hotel sample (59 findings, one rejected) built through the public
report builder (support/example_report.py): test data, not a model's answer.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import HOTEL
from modernizer.render.groups import finding_groups, kind
from modernizer.render.html import render_html
from modernizer.report import Report
from test_html_browser import WIDTHS, browser, expected, opened, pages, report  # noqa: F401  (fixtures)

SQL = {"critical", "high"}


def expected_rule(report: Report, rule: str, severities: set[str]) -> list[str]:
    return [f.id for f in report.findings if kind(f).id == rule and f.severity in severities and f.grounding.status != "rejected"]


def heads(o) -> list[str]:  # noqa: ANN001
    """The group headers on the page, in order."""
    return o.js("Array.from(document.querySelectorAll('#ftable tr.ghead')).filter(h => h.getClientRects().length).map(h => h.dataset.key)")


def query(o) -> dict[str, list[str]]:  # noqa: ANN001
    return parse_qs(urlsplit(o.js("location.href")).query)


@pytest.mark.parametrize("width", WIDTHS)
def test_grouping_by_rule_then_file_then_nothing(opened, pages, report, width):
    o = opened(pages["plain"], width)
    rules, files = finding_groups(report, "rule"), finding_groups(report, "file")
    # 58 findings: the page opens on the rule groups, folded, worst first (the ghost's rejected-only group is hidden)
    assert heads(o) == [g.key for g in rules if g.listed] and o.shown_ids() == []
    assert heads(o)[:2] == ["CWE-798", "CWE-89"] and o.js("document.getElementById('ffold').textContent") == "unfold all"
    assert query(o) == {}  # the default view keeps a plain address
    sql = o.page.locator("#ftable tr.ghead[data-key='CWE-89']")
    assert re.sub(r"\s+", " ", sql.inner_text()).startswith("unfold SQL injection CWE-89 · 6 findings +1 rejected 3 critical 2 high 1 medium")
    sql.locator(".gfold").click()  # one group opens
    assert o.shown_ids() == expected_rule(report, "CWE-89", {"critical", "high", "medium"})
    assert o.js("document.querySelector('#ftable tr.ghead[data-key=\"CWE-89\"] .gfold').getAttribute('aria-expanded')") == "true"

    o.page.select_option("#fgroup", "file")
    assert heads(o) == [g.key for g in files if g.listed] and len(heads(o)) == len(files) - 1 == 36  # the ghost's file: hidden
    assert query(o) == {"group": ["file"]}
    o.page.click("#ffold")  # unfold all: each file's header, then its findings
    assert o.shown_ids() == [i for g in files for i in g.ids if i in expected(report)]
    assert query(o) == {"group": ["file"], "fold": ["none"]}
    assert o.js("document.documentElement.scrollWidth") <= width
    assert o.js("(b => b.scrollWidth <= b.clientWidth + 1)(document.getElementById('ftable').closest('.scroll'))")  # long paths wrap

    o.page.select_option("#fgroup", "none")
    assert heads(o) == [] and o.shown_ids() == expected(report)
    assert not o.page.locator("#ffold").is_visible()
    assert query(o) == {"group": ["none"]}


@pytest.mark.parametrize("width", WIDTHS)
def test_a_filter_in_the_url_applies_and_the_page_keeps_the_url(opened, pages, report, width):
    o = opened(pages["plain"], width, query="?group=file&severity=critical,high&cwe=89")
    want = expected_rule(report, "CWE-89", SQL)
    assert want and o.visible_ids() == want
    assert len(want) <= 20 and sorted(o.shown_ids()) == sorted(want)  # few enough: unfolded
    assert o.js("[document.getElementById('fgroup').value, document.getElementById('frule').value]") == ["file", "CWE-89"]
    assert o.js("Array.from(document.querySelectorAll('.sevf')).filter(c => c.checked).map(c => c.value)") == ["critical", "high"]
    by_id = {f.id: f for f in report.findings}
    assert set(heads(o)) == {by_id[i].file for i in want}
    assert o.js("document.getElementById('fcount').textContent").startswith(f"showing {len(want)} of {len(report.findings)}")

    o.page.fill("#ffile", "BookingDao")  # the address follows the page...
    narrowed = [i for i in want if "bookingdao" in by_id[i].file.lower()]
    assert narrowed and o.visible_ids() == narrowed
    assert query(o) == {"group": ["file"], "severity": ["critical,high"], "cwe": ["89"], "file": ["BookingDao"]}
    shared = o.js("location.search")
    other = opened(pages["plain"], width, query=shared)  # ...and the address, opened elsewhere, shows the same
    assert other.visible_ids() == narrowed and other.js("document.getElementById('ffile').value") == "BookingDao"


def test_url_values_the_report_does_not_have_are_named_not_applied(opened, pages, report):
    o = opened(pages["plain"], query="?cwe=999&group=everything&sort=-loc&grounding=rejected")
    assert o.page.locator("#fnote").inner_text() == "Not in this report, so not applied: group=everything, cwe=CWE-999."
    ghost = next(f.id for f in report.findings if f.grounding.status == "rejected")
    assert o.visible_ids() == [ghost]  # grounding=rejected shows the rejected one (and unticks "hide rejected")
    assert o.js("document.querySelector('#ftable th[data-sort=loc]').getAttribute('aria-sort')") == "descending"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_cited_lines_show_with_their_context(opened, pages, report, width):
    f = next(x for x in report.findings if x.id == "S1")  # RoomDao: SQL built over nine lines
    ctx = f.context
    assert ctx is not None and ctx.cited_start == f.line_start and ctx.cited_end == f.line_end
    o = opened(pages["plain"], width, query="?cwe=89")
    lines = o.js(f"""Array.from(document.querySelectorAll('#finding-{f.id} pre.ctx .l')).map(l =>
        [+l.dataset.n, l.textContent, l.classList.contains('cited'), l.getBoundingClientRect().height > 0])""")
    source = (HOTEL / f.file).read_text(encoding="utf-8").splitlines()
    assert [n for n, *_ in lines] == list(range(f.line_start - 3, f.line_end + 4))  # three lines either side
    assert [t for _, t, *_ in lines] == source[f.line_start - 4:f.line_end + 3]
    assert [n for n, _, cited, _ in lines if cited] == list(range(f.line_start, f.line_end + 1))
    assert all(shown for *_, shown in lines)
    box = o.js(f"(() => {{const b = document.querySelector('#finding-{f.id} pre.ctx').getBoundingClientRect(); return [b.left, b.right];}})()")
    assert 0 <= box[0] and box[1] <= width
    if width == 420:  # a phone wraps the code rather than hiding it sideways
        assert o.js(f"(p => p.scrollWidth <= p.clientWidth + 1)(document.querySelector('#finding-{f.id} pre.ctx'))")
    # a line number is not part of the code a reader copies
    assert o.js(f"getComputedStyle(document.querySelector('#finding-{f.id} pre.ctx .l'), '::before').userSelect") == "none"


def test_context_lines_are_redacted_like_the_rest(report):
    secret = next(f for f in report.findings if f.file.endswith("DBUtil.java") and f.category == "hardcoded-credentials")
    cited = [t for n, t, c in secret.context.numbered if c]
    assert cited and all("«redacted»" in t for t in cited)
    assert "Gr4ndH0tel" not in render_html(report)


def test_each_cwe_links_to_its_entry_and_says_the_fix(opened, pages, report):
    o = opened(pages["plain"], query="?fold=none")
    for g in finding_groups(report, "rule"):
        head = o.page.locator(f"#ftable tr.ghead[data-key='{g.key}']")
        if g.weakness is not None:
            assert head.locator("a.cwe").get_attribute("href") == g.weakness.uri
            assert g.weakness.remediation in head.inner_text()
        elif g.stable is not None:
            assert g.stable.remediation in head.inner_text() and head.locator("a").count() == 0
    f = next(x for x in report.findings if x.cwe == "CWE-89" and x.grounding.status == "verified")
    link = o.page.locator(f"#finding-{f.id} .ftitle a.cwe")
    assert link.get_attribute("href") == "https://cwe.mitre.org/data/definitions/89.html"
    assert link.get_attribute("rel") == "noopener noreferrer"
    # the fix is said once per rule group; grouped by file, each finding says it
    assert not o.page.locator(f"#finding-{f.id} .fhelp").is_visible()
    o.page.select_option("#fgroup", "file")
    o.page.click("#ffold")
    assert o.page.locator(f"#finding-{f.id} .fhelp").is_visible()


def test_sorting_orders_the_rows_inside_each_group(opened, pages, report):
    o = opened(pages["plain"], query="?fold=none&sort=loc")
    by_id = {f.id: f for f in report.findings}
    order = o.js("Array.from(document.querySelectorAll('#ftable tbody tr')).filter(r => r.getClientRects().length).map(r => r.dataset.key || '#' + r.id.slice(8))")
    groups, rows = [], {}
    for x in order:
        if x.startswith("#"):
            rows.setdefault(groups[-1], []).append(x[1:])
        else:
            groups.append(x)
    assert groups == [g.key for g in finding_groups(report, "rule") if g.listed]  # the groups keep their order
    for g, ids in rows.items():
        places = [(by_id[i].file, by_id[i].line_start) for i in ids]
        assert places == sorted(places), g


def test_a_link_to_a_finding_in_a_folded_group_opens_the_group(opened, pages, report):
    o = opened(pages["plain"])
    target = report.plan[1].addresses[0]
    assert target not in o.shown_ids()
    o.page.click(f"#plan-P2 a[href='#finding-{target}']")
    assert target in o.shown_ids()
    top = o.js(f"document.getElementById('finding-{target}').getBoundingClientRect().top")
    assert 0 <= top < 900


def test_an_unverified_finding_shows_the_quote_and_the_lines_it_cites(report):
    f = next(x for x in report.findings if x.id == "S1")
    changed = report.model_copy(deep=True)
    g = next(x for x in changed.findings if x.id == "S1")
    g.grounding.status = "unverified"
    text = render_html(changed)
    row = re.search(rf'<tr id="finding-{f.id}".*?</tr>', text, re.S).group(0)
    assert "The model quoted (not found at these lines):" in row and 'class="quote"' in row and 'class="ctx"' in row
    old = report.model_copy(deep=True)
    for x in old.findings:
        x.context = None  # a report from before schema 1.6: the quote alone
    row = re.search(rf'<tr id="finding-{f.id}".*?</tr>', render_html(old), re.S).group(0)
    assert 'class="ctx"' not in row and 'class="quote"' in row
