"""Thinking that ends within its budget, on its own: the path random weights never take (they think
until vLLM closes the block at the budget, tests/test_reasoning_vllm.py), so a scripted stand-in
streams what vLLM's nemotron_v3 parser sends for it: reasoning deltas, then the answer."""

from __future__ import annotations

import asyncio
import json

import httpx

from modernizer.llm.client import Endpoint, LLMClient
from support.scripted import ScriptedServer, sse

SECRET_THOUGHT = "the password Gr4ndH0tel!2008 is in DBUtil"


def reasoning_then_answer(body: dict, n: int) -> httpx.Response:
    assert body["chat_template_kwargs"] == {"enable_thinking": True} and body["thinking_token_budget"] == 64
    assert body["max_tokens"] == 32 + 64  # the answer's room, and the budget on top
    chunks = [{"role": "assistant", "reasoning": "Let me look. "}, {"reasoning": SECRET_THOUGHT},
              {"content": '{"ok": true}'}]
    events = [{"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "tiny",
               "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in chunks]
    events.append({"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "tiny",
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    events.append({"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "tiny", "choices": [],
                   "usage": {"prompt_tokens": 50, "completion_tokens": 23, "total_tokens": 73}})
    body_text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body_text.encode())


def test_thinking_within_its_budget_is_counted_and_its_text_goes_nowhere():
    server = ScriptedServer(reasoning_then_answer)
    client = LLMClient(Endpoint(base_url="http://127.0.0.1:9/v1", model="tiny"), transport=server.transport())

    async def go():
        try:
            return await client.chat([{"role": "user", "content": "Is it safe?"}], max_tokens=32, thinking=True, thinking_budget=64)
        finally:
            await client.aclose()

    comp = asyncio.run(go())
    assert json.loads(comp.text) == {"ok": True}
    # 23 generated, the answer re-tokenized by the (scripted) /tokenize at 4 characters a token: 12 - 3 = the rest
    assert comp.thinking_tokens == 23 - len('{"ok": true}') // 4
    assert SECRET_THOUGHT not in comp.model_dump_json() and not comp.reasoning


def test_every_request_says_whether_to_think():
    seen = []

    def chat(body, n):
        seen.append(body)
        return sse("{}")

    server = ScriptedServer(chat)
    client = LLMClient(Endpoint(base_url="http://127.0.0.1:9/v1", model="tiny"), transport=server.transport())

    async def go():
        try:
            await client.chat([{"role": "user", "content": "hi"}], max_tokens=8)
        finally:
            await client.aclose()

    asyncio.run(go())
    assert seen[0]["chat_template_kwargs"] == {"enable_thinking": False} and "thinking_token_budget" not in seen[0]
