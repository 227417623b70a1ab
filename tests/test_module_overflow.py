"""Chunked mode when a module does not fit after all: the plan's estimate was short (exact count
before sending), or the server rejects the prompt as too long (HTTP 400). The module is split and
asked again; what cannot be split keeps its failure reason, and the run counts as partial.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from conftest import HOTEL
from modernizer.run.agents import load_agents
from modernizer.run.analysis import AnalyzeOptions, prepare
from modernizer.findings.gate import EXIT_INCOMPLETE, exit_code, incomplete
from modernizer.llm.client import Endpoint, LLMClient
from modernizer.repo.facts import compute_facts
from modernizer.engine import Run, run_chunked
from modernizer.repo.modules import FilePart, Module, ModulePlan, split_module
from modernizer.run.assemble import ModuleRun, build_report
from support.scripted import ScriptedServer, sse

def _largest_java(chars: int) -> list[str]:
    """The hotel's largest Java files, about ``chars`` characters of them: well over an 8192-token window."""
    out, total = [], 0
    for p in sorted(HOTEL.rglob("*.java"), key=lambda p: (-p.stat().st_size, p.as_posix())):
        out.append(p.relative_to(HOTEL).as_posix())
        total += p.stat().st_size
        if total >= chars:
            return sorted(out)
    return sorted(out)


DAO = _largest_java(45_000)
VALID = {"AnalyzerOutput": {"summary": "s", "tech_stack": [], "components": [], "findings": []},
         "SecurityOutput": {"findings": []}, "ModernizationOutput": {"items": []},
         "ValidatorOutput": {"verdicts": [], "plan_risks": []}, "PlanDetail": {"steps": [], "code_example": "", "tests": []}}


def under_planned(files: list[str], claimed: int) -> ModulePlan:
    """A plan whose one module claims ``claimed`` tokens: the estimate that was short."""
    return ModulePlan(budget=claimed, modules=[Module(id="m1", name="dao+", parts=[FilePart(path=p) for p in files], tokens=claimed)])


async def hierarchy(client: LLMClient, plan: ModulePlan, window: int):
    prep = prepare(HOTEL, AnalyzeOptions())
    info = await client.probe()
    run = Run(llm=client, agents=load_agents(), system=prep.system)
    result = await run_chunked(run, prep.snapshot, prep.facts, plan, window=window or info.max_model_len, concurrency=2)
    return prep, result, result.modules


def test_split_module_halves_parts_or_line_ranges():
    m = Module(id="m7", name="x", parts=[FilePart(path=p) for p in ["a", "b", "c"]], tokens=900)
    a, b = split_module(m, {"a": 10, "b": 10, "c": 30})
    assert (a.id, b.id) == ("m7a", "m7b") and [p.path for p in a.parts] == ["a", "b"] and [p.path for p in b.parts] == ["c"]
    one = Module(id="m2", name="big", parts=[FilePart(path="big.sql", start=1, end=400)], tokens=5000)
    x, y = split_module(one, {"big.sql": 400})
    assert (x.parts[0].start, x.parts[0].end) == (1, 200) and y.parts[0].end == 400 and y.parts[0].start <= 201
    assert split_module(Module(id="m3", name="l", parts=[FilePart(path="min.js")], tokens=9000), {"min.js": 1}) is None


@pytest.mark.vllm
def test_a_module_the_plan_underestimated_is_split_before_it_is_sent(vllm_small):
    async def go():
        async with LLMClient(Endpoint(base_url=vllm_small.base_url)) as client:
            await client.probe()
            texts = [(HOTEL / p).read_text() for p in DAO]
            assert sum(await client.tokenize_texts(texts)) > vllm_small.window  # it really does not fit
            return await hierarchy(client, under_planned(DAO, 1500), vllm_small.window)

    prep, result, results = asyncio.run(go())
    assert len(results) >= 2 and all(r.split_from == "m1" for r in results)
    assert all(r.id.startswith("m1") and len(r.id) > 2 for r in results)
    assert {p.path for r in results for p in r.parts} == set(DAO)  # every file still covered
    assert all(r.prompt_tokens + 256 <= vllm_small.window for r in results)  # each half counted, and fits
    assert not [x for r in results for x in r.runs if x.error_kind == "overflow"]  # nothing was sent that did not fit


def rejecting(limit_chars: int) -> ScriptedServer:
    """A server whose real window is smaller than its /tokenize counts suggest: it rejects long prompts
    with vLLM's own 400 message."""

    def chat(body, n):
        size = sum(len(m["content"]) for m in body["messages"])
        if size > limit_chars:
            return httpx.Response(400, json={"error": {"message": f"This model's maximum context length is 8192 tokens. However, "
                                                                   f"you requested {size // 3} tokens in the messages.", "code": 400}})
        return sse(json.dumps(VALID[body["response_format"]["json_schema"]["name"]]))

    return ScriptedServer(chat, window=200_000)


def test_a_module_the_server_rejects_as_too_long_is_split_and_asked_again():
    server = rejecting(limit_chars=25_000)

    async def go():
        async with LLMClient(Endpoint(base_url="http://127.0.0.1:9/v1", retries=1), transport=server.transport()) as client:
            return await hierarchy(client, under_planned(DAO, 1500), 0)

    prep, result, results = asyncio.run(go())
    assert len(results) >= 2 and {p.path for r in results for p in r.parts} == set(DAO)
    assert all(x.status == "ok" for r in results for x in r.runs)
    rejected = [c for c in server.chat_calls if sum(len(m["content"]) for m in c["messages"]) > 25_000]
    assert rejected  # the first, whole-module request was sent and refused
    analyzer = next(r for r in result.runs if r.agent == "analyzer")
    assert analyzer.status == "ok"
    report = build_report(prep.snapshot, prep.facts, None, result, None, modules=ModuleRun(plan=under_planned(DAO, 1500), results=results))
    assert any("split before sending: m1" in n for n in report.notes)
    assert report.summary.model_requests == len(server.chat_calls)  # the rejected requests count too


def test_a_module_that_cannot_be_split_keeps_its_reason_and_the_run_is_partial(tmp_path):
    one_line = "x = [" + ", ".join(str(i) for i in range(12_000)) + "]\n"  # a single line: nothing to cut
    (tmp_path / "big.py").write_text(one_line)
    (tmp_path / "small.py").write_text("import big\n")
    server = rejecting(limit_chars=40_000)
    plan = ModulePlan(budget=100, modules=[Module(id="m1", name="big.py", parts=[FilePart(path="big.py")], tokens=100),
                                           Module(id="m2", name="small.py", parts=[FilePart(path="small.py")], tokens=10)])

    async def go():
        async with LLMClient(Endpoint(base_url="http://127.0.0.1:9/v1", retries=1), transport=server.transport()) as client:
            prep = prepare(tmp_path, AnalyzeOptions())
            await client.probe()
            result = await run_chunked(Run(llm=client, agents=load_agents(), system=prep.system), prep.snapshot, prep.facts,
                                       plan, window=200_000)
            return prep, result, result.modules

    prep, result, results = asyncio.run(go())
    big = next(r for r in results if r.id == "m1")
    assert all(x.status == "failed" and x.error_kind == "overflow" and "maximum context length" in x.error for x in big.runs)
    analyzer = next(r for r in result.runs if r.agent == "analyzer")
    assert analyzer.status == "partial" and analyzer.error.startswith("failed in 1 of 2 modules: m1: the server rejected the prompt as too long")
    report = build_report(prep.snapshot, compute_facts(prep.snapshot), None, result, None, modules=ModuleRun(plan=plan, results=results))
    summary = {m.id: m for m in report.modules.modules}
    assert "maximum context length" in summary["m1"].errors["security"] and not summary["m2"].errors
    assert exit_code(report, "never") == EXIT_INCOMPLETE
    assert any(line.startswith("analyzer: failed in 1 of 2 modules: m1:") for line in incomplete(report))
