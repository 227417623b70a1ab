"""Thinking apart from the answer (modernizer/llm/thinkapart.py), on the paths a real server cannot be
made to take: an answer request that fails once (the retry must not think again, and every request
is counted), and the cases that keep the one-request form. The form itself, on the CPU vLLM, is in
test_reasoning_vllm.py."""

from __future__ import annotations

import asyncio
import json

import httpx

from modernizer.llm.client import Endpoint, LLMClient
from modernizer.run.agents import messages
from support.scripted import MARKERS, ScriptedServer, sse, sse_text

SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
CODE = "def f(x):\n    return x + 1\n" * 400
CLOSE = ord(MARKERS["</think>"])


def ask(server: ScriptedServer, thinking: bool = True, schema=SCHEMA):
    async def go():
        async with LLMClient(Endpoint(base_url="http://127.0.0.1:9/v1", model="tiny", token_ids_min_chars=10_000, retries=3),
                             transport=server.transport()) as client:
            return await client.chat(messages("You review code.", CODE, "Is f safe?"), max_tokens=24, schema=schema,
                                     thinking=thinking, thinking_budget=16)

    return asyncio.run(go())


def test_an_answer_that_fails_once_is_asked_again_without_thinking_again():
    def completions(body, n):
        if "response_format" not in body:
            return sse_text("the input is an int, so", finish="length", completion_tokens=16)
        if n == 2:
            return httpx.Response(500, json={"error": {"message": "engine hiccup"}})
        return sse_text('{"ok": true}', completion_tokens=5)

    server = ScriptedServer(lambda b, n: sse("{}"), completions=completions, think=True)
    comp = ask(server)
    thinking, failed, answer = server.completion_calls
    assert "response_format" not in thinking and thinking["max_tokens"] == 16 and thinking["stop_token_ids"] == [CLOSE]
    assert "thinking_token_budget" not in thinking and "thinking_token_budget" not in answer
    assert failed == answer and answer["max_tokens"] == 24 and answer["prompt"][-1] == CLOSE
    assert answer["prompt"][: len(thinking["prompt"])] == thinking["prompt"]
    # the thinking text, tokenized again (one id a character here), sits between the prompt and </think>
    assert "".join(map(chr, answer["prompt"][len(thinking["prompt"]):-1])) == "the input is an int, so"
    assert json.loads(comp.text) == {"ok": True} and comp.requests == 3 and comp.thinking_tokens == 16
    assert comp.usage.completion_tokens == 16 + 5


def test_without_a_schema_or_without_thinking_one_request_goes():
    server = ScriptedServer(lambda b, n: sse("{}"), completions=lambda b, n: sse_text('{"ok": false}'), think=True)
    ask(server, schema=None)
    ask(server, thinking=False)
    assert len(server.completion_calls) == 2
    assert "thinking_token_budget" in server.completion_calls[0] and "stop_token_ids" not in server.completion_calls[0]
    assert "thinking_token_budget" not in server.completion_calls[1]


def test_a_tokenizer_whose_think_markers_are_not_single_tokens_keeps_the_one_request_form():
    """Without one id for </think> the thinking cannot be stopped at it, nor the answer's prompt closed by it."""
    server = ScriptedServer(lambda b, n: sse("{}"), completions=lambda b, n: sse_text('</think>{"ok": true}'))
    comp = ask(server)
    (only,) = server.completion_calls
    assert only["thinking_token_budget"] == 16 and "response_format" in only
    assert json.loads(comp.text) == {"ok": True} and comp.requests == 1
