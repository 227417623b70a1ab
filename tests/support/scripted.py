"""A scripted stand-in for vLLM, for failure paths a real server cannot be made to produce:
HTTP 500s, hangs, and truncated or invalid JSON answers. Everything else uses the real server."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

Chat = Callable[[dict, int], httpx.Response]


def sse(text: str, finish: str = "stop", prompt_tokens: int = 100, cached: int = 0) -> httpx.Response:
    chunks = [
        {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "tiny",
         "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": None}]},
        {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "tiny",
         "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]},
        {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "tiny", "choices": [],
         "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 7, "total_tokens": prompt_tokens + 7,
                   "prompt_tokens_details": {"cached_tokens": cached}}},
    ]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


def sse_text(text: str, finish: str = "stop", prompt_tokens: int = 100, completion_tokens: int = 7) -> httpx.Response:
    """A /v1/completions stream (token-id prompts): the text, the finish, the usage."""
    chunks = [{"id": "x", "object": "text_completion", "choices": [{"index": 0, "text": text, "finish_reason": None}]},
              {"id": "x", "object": "text_completion", "choices": [{"index": 0, "text": "", "finish_reason": finish}]},
              {"id": "x", "object": "text_completion", "choices": [],
               "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                         "total_tokens": prompt_tokens + completion_tokens, "prompt_tokens_details": {"cached_tokens": 0}}}]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


MARKERS = {"<think>": "\ue000", "</think>": "\ue001"}  # one id each, as in Nemotron's vocabulary


class ScriptedServer:
    """An httpx transport: /v1/models, /tokenize and /metrics answer normally; chat runs ``chat``.
    ``think``: the rendering opens a think block when the request asks to think (Nemotron's template),
    and the think markers are one token each."""

    def __init__(self, chat: Chat, window: int = 65536, completions: Chat | None = None, think: bool = False) -> None:
        self.chat = chat
        self.think = think
        self.window = window
        self.chat_calls: list[dict] = []
        # with ``completions``, /tokenize also gives ids (one per character of a ChatML rendering, enough for
        # the client to join a prefix and a task) and /v1/completions runs it
        self.completions = completions
        self.completion_calls: list[dict] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/v1/models"):
            return httpx.Response(200, json={"object": "list", "data": [{"id": "tiny", "max_model_len": self.window}]})
        if path == "/tokenize":
            body = json.loads(request.content)
            text = body.get("prompt") or "".join(m["content"] for m in body.get("messages", []))
            rendered = _chatml(body, self.think)
            if self.think:
                for marker, char in MARKERS.items():
                    rendered = rendered.replace(marker, char)
            tokens = [ord(c) for c in rendered] if self.completions else []
            return httpx.Response(200, json={"count": max(1, len(text) // 4), "max_model_len": self.window, "tokens": tokens})
        if path == "/metrics":
            return httpx.Response(200, text="vllm:prefix_cache_queries_total 0\nvllm:prefix_cache_hits_total 0\n")
        if path.endswith("/v1/completions") and self.completions:
            body = json.loads(request.content)
            self.completion_calls.append(body)
            return self.completions(body, len(self.completion_calls))
        if path.endswith("/chat/completions"):
            body = json.loads(request.content)
            self.chat_calls.append(body)
            return self.chat(body, len(self.chat_calls))
        return httpx.Response(404)


def _chatml(body: dict, think: bool = False) -> str:
    if "messages" not in body:
        return body.get("prompt", "")
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in body["messages"])
    if body.get("continue_final_message"):
        return text[: -len("<|im_end|>\n")]
    opened = "<think>\n" if think and (body.get("chat_template_kwargs") or {}).get("enable_thinking") else ""
    return text + ("<|im_start|>assistant\n" + opened if body.get("add_generation_prompt", True) else "")
