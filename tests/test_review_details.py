"""[d]etails (issue 22, item 5): what the heading does not say, read from the report and the code
as it is now: the validator's verdict, the plan item, the enclosing symbol, the cited lines with a
few around them, and the weakness's help from the CWE table (the SARIF's rule help). On the
shipped example report (labelled findings, verdicts and plan; not a model run)."""

from __future__ import annotations

from conftest import HOTEL, ROOT
from modernizer.report.files import load_report
from modernizer.review.details import DETAIL_CONTEXT, details_of
from modernizer.review.session import refs_from

EXAMPLE = ROOT / "examples" / "review" / "legacy-hotel-example.json"


def test_details_carry_verdict_plan_symbol_cited_lines_and_cwe_help():
    report, _ = load_report(EXAMPLE)
    refs = {r.id: r for r in refs_from(report)}
    d = details_of(report, refs["S1"], HOTEL)
    assert (d.verdict, d.verdict_note, d.source) == ("confirmed", "the concatenated value comes from the request", "security")
    assert [(p.id, p.how) for p in d.plan] == [("P1", "addresses it")]
    assert d.symbol == "RoomDao.findAvailable"
    assert (d.weakness.cwe, d.weakness.inferred) == ("CWE-89", False) and "parameterised" in d.weakness.remediation
    assert d.weakness.uri == "https://cwe.mitre.org/data/definitions/89.html"
    a, b = d.view["flagged"]
    assert (d.view["start"], d.view["end"]) == (a - DETAIL_CONTEXT, b + DETAIL_CONTEXT)
    cited = (HOTEL / refs["S1"].file).read_text().splitlines()[a - 1:b]
    assert "\n".join(cited) in d.view["code"]


def test_a_finding_without_cwe_verdict_or_plan_says_what_it_can():
    report, _ = load_report(EXAMPLE)
    ref = next(r for r in refs_from(report) if not any(r.id in p.addresses or r.file in p.files for p in report.plan)
               and r.grounding != "rejected")
    no_cwe = ref.model_copy(update={"cwe": "", "category": "sql-injection"})
    d = details_of(None, no_cwe, HOTEL)  # the report unreadable: the code and the CWE are still shown
    assert d.verdict is None and d.plan == [] and d.weakness.cwe == "CWE-89" and d.weakness.inferred
    assert "code" in d.view or "error" in d.view
