"""Baseline, suppressions and --fail-on, as a weekly CI job uses them on the hotel sample.

Report A is taken on a copy of the sample; one planted bug is fixed in the copy; report B compared
with A must list that finding as fixed and nothing else, and the exit code must follow --fail-on.
The findings are the labelled planted problems (see support/labelled.py), since the tiny test
model answers with none.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from typer.testing import CliRunner

from conftest import HOTEL
from modernizer.findings.baseline import compare, present_in
from modernizer.findings.gate import exit_code, gating_findings
from modernizer.report.files import load_report
from modernizer.cli import app, write_reports
from modernizer.repo.ingest import load_snapshot
from modernizer.report import Report
from modernizer.findings.identity import legacy_fingerprint
from modernizer.findings.suppressions import Suppression, add_suppression
from support.labelled import USER_DAO, fix_login_sql_injection, labelled_report, pipeline_result, security_findings

runner = CliRunner()
DB_UTIL = "src/main/java/com/grandhotel/util/DBUtil.java"
AUTH = "src/main/java/com/grandhotel/security/Authenticator.java"


def without(findings, path, category="sql-injection"):
    return [f for f in findings if not (f["file"] == path and f["category"] == category)]


def write_json(report: Report, directory):
    return write_reports(report, directory, ["json"])[0]


def test_a_fixed_planted_bug_is_reported_fixed_and_everything_else_unchanged(hotel_copy, tmp_path):
    a = labelled_report(hotel_copy, now=datetime(2025, 1, 6, tzinfo=timezone.utc))
    a_json = write_json(a, tmp_path / "week1")
    fix_login_sql_injection(hotel_copy)
    # this week the agents no longer report the injection in UserDao (its code is gone)
    b = labelled_report(hotel_copy, pipeline_result(security=without(security_findings(), USER_DAO)))
    compared = compare(b, load_report(a_json)[0], a_json.name, present=present_in(load_snapshot(hotel_copy)))

    assert [(f.file, f.category, f.baseline_status) for f in compared.fixed] == [(USER_DAO, "sql-injection", "fixed")]
    assert {f.baseline_status for f in compared.findings} == {"unchanged"}
    assert compared.summary.baseline.model_dump() == {"new": 0, "unchanged": len(a.findings) - 1, "fixed": 1, "not_reported": 0}
    assert compared.baseline.source == a_json.name and compared.baseline.generated_at.startswith("2025-01-06")
    assert exit_code(compared, "critical") == 0 and exit_code(compared, "low") == 0  # nothing new
    assert exit_code(b, "critical") == 1  # without a baseline every open critical counts

    # the same through the CLI: re-render B against A, gate on it
    b_json = write_json(b, tmp_path / "week2")
    res = runner.invoke(app, ["report", str(b_json), "--baseline", str(a_json), "-f", "md", "-f", "html", "--fail-on", "critical"])
    assert res.exit_code == 0, res.output
    md = b_json.with_suffix(".md").read_text()
    assert "**0 new**" in md and "**1 fixed**" in md and "Fixed since the baseline (1)" in md
    html = b_json.with_suffix(".html").read_text()
    assert 'id="fixed"' in html and "Fixed since the baseline (1)" in html


def test_a_finding_the_model_left_out_whose_code_is_unchanged_is_not_called_fixed(hotel_copy, tmp_path):
    a = labelled_report(hotel_copy)
    b = labelled_report(hotel_copy, pipeline_result(security=without(security_findings(), USER_DAO)))
    compared = compare(b, a, present=present_in(load_snapshot(hotel_copy)))
    assert [(f.file, f.baseline_status) for f in compared.fixed] == [(USER_DAO, "not-reported")]
    assert compared.summary.baseline.fixed == 0 and compared.summary.baseline.not_reported == 1


def test_a_new_bug_fails_the_build_at_or_above_the_threshold_only(hotel_copy, tmp_path):
    a_json = write_json(labelled_report(hotel_copy), tmp_path / "a")
    path = hotel_copy / "src/main/java/com/grandhotel/dao/GuestDao.java"
    text = path.read_text(encoding="utf-8")
    marker = "    public Guest findByEmail(String email) throws SQLException {\n"
    assert marker in text
    path.write_text(text.replace(marker, marker + "        String audit = \"DELETE FROM audit WHERE email = \" + email;\n"), encoding="utf-8")
    new = {"id": "S99", "title": "SQL built from a parameter", "category": "sql-injection", "cwe": "CWE-89", "severity": "medium",
           "file": "src/main/java/com/grandhotel/dao/GuestDao.java", "line_start": 24, "line_end": 24,
           "snippet": "\"DELETE FROM audit WHERE email = \" + email", "reason": "email is concatenated into SQL."}
    b_json = write_json(labelled_report(hotel_copy, pipeline_result(security=security_findings() + [new])), tmp_path / "b")

    def gate(*args):
        return runner.invoke(app, ["report", str(b_json), "-f", "json", "-o", str(tmp_path / "out"), *args]).exit_code

    assert gate("--baseline", str(a_json), "--fail-on", "critical") == 0
    assert gate("--baseline", str(a_json), "--fail-on", "high") == 0
    assert gate("--baseline", str(a_json), "--fail-on", "medium") == 1
    assert gate("--baseline", str(a_json), "--fail-on", "low") == 1
    assert gate("--baseline", str(a_json), "--fail-on", "never") == 0
    assert gate("--fail-on", "critical") == 1  # no baseline: the planted criticals are all open
    assert gate() == 0  # the default is never
    res = runner.invoke(app, ["report", str(b_json), "--fail-on", "severe"])
    assert res.exit_code == 2 and "--fail-on must be one of" in res.output
    assert gate("--baseline", str(a_json)) == 0
    compared = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    new_ones = [f for f in compared["findings"] if f["baseline_status"] == "new"]
    assert [(f["id"], f["symbol"], f["line_start"]) for f in new_ones] == [("S99", "GuestDao.findByEmail", 23)]


def test_suppressions_hide_from_fail_on_until_they_expire(hotel_copy):
    only_secrets = [f for f in security_findings() if f["file"] in (DB_UTIL, AUTH) and f["severity"] == "critical"]
    first = labelled_report(hotel_copy, pipeline_result(security=only_secrets, analyzer=[]))
    db, auth = (next(f for f in first.findings if f.file == p) for p in (DB_UTIL, AUTH))
    today = date.today()
    add_suppression(hotel_copy, Suppression(fingerprint=db.fingerprint, reason="dev-only database, rotated", owner="ana",
                                            expires=today + timedelta(days=30), title=db.title, file=db.file))
    add_suppression(hotel_copy, Suppression(fingerprint=auth.fingerprint, reason="support account, removal planned",
                                            owner="bo", expires=today - timedelta(days=1)))
    report = labelled_report(hotel_copy, pipeline_result(security=only_secrets, analyzer=[]))
    db, auth = (next(f for f in report.findings if f.file == p) for p in (DB_UTIL, AUTH))
    assert db.suppressed and db.suppression.owner == "ana" and not db.suppression.expired
    assert not auth.suppressed and auth.suppression.expired  # resurfaced
    assert any("expired" in n and auth.id in n for n in report.notes)
    assert report.summary.suppressed == 1
    assert [f.file for f in gating_findings(report, "critical")] == [AUTH]
    # once the team extends it, nothing gates
    add_suppression(hotel_copy, Suppression(fingerprint=auth.fingerprint, reason="support account, removal planned",
                                            owner="bo", expires=today + timedelta(days=7)))
    again = labelled_report(hotel_copy, pipeline_result(security=only_secrets, analyzer=[]))
    assert exit_code(again, "critical") == 0 and again.summary.suppressed == 2
    # the file is the team's verdicts, not code: never sent to the model, and not even listed, so that
    # writing it (modernize review does) never changes what the next analysis sees
    snapshot = load_snapshot(hotel_copy)
    assert snapshot.file("modernize-suppressions.toml") is None
    assert not any(x.path == "modernize-suppressions.toml" for x in snapshot.skipped)
    pristine = load_snapshot(HOTEL)
    assert (snapshot.files, snapshot.skipped) == (pristine.files, pristine.skipped)


def test_rejected_findings_never_fail_a_build_nor_count_as_fixed(hotel_copy):
    ghost = {"id": "S1", "title": "Injection in a file that does not exist", "category": "sql-injection", "cwe": "CWE-89",
             "severity": "critical", "file": "src/Nowhere.java", "line_start": 3, "line_end": 3, "snippet": "x + y", "reason": "r"}
    a = labelled_report(hotel_copy, pipeline_result(security=[ghost], analyzer=[]))
    assert a.findings[0].grounding.status == "rejected"
    assert exit_code(a, "low") == 0
    b = compare(labelled_report(hotel_copy, pipeline_result(security=[], analyzer=[])), a)
    assert b.fixed == [] and exit_code(compare(a, b), "low") == 0


def test_a_schema_1_0_report_loads_and_serves_as_a_baseline(hotel_copy, tmp_path):
    a = labelled_report(hotel_copy)
    old = json.loads(a.model_dump_json())
    old["schema_version"] = "1.0"
    old["facts"]["graph"]["modules"] = old["facts"]["graph"].pop("directories")  # the name before schema 1.2
    for key in ("baseline", "fixed"):
        old.pop(key)
    for f in old["findings"]:
        for key in ("symbol", "baseline_status", "suppressed", "suppression"):
            f.pop(key)
        f["fingerprint"] = legacy_fingerprint(f["category"], f["file"], f["snippet"])
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    loaded = load_report(path)[0]
    assert loaded.schema_version == "1.0" and loaded.findings[0].symbol == "" and loaded.fixed == []
    assert loaded.facts.graph.directories == a.facts.graph.directories
    compared = compare(labelled_report(hotel_copy), loaded)
    assert compared.summary.baseline.new == 0 and compared.fixed == []
    assert any("schema 1.0" in n for n in compared.notes)


def test_a_missing_or_foreign_baseline_is_bad_input(tmp_path):
    res = runner.invoke(app, ["analyze", str(HOTEL), "--no-llm", "-o", str(tmp_path), "--baseline", str(tmp_path / "none.json")])
    assert res.exit_code == 2 and "cannot read" in res.output
    (tmp_path / "x.sarif").write_text('{"version": "2.1.0", "runs": []}')
    res = runner.invoke(app, ["analyze", str(HOTEL), "--no-llm", "-o", str(tmp_path), "--baseline", str(tmp_path / "x.sarif")])
    assert res.exit_code == 2 and "not a modernizer report" in res.output
    assert list(tmp_path.glob("legacy-hotel-*")) == []  # stopped before doing anything
