"""Thinking, as the real model does it, on the CPU vLLM: the tiny model's reasoning variant (think
markers as special tokens, a Nemotron-style template) served with the nemotron_v3 reasoning parser.

Every request says whether to think; a thinking request gets vLLM's thinking_token_budget, so the
answer still comes (under the JSON schema) when the budget runs out, which is what random weights
always do: they never close a think block themselves. A server without a reasoning parser refuses
the budget: thinking is then off for the run, and the report says so. The thinking text is counted,
never kept.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from modernizer.run.agents import messages
from modernizer.cli import app
from modernizer.llm.client import Endpoint, LLMClient
from modernizer.report import Report

pytestmark = pytest.mark.vllm
runner = CliRunner()
SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "additionalProperties": False}
CODE = "def f(x):\n    return x + 1\n" * 400  # a shared prefix long enough to go as token ids (11K characters)


def ask(url: str, msgs, **kw):
    async def go():
        async with LLMClient(Endpoint(base_url=url, token_ids_min_chars=10_000)) as client:
            await client.probe()
            comp = await client.chat(msgs, max_tokens=24, schema=SCHEMA, **kw)
            return comp, client.thinking_note

    return asyncio.run(go())


def short() -> list[dict[str, str]]:
    return [{"role": "system", "content": "You review code."}, {"role": "user", "content": "Is x + 1 safe? Answer in JSON."}]


def test_thinking_off_answers_at_once_and_the_template_closes_the_think_block(vllm_reasoning):
    comp, note = ask(vllm_reasoning.base_url, short(), thinking=False)
    assert comp.finish_reason == "stop" and isinstance(json.loads(comp.text)["ok"], bool)
    assert comp.thinking_tokens == 0 and note is None


@pytest.mark.parametrize("msgs", [short(), messages("You review code.", CODE, "Is f safe? Answer in JSON.")],
                         ids=["chat", "token-ids"])
def test_thinking_stops_at_its_budget_and_the_answer_still_completes_and_validates(vllm_reasoning, msgs):
    """Random weights think until vLLM closes the think block at the budget; then the JSON answer."""
    comp, note = ask(vllm_reasoning.base_url, msgs, thinking=True, thinking_budget=16)
    assert comp.admission == ("ids" if len(msgs[1]["content"]) > 10_000 else "text")
    assert comp.finish_reason == "stop" and isinstance(json.loads(comp.text)["ok"], bool), comp.text
    assert 8 <= comp.thinking_tokens <= 16 + 4
    assert comp.usage.completion_tokens >= comp.thinking_tokens
    assert "think" not in comp.text and not comp.reasoning and note is None


def test_over_token_ids_the_thinking_and_the_schema_answer_go_as_two_requests_over_one_cached_prompt(vllm_reasoning):
    """thinkapart.py: vLLM 0.26 slows every decode step of a schema request still thinking by copying its
    whole token list, so the thinking goes without the schema (stopped at the budget by max_tokens, at
    </think> by its id) and the answer's prompt is the same ids + the thinking + </think>: the server
    reads the prompt from its cache and the grammar holds from the answer's first token."""
    sent: list[dict] = []

    async def go():
        async with LLMClient(Endpoint(base_url=vllm_reasoning.base_url, token_ids_min_chars=10_000)) as client:
            await client.probe()
            real = client._stream

            async def spy(body, *a, **k):
                sent.append(body)
                return await real(body, *a, **k)

            client._stream = spy
            comp = await client.chat(messages("You review code.", CODE, "Is f safe? Answer in JSON."), max_tokens=24,
                                     schema=SCHEMA, thinking=True, thinking_budget=16)
            return comp, await client.think_apart_ids()

    comp, (opened, close) = asyncio.run(go())
    thinking, answer = sent
    assert thinking["prompt"][-2:-1] == [opened] or thinking["prompt"][-1] == opened  # the template opened the block
    assert "response_format" not in thinking and "thinking_token_budget" not in thinking
    assert thinking["max_tokens"] == 16 and thinking["stop_token_ids"] == [close]
    assert answer["prompt"][: len(thinking["prompt"])] == thinking["prompt"] and answer["prompt"][-1] == close
    assert answer["response_format"]["json_schema"]["schema"] == SCHEMA and answer["max_tokens"] == 24
    assert comp.requests == 2 and comp.thinking_tokens == 16  # random weights think to the budget
    assert comp.finish_reason == "stop" and isinstance(json.loads(comp.text)["ok"], bool)
    assert comp.usage.cached_tokens >= len(thinking["prompt"]) - 256  # the answer read the prompt from the cache


@pytest.mark.parametrize("msgs", [short(), messages("You review code.", CODE, "Is f safe? Answer in JSON.")],
                         ids=["chat", "token-ids"])
def test_a_server_without_a_reasoning_parser_gets_thinking_off_for_the_run(vllm_server, msgs):
    """(Its tokenizer has no single-token think markers either, so token ids keep the one-request form.)"""
    comp, note = ask(vllm_server.base_url, msgs, thinking=True, thinking_budget=16)
    assert isinstance(json.loads(comp.text)["ok"], bool) and comp.thinking_tokens == 0
    assert comp.requests == 2 and "thinking is off for this run" in note


def test_the_report_counts_each_agents_thinking_tokens_under_the_agents_policy(vllm_reasoning, tmp_path):
    """Security and validator think within their budgets (agents/*.toml), analyzer and
    modernization answer at once; the report counts thinking per agent, and keeps no thinking text."""
    repo = tmp_path / "app"
    repo.mkdir()
    (repo / "db.py").write_text("import sqlite3\n\ndef find(name):\n    return sqlite3.connect('a').execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")\n")
    (repo / "web.py").write_text("from db import find\n\ndef page(request):\n    return '<p>' + find(request.args['q']) + '</p>'\n")
    res = runner.invoke(app, ["analyze", str(repo), "--endpoint", vllm_reasoning.base_url, "-o", str(tmp_path / "out"),
                              "-f", "json", "--no-cache"])
    assert res.exit_code in (0, 1, 5), res.output
    report = Report.model_validate_json(next((tmp_path / "out").glob("*.json")).read_text())
    by = {a.agent: a for a in report.agents}
    assert by["security"].thinking_tokens > 0 and by["validator"].thinking_tokens > 0
    assert by["analyzer"].thinking_tokens == 0 and by["modernization"].thinking_tokens == 0
    assert by["security"].thinking_tokens <= (1024 + 8) * by["security"].requests  # the budget, and the closing marker
    assert not any("thinking is off" in n for n in report.notes)
    off = runner.invoke(app, ["analyze", str(repo), "--endpoint", vllm_reasoning.base_url, "-o", str(tmp_path / "off"),
                              "-f", "json", "--no-cache", "--thinking", "off"])
    assert off.exit_code in (0, 1, 5), off.output
    quiet = Report.model_validate_json(next((tmp_path / "off").glob("*.json")).read_text())
    assert all(a.thinking_tokens == 0 for a in quiet.agents)


def test_through_the_nemotron_style_template_the_shared_prefix_is_the_same_tokens_for_every_agent(vllm_reasoning):
    """Our layout (system, then codebase + task in one user turn) through a template shaped like
    Nemotron-3-Nano's: a thinking agent and an answering one share the codebase's tokens exactly
    (the template differs only in the generation prompt), and what we send as ids is what the
    server makes of each whole conversation."""
    think_msgs = messages("You review code.", CODE, "List the vulnerabilities.")
    plain_msgs = messages("You review code.", CODE, "Describe the architecture.")

    async def go():
        async with LLMClient(Endpoint(base_url=vllm_reasoning.base_url, token_ids_min_chars=10_000)) as client:
            await client.probe()
            out = []
            for msgs, think in ((think_msgs, True), (plain_msgs, False)):
                ids = await client.prompt_ids(msgs, {"enable_thinking": think})
                resp = await client._http.post(client.root + "/tokenize", json={
                    "model": client.model, "messages": msgs, "add_generation_prompt": True,
                    "chat_template_kwargs": {"enable_thinking": think}, "return_token_strs": True})
                out.append((ids, resp.json()["tokens"], resp.json()["token_strs"]))
            return out

    (a, a_server, a_strs), (b, b_server, b_strs) = asyncio.run(go())
    assert a == a_server and b == b_server
    shared = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
    assert shared > 0.9 * min(len(a), len(b))  # everything up to the task is the same tokens
    # the generation prompt opens a think block for the thinking agent (byte-level: "Ċ" is the newline) and closes
    # it at once for the other; both start with the system block the template always writes
    assert a_strs[-2:] == ["<think>", "Ċ"] and b_strs[-2:] == ["<think>", "</think>"]
    assert a_strs[0] == b_strs[0] == "<|im_start|>"
