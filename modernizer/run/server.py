"""What a run asks the model server besides answers: its KV pool, whether prefix caching is on,
whether it serves a test model, and its load while the run works (the managed server's state too)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modernizer.engine.llm import LLM
    from modernizer.events import Events
    from modernizer.llm.client import ServerInfo


async def server_pool(client: LLM, base_url: str | None = None) -> int | None:
    """The server's KV-cache pool in tokens: its /metrics where it says, else what the managed
    server answering at ``base_url`` logged at start; None when unknown."""
    from modernizer.llm.metrics import kv_pool_tokens

    text = await client.metrics_text()
    pool = kv_pool_tokens(text) if text else None
    state = managed_state(base_url) if pool is None and base_url else None
    if state is not None:
        from modernizer.serve import vllmlog

        try:
            with open(state.log, "rb") as f:  # the line comes at start; a restart begins a new log
                pool = vllmlog.start_figures(f.read(4_000_000).decode("utf-8", "replace")).pool_tokens
        except OSError:
            pool = None
    return pool


def managed_state(base_url: str):  # noqa: ANN201 - a serve.manager.ServerState or None
    """The managed server answering at ``base_url`` (its state file), None when there is none or the
    state directory cannot be read (then we only cannot tell what it logged or how it was started)."""
    from modernizer.serve import gateway, manager

    try:
        return gateway.managed_at(base_url, manager.state_dir())
    except Exception:  # noqa: BLE001
        return None


def served_test_model(info: ServerInfo) -> str:
    """Why the served model is a test model ("" when it is not): from its name and what it loaded,
    and, for the managed server answering there, whether it was started on random weights."""
    from modernizer.llm.testmodel import which_test_model

    state = managed_state(info.base_url)
    return which_test_model(info.model, info.root, state.argv if state is not None else None)



async def prefix_caching_off(client: LLM) -> bool:
    """Whether the server says (in /metrics) that it runs without prefix caching; unknown is not off."""
    from modernizer.llm.metrics import cache_config

    text = await client.metrics_text()
    config = cache_config(text) if text else None
    return config is not None and config.get("enable_prefix_caching") == "False"


@asynccontextmanager
async def watching(client: LLM, events: Events, every: float | None) -> AsyncIterator[None]:
    """``watch_server`` in the background for the block's duration (``every`` None: not at all)."""
    task = asyncio.ensure_future(watch_server(client, events, every)) if every else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()


async def watch_server(client: LLM, events: Events, every: float) -> None:
    """Tell the events what the server's /metrics says, every ``every`` seconds, until cancelled or
    the server has no /metrics. vLLM leaves /metrics out of its request counts, so the managed
    server's idle watchdog does not take these readings for use."""
    from modernizer.llm.metrics import load

    while True:
        text = await client.metrics_text()
        if text is None:
            return
        events(load(text, time.perf_counter()))
        await asyncio.sleep(every)
