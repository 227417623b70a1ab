"""A schema-driven stand-in for the model (pydantic-ai's ``TestModel`` idea): it implements the
engine's ``LLM`` port and answers every request with JSON that is valid for the request's own
``response_format`` schema, generated from that schema, seeded. Engine tests (waves, prefix-first
ordering, map/reduce, budgets, report assembly) run on it in milliseconds; everything that needs
a real server's behaviour still runs against the CPU vLLM.

``files`` (path -> number of lines) steers the properties named ``file``/``line_start``/
``line_end`` to real locations, so findings can ground; ``snippets`` a real line to quote.
Token counts are characters / 4. Every request is kept in ``requests`` for assertions.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Callable
from typing import Any

from modernizer.llm.client import Completion, ServerInfo, Usage
from modernizer.records import PrefixCacheCounters

__test__ = False


class SchemaModel:
    def __init__(self, window: int = 65536, seed: int = 0, files: dict[str, list[str]] | None = None,
                 items: int = 2, delay: float = 0.0, text_count_factor: float = 1.0) -> None:
        self.window, self.seed, self.items, self.delay = window, seed, items, delay
        self.text_count_factor = text_count_factor  # < 1: per-file counts come up short, as an estimate can
        self.files = files or {}
        self.model: str | None = "schema-model"
        self.on_event: Callable = lambda _e: None
        self.requests: list[dict[str, Any]] = []
        self.tokenized: list[int] = []  # how many texts each /tokenize-style call counted
        self.order: list[str] = []  # "start <label>", "first <label>", in the order they happened
        self._counters = PrefixCacheCounters()
        self.metrics: str | None = None  # the server's /metrics text, when a test gives it one

    async def metrics_text(self) -> str | None:
        return self.metrics

    async def __aenter__(self) -> "SchemaModel":
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def probe(self) -> ServerInfo:
        return ServerInfo(base_url="schema-model://", model="schema-model", max_model_len=self.window, models=["schema-model"])

    async def tokenize_messages(self, messages: list[dict[str, str]]) -> int:
        return sum(len(m["content"]) for m in messages) // 4 + 8

    async def tokenize_texts(self, texts: list[str], concurrency: int = 16) -> list[int]:
        self.tokenized.append(len(texts))
        return [int(len(t) / 4 * self.text_count_factor) for t in texts]

    async def tokenizer_fingerprint(self) -> str:
        return f"schema-model-{self.text_count_factor}"

    async def prefix_cache(self) -> PrefixCacheCounters | None:
        return self._counters

    async def chat(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float = 0.0, seed: int | None = 0,
                   schema: dict[str, Any] | None = None, schema_name: str = "answer",
                   on_first_token: Callable[[], None] | None = None, label: str = "", prompt_tokens: int | None = None,
                   thinking: bool = False, thinking_budget: int | None = None) -> Completion:
        self.requests.append({"messages": messages, "max_tokens": max_tokens, "schema": schema, "name": schema_name, "label": label,
                              "thinking": thinking, "thinking_budget": thinking_budget})
        self.order.append(f"start {label}")
        prompt = await self.tokenize_messages(messages)
        if prompt + max_tokens > self.window:
            from modernizer.errors import ContextOverflow

            raise ContextOverflow(f"the server rejected the prompt as too long: This model's maximum context length is "
                                  f"{self.window} tokens. However, you requested {prompt + max_tokens} tokens")
        await asyncio.sleep(self.delay)
        self.order.append(f"first {label}")
        if on_first_token:
            on_first_token()
        rng = random.Random(f"{self.seed}|{seed}|{schema_name}|{len(self.requests)}|{label}")
        text = json.dumps(self.value(schema or {"type": "object", "properties": {}}, rng, ""), ensure_ascii=False)
        self._counters = PrefixCacheCounters(queries=self._counters.queries + prompt, hits=self._counters.hits + prompt // 2)
        return Completion(text=text, finish_reason="stop", wall_s=0.0, ttft_s=0.0,
                          usage=Usage(prompt_tokens=prompt, completion_tokens=len(text) // 4, cached_tokens=prompt // 2))

    # -- data from a JSON schema -------------------------------------------------------------
    def value(self, node: dict[str, Any], rng: random.Random, name: str) -> Any:
        if "enum" in node:
            return rng.choice(node["enum"])
        kind = node.get("type")
        if kind == "object":
            out = {k: self.value(v, rng, k) for k, v in node.get("properties", {}).items()}
            return self._steer(out, rng)
        if kind == "array":
            lo, hi = node.get("minItems", 0), node.get("maxItems", self.items)
            return [self.value(node.get("items", {}), rng, name) for _ in range(max(lo, min(hi, self.items)))]
        if kind == "integer":
            return max(node.get("minimum", 1), min(node.get("maximum", 10), rng.randint(1, 5)))
        if kind == "number":
            return 0.5
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "string":
            if "pattern" in node:
                return sample_pattern(node["pattern"], rng)
            text = f"{name or 'text'} {rng.randint(1, 999)}"
            return text[: node.get("maxLength", 40)]
        return None

    def _steer(self, obj: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        """A finding-shaped object points at a real file and line, quoting it, when files are known."""
        if self.files and {"file", "line_start", "line_end"} <= obj.keys():
            path = sorted(self.files)[rng.randrange(len(self.files))]
            lines = self.files[path] or [""]
            n = rng.randrange(len(lines)) + 1
            obj.update(file=path, line_start=n, line_end=n)
            if "snippet" in obj:
                obj["snippet"] = lines[n - 1].strip()[:160] or obj["snippet"]
        return obj


_TOKEN = re.compile(r"\[([^\]]+)\]|\(([^()]*)\)|\\(.)|([^\[\](){}?*+^$\\])")
_QUANT = re.compile(r"\{(\d+)(?:,(\d+))?\}|\?")


def sample_pattern(pattern: str, rng: random.Random) -> str:
    """A string matching the simple anchored patterns the output schemas use: literals, [classes]
    with ranges, (groups), and {m,n} or ? quantifiers."""
    pattern = pattern.removeprefix("^").removesuffix("$")
    out, i = [], 0
    while i < len(pattern):
        m = _TOKEN.match(pattern, i)
        if m is None:
            raise ValueError(f"pattern {pattern!r} is beyond the test model's sampler at {i}")
        i = m.end()
        q = _QUANT.match(pattern, i)
        lo = hi = 1
        if q:
            i = q.end()
            if q.group(0) == "?":
                lo, hi = 0, 1
            else:
                lo = int(q.group(1))
                hi = int(q.group(2)) if q.group(2) else lo
        for _ in range(rng.randint(max(lo, 1 if lo else 0), hi) if hi else 0):
            if m.group(1) is not None:
                out.append(rng.choice(_expand(m.group(1))))
            elif m.group(2) is not None:
                out.append(sample_pattern(m.group(2), rng))
            else:
                out.append(m.group(3) or m.group(4))
    return "".join(out)


def _expand(cls: str) -> list[str]:
    chars, i = [], 0
    while i < len(cls):
        if i + 2 < len(cls) and cls[i + 1] == "-":
            chars.extend(chr(c) for c in range(ord(cls[i]), ord(cls[i + 2]) + 1))
            i += 3
        else:
            chars.append(cls[i])
            i += 1
    return chars
