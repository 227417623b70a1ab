"""The live view's figures come from the real server: a run against the CPU vLLM tells the events
of every request, and its /metrics readings show the lead prompt being read (vLLM's KV cache fills
chunk by chunk during the prefill), which the status line turns into a share read."""

from __future__ import annotations

import asyncio
import re
import shutil
import time
import uuid

import pytest

from conftest import SAMPLES
from modernizer.run.analysis import AnalyzeOptions, analyze
from modernizer.llm.client import Endpoint
from modernizer.events import FirstToken, RequestEnded, RequestStarted, ServerLoad
from modernizer.run.progress import Progress

pytestmark = pytest.mark.vllm


def test_a_run_shows_the_lead_prompt_being_read_by_the_server(vllm_server, tmp_path):
    repo = tmp_path / "pyshop"
    shutil.copytree(SAMPLES / "legacy-pyshop", repo)
    (repo / "aaa_marker.py").write_text(f"MARKER = '{uuid.uuid4().hex}'\n")  # a prompt the server has not cached
    events, shares = [], []
    progress = Progress(started=time.perf_counter())

    def seen(e) -> None:
        now = time.perf_counter()
        events.append(e)
        progress.apply(e, now)
        m = re.search(r"server reading ([\d,]+) prompt tokens: (\d+)%", progress.status(now))
        if m and isinstance(e, ServerLoad):
            shares.append(int(m.group(2)))

    opts = AnalyzeOptions(endpoint=Endpoint(base_url=vllm_server.base_url), use_cache=False, candidates=False, watch_server=0.1)
    report = asyncio.run(analyze(repo, opts, events=seen))
    started = [e for e in events if isinstance(e, RequestStarted)]
    ended = [e for e in events if isinstance(e, RequestEnded)]
    firsts = [e for e in events if isinstance(e, FirstToken)]
    assert len(started) == len(ended) == report.summary.model_requests >= 4
    # the one refused: the security agent's first request asks for thinking, which a server without a reasoning
    # parser refuses; it is sent again without (client.py), so every request but that one has a first token
    refused = [e for e in ended if not e.ok]
    assert [e.label for e in refused] == ["security"] and len(firsts) == len(started) - 1
    lead = started[0]
    assert lead.fresh_tokens == lead.prompt_tokens > 4096  # nothing of it was read before
    loads = [e for e in events if isinstance(e, ServerLoad)]
    assert loads and all(e.kv_tokens is not None for e in loads)  # vLLM 0.32 says its cache size
    # while the lead was read, the server's KV cache held part of it, and the status said how much
    assert any(0 < s < 100 for s in shares), shares
    assert progress.done == len(ended) and not progress.in_flight
