"""`modernize eval`: a run scored against labels, in the three label formats.

The reports here are built through the public ``build_report`` from findings we choose (labelled
test data, not model output), so every count below is known in advance."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import HOTEL
from modernizer.run.assemble import build_report
from modernizer.cli import app
from modernizer.engine.results import AgentRun, PipelineResult
from modernizer.findings.evaluate import evaluate, load_labels
from modernizer.repo.facts import compute_facts
from modernizer.repo.ingest import load_snapshot
from modernizer.render import render
from modernizer.findings.schemas import Finding, SecurityOutput
from support.labelled import labelled_report, security_findings

MINI = Path(__file__).parent / "data" / "owasp-mini"
CODE = "src/main/java/org/owasp/benchmark/testcode/"


def report_with(repo: Path, findings: list[dict]):
    snap = load_snapshot(repo)
    run = AgentRun(agent="security", role="findings", id_prefix="S", output_type="SecurityOutput", status="ok",
                   output=SecurityOutput.model_construct(findings=[Finding(**f) for f in findings]))
    return build_report(snap, compute_facts(snap), None, PipelineResult(runs=[run]), None)


def finding(i: int, test: int, cwe: str, line: int, snippet: str) -> dict:
    return {"id": f"S{i}", "title": "t", "category": "c", "cwe": cwe, "severity": "high", "file": f"{CODE}BenchmarkTest{test:05d}.java",
            "line_start": line, "line_end": line, "snippet": snippet, "reason": "r"}


def test_the_labelled_sample_scores_perfectly_and_each_mistake_costs_what_it_should(hotel_copy):
    labels = load_labels(HOTEL / "EXPECTED.json")
    assert labels.complete and len(labels.labels) == 35
    perfect = evaluate(labelled_report(hotel_copy), labels)
    assert perfect.line_level == {"tp": 35, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert perfect.findings_without_cwe > 0  # the analyzer's deprecated APIs take no part

    planted = security_findings()
    kept = planted[:30]  # five vulnerabilities missed
    wrong = dict(planted[0], id="S99", cwe="CWE-79")  # the right lines, the wrong weakness
    first_line = (hotel_copy / planted[1]["file"]).read_text().splitlines()[0]  # real code, far from the labelled lines
    shifted = dict(planted[1], id="S98", line_start=1, line_end=1, snippet=first_line)
    result = evaluate(report_with(hotel_copy, kept + [wrong, shifted]), labels)
    assert result.file_level["fn"] == 5 and result.file_level["tp"] == 30
    # file level: the shifted one still names a labelled file and CWE (a TP's twin); the wrong CWE is an FP
    assert result.file_level["fp"] == 1
    assert result.line_level["fp"] == 2 and result.line_level["recall"] == round(30 / 35, 4)


def test_the_owasp_benchmark_format_counts_a_finding_on_a_safe_test_as_a_false_positive():
    labels = load_labels(MINI / "expectedresults-mini.csv")
    assert not labels.complete and [(x.file, x.cwe, x.vulnerable) for x in labels.labels][:2] == [
        ("BenchmarkTest00001", "89", True), ("BenchmarkTest00002", "89", False)]
    findings = [
        finding(1, 1, "CWE-89", 12, "st.executeQuery(sql);"),                                   # TP
        finding(2, 2, "CWE-89", 13, "ps.executeQuery();"),                                       # FP: the safe one
        finding(3, 5, "CWE-78", 10, 'Runtime.getRuntime().exec("sh -c ls " + param);'),         # TP
        finding(4, 6, "CWE-327", 10, 'MessageDigest.getInstance("SHA-256")'),                   # unlabelled CWE: not scored as FP
    ]
    result = evaluate(report_with(MINI, findings), labels)
    assert result.file_level == {"tp": 2, "fp": 1, "fn": 1, "precision": round(2 / 3, 4), "recall": round(2 / 3, 4),
                                 "f1": round(2 / 3, 4)}
    assert result.findings_unlabelled == 1 and result.by_cwe["CWE-79"]["fn"] == 1


def test_a_plain_csv_with_lines_and_the_command_line(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text(f"file,line,cwe,vulnerable\n{CODE}BenchmarkTest00003.java,10,79,true\n{CODE}BenchmarkTest00004.java,12,22,false\n")
    report = report_with(MINI, [finding(1, 3, "CWE-79", 10, 'response.getWriter().println("<p>Hello " + param + "</p>");')])
    path = tmp_path / "r.json"
    path.write_text(render(report, "json"))
    res = CliRunner().invoke(app, ["eval", str(path), "--labels", str(labels), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["line_level"]["tp"] == 1 and data["line_level"]["fp"] == 0 and data["line_level"]["recall"] == 1.0
    res = CliRunner().invoke(app, ["eval", str(path), "--labels", str(labels)])
    assert res.exit_code == 0 and "CWE-79, line level" in res.output
    broken = tmp_path / "bad.csv"
    broken.write_text("just,two\n")
    res = CliRunner().invoke(app, ["eval", str(path), "--labels", str(broken)])
    assert res.exit_code == 2 and "a row has 2 columns" in res.output
