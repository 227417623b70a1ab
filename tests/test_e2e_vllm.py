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
        assert a.status == "ok" or (a.error and a.agent in " ".join(report.notes))
        assert a.agent in html
    assert report.tokens.budget.source.exact and report.tokens.budget.fits
    assert "agents ok" in output


def test_every_request_after_the_first_is_served_from_the_prefix_cache(hotel_report):
    report, *_ = hotel_report
    first, *rest = report.agents
    assert rest
    for a in rest:
        assert a.cached_tokens and a.cached_tokens > 0, a
        assert a.cache_hit_rate >= 0.90, (a.agent, a.cache_hit_rate)
    assert report.summary["min_cache_hit_rate_after_first"] >= 0.90
    assert report.prefix_cache.hits > 0


def test_counts_in_the_report_are_computed_from_its_findings(hotel_report):
    report, data, *_ = hotel_report
    assert data["summary"]["findings"] == len(data["findings"])
    assert sum(data["summary"]["by_severity"].values()) == len(data["findings"])
    assert sum(data["summary"]["by_grounding"].values()) == len(data["findings"])
    for f in report.findings:  # every finding carries a grounding verdict from the deterministic check
        assert f.grounding.status in ("verified", "unverified", "rejected")


def test_plan_with_exact_server_counts(vllm_server):
    res = runner.invoke(app, ["analyze", str(HOTEL), "--plan", "--endpoint", vllm_server.base_url])
    assert res.exit_code == 0, res.output
    assert "exact" in res.output and "fits" in res.output and "src/main" in res.output


def test_context_overflow_names_the_overage_and_largest_directories(vllm_server, tmp_path):
    res = runner.invoke(app, ["analyze", str(HOTEL), "--endpoint", vllm_server.base_url, "--window", "3000", "--mode", "single",
                              "-o", str(tmp_path), "--cache-dir", str(tmp_path / "cache")])
    assert res.exit_code == 4, res.output
    assert "tokens over" in res.output and "(exact)" in res.output and "src (" in res.output
    assert not list(tmp_path.glob("*.json"))
