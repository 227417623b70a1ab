"""The port to the model: what the engine needs from a server. ``client.LLMClient`` (vLLM over
HTTP) implements it; tests implement it with a schema-driven fake (tests/support/schema_model.py),
so engine logic is tested in milliseconds and the real CPU vLLM stays for integration tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from modernizer.llm.client import Completion, ServerInfo
from modernizer.events import Event
from modernizer.records import PrefixCacheCounters


class LLM(Protocol):
    model: str | None
    on_event: Callable[[Event], None]  # the client tells of requests, first tokens and long waits

    async def probe(self) -> ServerInfo: ...

    async def chat(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float = 0.0, seed: int | None = 0,
                   schema: dict[str, Any] | None = None, schema_name: str = "answer",
                   on_first_token: Callable[[], None] | None = None, label: str = "",
                   prompt_tokens: int | None = None, thinking: bool = False, thinking_budget: int | None = None) -> Completion: ...

    async def tokenize_messages(self, messages: list[dict[str, str]]) -> int: ...

    async def tokenize_texts(self, texts: list[str], concurrency: int = 16) -> list[int]: ...

    async def prefix_cache(self) -> PrefixCacheCounters | None: ...

    async def metrics_text(self) -> str | None: ...

    async def tokenizer_fingerprint(self) -> str: ...
