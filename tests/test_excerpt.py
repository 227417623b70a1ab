"""The cited lines a report carries with each finding (excerpt.py): taken from the snapshot at
assembly, bounded, redacted by the report's seal, and carried through JSON (a re-rendered report
needs no source)."""

from __future__ import annotations

from modernizer.findings.excerpt import CONTEXT_LINES, CUT, MAX_CITED, MAX_LINE_CHARS, excerpt
from modernizer.repo.ingest import load_snapshot
from modernizer.render import RENDERERS
from modernizer.report import Report
from support.labelled import labelled_report, pipeline_result


def _repo(tmp_path, text: str):
    (tmp_path / "app.py").write_text(text, encoding="utf-8")
    return load_snapshot(tmp_path)


def test_bounds_at_the_edges_of_the_file_and_of_a_long_citation(tmp_path):
    lines = [f"line_{i} = {i}" for i in range(1, 101)]
    lines[49] = "x = '" + "y" * 1000 + "'"
    snap = _repo(tmp_path, "\n".join(lines) + "\n")
    top = excerpt(snap, "app.py", 1, 2)
    assert (top.start, top.cited_start, top.cited_end, len(top.lines)) == (1, 1, 2, 2 + CONTEXT_LINES)
    end = excerpt(snap, "app.py", 99, 100)
    assert end.start == 99 - CONTEXT_LINES and end.lines[-1] == "line_100 = 100"
    long = excerpt(snap, "app.py", 30, 90)  # a whole block: its head, and how much is left out
    assert long.cited_end == 30 + MAX_CITED - 1 and long.omitted == 90 - long.cited_end
    assert len(long.lines) == CONTEXT_LINES + MAX_CITED
    wide = excerpt(snap, "app.py", 50, 50)
    cut = wide.lines[CONTEXT_LINES]
    assert len(cut) == MAX_LINE_CHARS and cut.endswith(CUT)
    assert excerpt(snap, "app.py", 101, 101) is None and excerpt(snap, "nope.py", 1, 1) is None
    assert [n for n, _, c in wide.numbered if c] == [50]


def test_a_report_carries_the_lines_redacted_and_keeps_them_through_json(hotel_copy):
    (hotel_copy / "conf.py").write_text("DEBUG = True\nDB_PASSWORD = 'S3cr3t-Hotel-99'\nconnect(DB_PASSWORD)\n", encoding="utf-8")
    finding = {"id": "S1", "title": "password in code", "category": "hardcoded-credentials", "cwe": "CWE-798", "severity": "high",
               "file": "conf.py", "line_start": 3, "line_end": 3, "snippet": "connect(DB_PASSWORD)", "reason": "r"}
    report = labelled_report(hotel_copy, pipeline_result(security=[finding], analyzer=[]))
    f = report.findings[0]
    assert f.grounding.status == "verified" and f.context.start == 1 and f.context.cited_start == 3
    assert f.context.lines[0] == "DEBUG = True" and "«redacted»" in f.context.lines[1]
    text = RENDERERS["json"](report)
    assert "S3cr3t-Hotel-99" not in text
    again = Report.model_validate_json(text)
    assert again.findings[0].context == f.context
