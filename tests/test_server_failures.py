"""What a user sees when the server is missing, failing, hanging or answering garbage.

"No server" is real (a closed port). 500s, hangs and truncated JSON come from a scripted transport,
since a healthy vLLM cannot be made to produce them on demand.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time

import httpx
from typer.testing import CliRunner

from conftest import HOTEL
from modernizer.run.analysis import AnalyzeOptions, analyze
from modernizer.cli import app
from modernizer.llm.client import Endpoint, LLMClient, ServerStuck, first_token_deadline
from modernizer.events import describe
from modernizer.findings.schemas import worst_case_chars
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
    """One request per agent (no sweep: one slice holds the whole sample), so each test sees one agent's path."""
    opts = AnalyzeOptions(endpoint=Endpoint(base_url="http://127.0.0.1:9/v1", retries=retries, request_timeout=timeout),
                          cache_dir=tmp_path / "cache", slice_tokens=1_000_000)
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
    room = retry["max_tokens"] - retry.get("thinking_token_budget", 0)  # the answer's own room (security thinks first)
    assert worst_case_chars(narrow) <= room * len(cut) / 7 * 0.75 < worst_case_chars(full)
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
    # the re-ask keeps the agent's whole first request (codebase prefix included) in front, so it is served from cache
    for reask in reasks:
        first = next(c for c in server.chat_calls if len(c["messages"]) == 2 and c["response_format"] == reask["response_format"]
                     and c["messages"][1]["content"] == reask["messages"][1]["content"])
        assert reask["messages"][:2] == first["messages"] and reask["messages"][2]["role"] == "assistant"


def test_a_raw_tab_inside_a_json_string_is_taken_as_a_tab_not_a_failed_answer(tmp_path):
    """Seen on an H100: vLLM's grammar let raw control characters into JSON strings; a real model copying
    indented code into a snippet writes exactly that. The answer is kept (no re-ask), the tab as a tab;
    anything else that is not JSON still fails validation."""
    def chat(body, n):
        name = body["response_format"]["json_schema"]["name"]
        answer = json.dumps(VALID.get(name, {"steps": [], "code_example": "", "tests": []}))
        if name == "SecurityOutput":
            answer = json.dumps({"findings": [{"id": "S1", "title": "SQL built from input", "category": "sql-injection",
                                               "cwe": "CWE-89", "severity": "high", "file": "x.java", "line_start": 1,
                                               "line_end": 1, "snippet": "TAB", "reason": "r"}]}).replace("TAB", "\tquery(sql);")
        return sse(answer)

    report = run_scripted(ScriptedServer(chat), tmp_path)
    assert all(a.status == "ok" and a.requests == 1 and not a.attempts for a in report.agents)
    from modernizer.engine.asker import validate
    from modernizer.findings.schemas import SecurityOutput
    assert validate(SecurityOutput, '{"findings": [}', "stop").startswith("answer: Invalid JSON")


def test_an_answer_over_the_schemas_bounds_is_cut_to_them_not_failed():
    """Seen on an H100: the grammar let a string past its maxLength. An answer whose only fault is length
    is cut to the bounds (strings to maxLength, lists to maxItems); any other fault still fails."""
    from modernizer.engine.asker import parse, validate
    from modernizer.findings.schemas import SecurityOutput

    finding = {"id": "S1", "title": "SQL built from input " * 10, "category": "sql-injection", "cwe": "CWE-89",
               "severity": "high", "file": "x.java", "line_start": 1, "line_end": 1, "snippet": "query(sql);",
               "reason": "r" * 300}
    long = json.dumps({"findings": [finding] * 25})
    assert validate(SecurityOutput, long, "stop") is None
    out = parse(SecurityOutput, long)
    assert len(out.findings) == 20 and len(out.findings[0].title) == 90 and out.findings[0].reason == "r" * 200
    assert out.findings[0].snippet == "query(sql);"
    worse = json.dumps({"findings": [dict(finding, severity="apocalyptic")]})
    assert "severity" in validate(SecurityOutput, worse, "stop")


def test_a_dropped_connection_is_retried_then_recorded_with_its_reason(tmp_path):
    def chat(body, n):
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    report = run_scripted(ScriptedServer(chat), tmp_path, retries=2)
    assert all(a.status == "failed" and "connection lost" in a.error and a.requests == 2 for a in report.agents)
    assert report.summary.model_requests >= 8  # the failed requests count too


def silent_listener() -> tuple[socket.socket, str]:
    """A port that accepts connections (the kernel does) and never says a word."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s, f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def test_a_server_that_accepts_and_never_answers_ends_a_default_run_quickly(tmp_path):
    listener, url = silent_listener()
    try:
        t0 = time.perf_counter()
        res = runner.invoke(app, ["analyze", str(HOTEL), "--endpoint", url, "-o", str(tmp_path / "out"),
                                  "--cache-dir", str(tmp_path / "cache")])
        took = time.perf_counter() - t0
    finally:
        listener.close()
    assert res.exit_code == 3, res.output
    assert "accepted the connection but did not answer /v1/models within 15s" in res.output
    assert "modernize doctor" in res.output
    assert took < 40  # was 45 minutes (900 s x 3 tries)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


class Silent(httpx.AsyncBaseTransport):
    """models and tokenize answer; chat either never starts, or sends one chunk and stops."""

    def __init__(self, stall_after_first: bool) -> None:
        self.stall_after_first = stall_after_first
        self.scripted = ScriptedServer(lambda body, n: sse("{}"))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/chat/completions"):
            return self.scripted._handle(request)
        if not self.stall_after_first:
            await asyncio.Event().wait()

        async def body():
            chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "tiny",
                     "choices": [{"index": 0, "delta": {"role": "assistant", "content": '{"findings": ['}, "finish_reason": None}]}
            yield f"data: {json.dumps(chunk)}\n\n".encode()
            await asyncio.Event().wait()

        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())


def run_silent(tmp_path, stall_after_first: bool, **endpoint):
    said: list[str] = []
    opts = AnalyzeOptions(endpoint=Endpoint(base_url="http://127.0.0.1:9/v1", **endpoint), cache_dir=tmp_path / "cache")
    factory = lambda ep: LLMClient(ep, transport=Silent(stall_after_first))  # noqa: E731
    t0 = time.perf_counter()
    try:
        asyncio.run(analyze(HOTEL, opts, events=lambda e: said.append(describe(e)), client_factory=factory))
    except ServerStuck as exc:
        return exc, said, time.perf_counter() - t0
    raise AssertionError("the run did not stop")


def test_a_chat_that_never_starts_stops_the_run_at_its_first_token_deadline_and_says_what_it_waits_for(tmp_path):
    exc, said, took = run_silent(tmp_path, False, first_token_timeout=3)
    assert exc.exit_code == 3 and took < 15
    # the scripted server's /metrics never moves: a silent server is stuck 3 s after the send, as without /metrics
    assert re.search(r"the server sent nothing for 3s and showed no sign of work \(waiting for the first token of a "
                     r"[\d,]+-token prompt, 3s since it was sent\)", exc.message)
    assert "--first-token-timeout" in exc.hint
    assert any(re.search(r"waiting for the first token of (analyzer|security)( slice \d+/\d+)?: the server is reading a [\d,]+-token prompt", m) for m in said)


def test_an_answer_that_stops_mid_stream_is_ended_by_the_stall_deadline(tmp_path):
    exc, _, took = run_silent(tmp_path, True, stall_timeout=1)
    assert took < 15 and "the answer stopped for 1s after 14 characters" in exc.message


def test_the_first_token_deadline_grows_with_the_prompt_and_what_the_server_is_already_reading():
    small, big = first_token_deadline(1_000), first_token_deadline(538_000)
    assert 60 < small < 70 and big > 1000  # an unmeasured server reading half a million tokens gets its time
    assert first_token_deadline(538_000, ahead_tokens=100_000) > big
    # once the server's prefill is measured (17.6K tokens/s on an H200), the deadline tightens
    assert first_token_deadline(538_000, measured_tps=17_600) < 130


def test_a_failed_slice_leaves_its_agent_partial_with_the_slice_and_reason_and_keeps_the_others(tmp_path):
    def chat(body, n):
        name = body["response_format"]["json_schema"]["name"]
        text = body["messages"][1]["content"]
        if name == "SecurityOutput" and "YOUR SLICE (2 of 2)" in text:
            return httpx.Response(500, json={"error": {"message": "engine dead"}})
        if name == "SecurityOutput":
            return sse(json.dumps({"findings": [{"id": "S1", "title": "SQL built from input", "category": "sql-injection",
                                                 "cwe": "CWE-89", "severity": "high", "file": "x.java", "line_start": 1,
                                                 "line_end": 1, "snippet": "x", "reason": "r"}]}))
        return sse(json.dumps(VALID.get(name, {"steps": [], "code_example": "", "tests": []})))

    opts = AnalyzeOptions(endpoint=Endpoint(base_url="http://127.0.0.1:9/v1", retries=1), cache_dir=tmp_path / "cache")
    report = asyncio.run(analyze(HOTEL, opts, client_factory=lambda ep: LLMClient(ep, transport=ScriptedServer(chat).transport())))
    sec = next(a for a in report.agents if a.agent == "security")
    assert sec.status == "partial" and sec.requests == 2
    assert sec.error.startswith("failed in 1 of 2 slices: slice 2/2: chat request") and "HTTP 500: engine dead" in sec.error
    assert [f.id for f in report.findings if f.source == "security"] == ["S1"]  # the slice that answered is kept
    assert next(a for a in report.agents if a.agent == "analyzer").status == "ok"


def test_a_server_that_refuses_token_ids_gets_chat_text_for_the_rest_of_the_run(tmp_path):
    """The shared prefix is tokenized, the first request goes to /v1/completions as ids and is
    refused (a server or proxy without token-id prompts): that request and every later one go as
    chat text, the run completes, and the report says why prompts went as text."""
    refused = lambda body, n: httpx.Response(400, json={"error": {"message": "prompt token ids are not accepted here"}})  # noqa: E731
    server = ScriptedServer(lambda body, n: sse(json.dumps(VALID[body["response_format"]["json_schema"]["name"]])),
                            completions=refused)
    report = run_scripted(server, tmp_path)
    assert len(server.completion_calls) == 1 and isinstance(server.completion_calls[0]["prompt"], list)
    assert len(server.chat_calls) == 4
    assert all(a.status == "ok" and a.token_id_requests == 0 for a in report.agents)
    assert report.agents[0].requests == 2  # the refused one counts
    assert any("prompts go as text: /v1/completions refused token ids" in n for n in report.notes)


def test_a_request_over_a_prefix_already_read_adds_only_its_own_part_to_the_others_first_token_deadlines():
    """A sweep sends dozens of requests over one cached codebase: each must not count the whole
    codebase as still to be read (a burst of 40 would make a stuck server wait for hours), while
    the first one over the prefix does."""
    from modernizer.run.agents import messages

    seen: list[int] = []
    client: LLMClient | None = None

    def chat(body, n):
        seen.append(client._reading)
        return sse('{"ok": true}')

    server = ScriptedServer(chat)
    client = LLMClient(Endpoint(base_url="http://127.0.0.1:9/v1", model="tiny", token_ids=False), transport=server.transport())
    head = "x = 1\n" * 40_000  # 240K characters of shared codebase

    async def go():
        for task in ("first", "second"):
            await client.chat(messages("sys", head, task), max_tokens=8)
        await client.aclose()

    asyncio.run(go())
    assert seen[0] > 90_000  # the first request: the whole prompt is still to be read
    assert seen[1] < 100  # the second: its task only; the codebase is in the server's cache


def test_a_refused_connection_after_the_server_has_answered_is_load_and_is_retried(tmp_path):
    """Measured on an H200: one of 72 slice requests over a 950K-token prefix found the connection
    refused while the server was busy. Before any answer a refused connection means no server (exit
    3 at once); after one, the request is retried and the run goes on."""
    refused = []

    def chat(body, n):
        if n == 2 and not refused:
            refused.append(n)
            raise httpx.ConnectError("connection refused")
        return sse(json.dumps(VALID[body["response_format"]["json_schema"]["name"]]))

    server = ScriptedServer(chat)
    report = run_scripted(server, tmp_path)
    assert refused and all(a.status == "ok" for a in report.agents)
    assert sum(a.requests for a in report.agents) == len(server.chat_calls)
