"""What a user sees when the server is missing, failing, hanging or answering garbage.

"No server" is real (a closed port). 500s, hangs and truncated JSON come from a scripted transport,
since a healthy vLLM cannot be made to produce them on demand.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time

import httpx
from typer.testing import CliRunner

from conftest import HOTEL
from modernizer.analysis import AnalyzeOptions, analyze
from modernizer.cli import app
from modernizer.client import Endpoint, LLMClient
from modernizer.schemas import worst_case_chars
from support.scripted import ScriptedServer, sse

runner = CliRunner()

VALID = {
    "AnalyzerOutput": {"summary": "s", "tech_stack": [], "components": [], "findings": []},
    "SecurityOutput": {"findings": []},
    "ModernizationOutput": {"items": []},
    "ValidatorOutput": {"verdicts": [], "plan_risks": []},
}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_scripted(server: ScriptedServer, tmp_path, retries: int = 2, timeout: float = 30.0):
    opts = AnalyzeOptions(endpoint=Endpoint(base_url="http://127.0.0.1:9/v1", retries=retries, request_timeout=timeout),
                          cache_dir=tmp_path / "cache")
    factory = lambda ep: LLMClient(ep, transport=server.transport())  # noqa: E731
    return asyncio.run(analyze(HOTEL, opts, client_factory=factory))


def test_no_server_stops_at_once_naming_the_endpoint(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    t0 = time.perf_counter()
    res = runner.invoke(app, ["analyze", str(HOTEL), "--endpoint", url, "-o", str(tmp_path)])
    assert res.exit_code == 3
    assert url in res.output and "modernize serve" in res.output and "--no-llm" in res.output
    assert time.perf_counter() - t0 < 20
    assert not list(tmp_path.iterdir())  # no half report


def test_remote_endpoint_is_refused_unless_allowed(tmp_path):
    res = runner.invoke(app, ["analyze", str(HOTEL), "--endpoint", "http://10.1.2.3:8000/v1", "-o", str(tmp_path)])
    assert res.exit_code == 2 and "not this machine" in res.output and "--allow-remote 10.1.2.3" in res.output


def test_server_500_on_every_chat_fails_each_agent_visibly(tmp_path):
    server = ScriptedServer(lambda body, n: httpx.Response(500, json={"error": {"message": "engine dead"}}))
    report = run_scripted(server, tmp_path)
    assert [a.agent for a in report.agents] == ["analyzer", "security", "modernization", "validator"]
    assert all(a.status == "failed" and "HTTP 500" in a.error and "engine dead" in a.error for a in report.agents)
    assert any("failed" in n for n in report.notes)
    assert report.facts.graph.files.cycles  # the facts survive a dead model


def test_truncated_json_is_reasked_once_then_recorded_with_both_attempts(tmp_path):
    server = ScriptedServer(lambda body, n: sse('{"findings": [{"id": "S1", "title": "SQL inj', finish="length"))
    report = run_scripted(server, tmp_path)
    sec = next(a for a in report.agents if a.agent == "security")
    assert sec.status == "failed" and sec.requests == 2 and len(sec.attempts) == 2
    assert all("truncated" in a.error for a in sec.attempts)
    assert sec.attempts[0].text_head.startswith('{"findings"')


def test_a_cut_off_answer_is_asked_again_under_a_schema_that_cannot_overflow(tmp_path):
    cut = '{"findings": [{"id": "S1", "title": "SQL inj'

    def chat(body, n):
        name = body["response_format"]["json_schema"]["name"]
        if name == "SecurityOutput" and not any("cut off" in m["content"] for m in body["messages"]):
            return sse(cut, finish="length")
        return sse(json.dumps(VALID.get(name, {"steps": [], "code_example": "", "tests": []})))

    server = ScriptedServer(chat)
    report = run_scripted(server, tmp_path)
    sec = next(a for a in report.agents if a.agent == "security")
    assert sec.status == "ok" and sec.requests == 2 and "truncated" in sec.attempts[0].error
    first, retry = [c for c in server.chat_calls if c["response_format"]["json_schema"]["name"] == "SecurityOutput"]
    narrow, full = retry["response_format"]["json_schema"]["schema"], first["response_format"]["json_schema"]["schema"]
    # sse() reports 7 completion tokens for the cut answer: its characters per token size the new bound
    assert worst_case_chars(narrow) <= retry["max_tokens"] * len(cut) / 7 * 0.75 < worst_case_chars(full)
    assert narrow["properties"]["findings"]["maxItems"] < full["properties"]["findings"]["maxItems"]
    # the retry does not send the cut answer back, and keeps the codebase prefix for the cache
    assert cut not in json.dumps(retry["messages"]) and retry["messages"][:2] == first["messages"][:2]
    assert "cut off after 7 tokens" in retry["messages"][-1]["content"]


def test_invalid_answer_then_valid_one_succeeds_and_the_reask_carries_the_error(tmp_path):
    seen: dict[str, int] = {}

    def chat(body, n):
        name = body["response_format"]["json_schema"]["name"]
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 1:
            return sse('{"unexpected": true}')
        return sse(json.dumps(VALID.get(name, {"steps": [], "code_example": "", "tests": []})))

    server = ScriptedServer(chat)
    report = run_scripted(server, tmp_path)
    assert all(a.status == "ok" and a.requests == 2 and len(a.attempts) == 1 for a in report.agents)
    reasks = [c for c in server.chat_calls if len(c["messages"]) == 4]
    assert reasks and "not valid" in reasks[0]["messages"][-1]["content"]
    # the re-ask keeps the codebase prefix first, so it is served from cache
    assert reasks[0]["messages"][1] == server.chat_calls[0]["messages"][1] or reasks[0]["messages"][0] == server.chat_calls[0]["messages"][0]


def test_hanging_server_times_out_with_a_message(tmp_path):
    def chat(body, n):
        raise httpx.ReadTimeout("read timed out")

    report = run_scripted(ScriptedServer(chat), tmp_path, retries=2, timeout=1.0)
    assert all(a.status == "failed" and "timed out" in a.error for a in report.agents)
