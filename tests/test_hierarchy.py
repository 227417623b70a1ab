"""Findings keep their provenance through the reduce: module reviews -> merged -> grounded report."""

from __future__ import annotations

from conftest import HOTEL
from modernizer.run.context import render_file
from modernizer.repo.facts import compute_facts
from modernizer.run.agents import load_agents
from modernizer.engine.chunked import merge_findings, render_module
from modernizer.engine.results import AgentRun, ModuleResult, PipelineResult
from modernizer.repo.ingest import load_snapshot
from modernizer.repo.modules import plan_modules
from modernizer.run.assemble import ModuleRun, build_report
from modernizer.repo.tokens import TiktokenCounter
from support.labelled import security_findings


def test_planted_findings_keep_file_lines_and_module_through_merge_and_grounding():
    snap = load_snapshot(HOTEL)
    facts = compute_facts(snap)
    tokens = dict(zip([f.path for f in snap.files], TiktokenCounter().count_many([render_file(f) for f in snap.files])))
    plan = plan_modules(tokens, {f.path: f.lines for f in snap.files}, facts.graph.edges, 3000)
    owner = {p.path: m.id for m in plan.modules for p in m.parts}
    planted = security_findings()
    # each module's reviewer reports the planted findings in its own files, numbering from S1 as modules do
    results = []
    for m in plan.modules:
        mine = [dict(f, id=f"S{i}") for i, f in enumerate((f for f in planted if owner[f["file"]] == m.id), 1)]
        runs = [AgentRun(agent="security", role="findings", id_prefix="S", output_type="SecurityOutput", status="ok",
                         output={"findings": mine}, requests=1)]
        results.append(ModuleResult(id=m.id, name=m.name, files=m.files, tokens=m.tokens, runs=runs))
    merged = merge_findings(results, load_agents().with_role("findings"))
    assert len(merged) == len(planted) and len({f.id for f in merged}) == len(merged)
    assert all(f.id.startswith("S") and f.finding.id == f.id for f in merged)
    assert sorted((f.finding.file, f.finding.line_start, f.finding.line_end) for f in merged) == sorted(
        (f["file"], f["line_start"], f["line_end"]) for f in planted)
    assert all(f.module == owner[f.finding.file] for f in merged)

    result = PipelineResult(runs=[AgentRun(agent="security", role="findings", status="ok", requests=1)], merged=merged)
    report = build_report(snap, facts, None, result, None, modules=ModuleRun(plan=plan, results=results))
    assert report.mode == "modules" and len(report.findings) == len(planted)
    for f in report.findings:
        assert f.grounding.status == "verified", f
        assert f.module == owner[f.file]
    assert sum(m.findings for m in report.modules.modules) == len(planted)


def test_a_module_renders_its_files_with_their_real_line_numbers():
    snap = load_snapshot(HOTEL)
    facts = compute_facts(snap)
    tokens = {f.path: 1000 for f in snap.files}
    tokens["src/main/java/com/grandhotel/dao/BookingDao.java"] = 5000
    plan = plan_modules(tokens, {f.path: f.lines for f in snap.files}, facts.graph.edges, 3000)
    second = [m for m in plan.modules if m.parts[0].path.endswith("BookingDao.java") and m.parts[0].start > 1][0]
    text = render_module(snap, second)
    start = second.parts[0].start
    line = snap.file("src/main/java/com/grandhotel/dao/BookingDao.java").text.splitlines()[start - 1]
    assert f"{start}| {line}" in text and f"lines {start}-" in text
