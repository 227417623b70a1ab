"""Past the window: the hotel sample on a real vLLM whose window is 8192 tokens, so it is chunked.

Covers the issue's promises: every file covered, cross-module cycles reported, a second run makes
no model calls, an edit re-runs only its module plus the reduce steps, and a killed run resumes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import HOTEL, ROOT
from modernizer.cli import app
from modernizer.repo.graph import cycle_contains
from modernizer.repo.ingest import load_snapshot
from modernizer.report import Report

pytestmark = pytest.mark.vllm
runner = CliRunner()


def analyze(repo: Path, server, out: Path, *extra: str) -> Report:
    res = runner.invoke(app, ["analyze", str(repo), "--endpoint", server.base_url, "-o", str(out), "-q", *extra])
    assert res.exit_code == 0, res.output
    newest = sorted(out.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)[-1]
    return Report.model_validate_json(newest.read_text())


def module_requests(report: Report) -> int:
    return sum(v != "cached" for m in report.modules.modules for v in m.agents.values())


@pytest.fixture(scope="module")
def first_run(vllm_small, tmp_path_factory):
    work = tmp_path_factory.mktemp("chunked")
    report = analyze(HOTEL, vllm_small, work / "reports", "--cache-dir", str(work / "cache"))
    return report, work


def test_chunked_run_covers_every_file_and_reports_cross_module_cycles(first_run):
    report, _ = first_run
    assert report.mode == "modules" and report.llm.max_model_len == 8192
    m = report.modules
    assert len(m.modules) >= 3 and m.uncovered == []
    assert set(m.coverage) == {f.path for f in load_snapshot(HOTEL).files}
    assert all(mod.tokens <= m.budget for mod in m.modules)
    owner = {p: ids[0] for p, ids in m.coverage.items()}
    expected = json.loads((HOTEL / "EXPECTED.json").read_text())["cycles"]
    crossing = [c for c in expected if len({owner[f] for f in c}) > 1]
    assert crossing, "the small window should split at least one planted cycle across modules"
    for c in crossing:
        assert cycle_contains(m.cross_module_cycles, c), c
    # every module ran both map agents (or failed visibly); the reduce steps ran once each
    for mod in m.modules:
        assert set(mod.agents) == {"analyzer", "security"}
    assert [a.agent for a in report.agents] == ["synthesis", "analyzer", "security", "modernization", "validator"]
    for a in report.agents:  # a random model's answer may fail: then the report says which and why
        if a.status != "ok":
            assert a.error and f"{a.agent} {a.status}: {a.error}" in " ".join(report.notes)
    assert report.summary.model_requests >= 2 * len(m.modules) + 3


def test_second_run_on_an_unchanged_tree_makes_no_model_calls(first_run, vllm_small):
    report, work = first_run
    again = analyze(HOTEL, vllm_small, work / "reports", "--cache-dir", str(work / "cache"))
    failed_modules = sum(v == "failed" for mod in report.modules.modules for v in mod.agents.values())
    assert module_requests(again) == failed_modules == 0  # random weights still answer valid JSON here
    # only what failed the first time is asked again (a failed answer is never cached)
    failed_first = sum(a.status != "ok" for a in report.agents + report.followups if a.agent not in ("analyzer", "security"))
    assert again.summary.model_requests <= 2 * failed_first
    assert again.result_cache.hits == report.result_cache.writes > 0


def test_editing_one_file_reruns_only_its_module_and_the_reduce(vllm_small, hotel_copy, tmp_path):
    out, cache = tmp_path / "reports", str(tmp_path / "cache")
    first = analyze(hotel_copy, vllm_small, out, "--cache-dir", cache)
    target = "src/main/java/com/grandhotel/util/TokenGenerator.java"
    path = hotel_copy / target
    path.write_text(path.read_text().replace("java.util.Random", "java.util.Random /* seeded */", 1))
    second = analyze(hotel_copy, vllm_small, out, "--cache-dir", cache)
    assert [m.name for m in second.modules.modules] == [m.name for m in first.modules.modules]
    changed = [m for m in second.modules.modules if any(v != "cached" for v in m.agents.values())]
    assert [m.id for m in changed] == second.modules.coverage[target]
    reduce_requests = sum(a.requests for a in second.agents if a.agent in ("synthesis", "modernization", "validator"))
    map_requests = sum(a.requests for a in second.agents if a.agent in ("analyzer", "security"))
    assert module_requests(second) == 2 * len(changed)
    assert 2 * len(changed) <= map_requests <= 4 * len(changed)  # each agent re-asked once at most
    assert second.summary.model_requests == map_requests + reduce_requests + sum(a.requests for a in second.followups)


def test_a_killed_run_resumes_without_redoing_finished_modules(vllm_small, hotel_copy, tmp_path):
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "modernizer.cli", "analyze", str(hotel_copy), "--endpoint", vllm_small.base_url,
           "-o", str(tmp_path / "reports"), "--cache-dir", str(cache), "--concurrency", "1", "-q"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 240
    done_before_kill = 0
    while time.time() < deadline and proc.poll() is None:
        done_before_kill = len(list(cache.glob("*/*.json")))
        if done_before_kill >= 4:
            os.killpg(proc.pid, signal.SIGKILL)  # as hard as a crash or a pulled plug
            break
        time.sleep(0.05)
    proc.wait(timeout=30)
    assert 4 <= done_before_kill, "the run finished before it could be killed; the test needs a slower run"
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").glob("*.json"))  # killed: no report
    entries = len(list(cache.glob("*/*.json")))
    resumed = analyze(hotel_copy, vllm_small, tmp_path / "reports", "--cache-dir", str(cache), "--concurrency", "1")
    cached_modules = sum(v == "cached" for m in resumed.modules.modules for v in m.agents.values())
    assert cached_modules >= done_before_kill  # nothing finished before the kill was asked again
    assert resumed.result_cache.hits == entries and resumed.result_cache.corrupt == 0
    assert all(v in ("ok", "cached") for m in resumed.modules.modules for v in m.agents.values())
