"""The first-token clock on the real CPU vLLM: a request queued behind other prefills waits while
the server works (its /metrics counters move), however long past its limit that is; the KV pool the
scheduler admits modules by is read from the same server."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from conftest import HOTEL
from modernizer.run.agents import messages
from modernizer.llm.client import Endpoint, LLMClient
from modernizer.events import FirstToken, Waiting, describe
from modernizer.llm.metrics import kv_pool_tokens

pytestmark = pytest.mark.vllm

QUIET_S = 3.0  # the first-token limit: seconds without any sign of work


def codebase(tag: str) -> str:
    text = "\n".join(f"### {p.relative_to(HOTEL)}\n{p.read_text()}" for p in sorted(HOTEL.rglob("*.java")))
    return f"RUN {tag}\n" + text[:100_000]


def test_requests_queued_behind_other_prefills_wait_while_the_server_works(vllm_server):
    """Six long prompts with different beginnings at once: the server reads them together, so
    the first tokens come long after the 4 s limit. Under a clock from the send every one of them
    would be declared stuck; the server's counters move all along, so each is answered."""
    events: list = []

    async def go():
        async with LLMClient(Endpoint(base_url=vllm_server.base_url, first_token_timeout=QUIET_S)) as client:
            client.on_event = events.append
            await client.probe()
            pool = kv_pool_tokens(await client.metrics_text() or "")
            prompts = [messages("You are a reviewer.", codebase(uuid.uuid4().hex), "Name one class.") for _ in range(6)]
            done = await asyncio.gather(*(client.chat(m, max_tokens=8, label=f"q{i}") for i, m in enumerate(prompts)))
            return pool, done

    pool, done = asyncio.run(go())
    assert pool is not None and pool > 65_536  # vLLM's cache_config_info: the pool holds at least one window
    assert all(c.usage.prompt_tokens > 20_000 for c in done)
    waits = sorted(c.ttft_s for c in done)
    assert waits[-1] > 2 * QUIET_S, waits  # the last first token came long after the limit, and was waited for
    said = [describe(e) for e in events if isinstance(e, Waiting)]
    assert any("queued: " in line and "ahead of it" in line and "the server is working" in line for line in said), said
    assert len([e for e in events if isinstance(e, FirstToken)]) == 6
