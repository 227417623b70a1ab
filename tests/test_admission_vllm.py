"""Admission on the real CPU vLLM: a shared prefix is tokenized once, by the server, and every
request over it goes as token ids that are exactly what the chat endpoint would have made.

The figure that motivates it (an H200 re-tokenizing a 1.8M-character prompt for every request) is
in bench/results/; here the tiny model's server checks the ids, the fallbacks and a whole run.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from conftest import HOTEL
from modernizer.llm import admission
from modernizer.run.agents import messages
from modernizer.cli import app
from modernizer.llm.client import Endpoint, LLMClient
from modernizer.report import Report

pytestmark = pytest.mark.vllm
runner = CliRunner()


def _codebase() -> str:
    parts = [f"### {p.relative_to(HOTEL)}\n{p.read_text()}" for p in sorted(HOTEL.rglob("*.java"))]
    return "\n".join(parts)[:120_000]


async def _server_ids(client: LLMClient, msgs: list[dict[str, str]]) -> list[int]:
    resp = await client._http.post(client.root + "/tokenize", json={"model": client.model, "messages": msgs,
                                                                    "add_generation_prompt": True})
    return resp.json()["tokens"]


def test_token_ids_are_exactly_the_servers_own_tokenization_of_each_whole_request(vllm_server):
    """Two tasks over one prefix (one of them a re-ask with more messages after it): each request's
    ids equal what the server makes of the whole conversation, and the prefix was tokenized once."""
    async def go():
        async with LLMClient(Endpoint(base_url=vllm_server.base_url)) as client:
            await client.probe()
            head = _codebase()
            first = messages("You are a reviewer.", head, "List the SQL injections. Answer in JSON.")
            reask = messages("You are a reviewer.", head, "Summarise the DAOs.") + [
                {"role": "assistant", "content": '{"findings": ['}, {"role": "user", "content": "That was cut off; again."}]
            got = [await client.prompt_ids(m) for m in (first, reask)]
            want = [await _server_ids(client, m) for m in (first, reask)]
            return got, want, len(client._prefixes)

    got, want, prefixes = asyncio.run(go())
    assert got[0] is not None and got[1] is not None
    assert got == want
    assert len(got[0]) > 20_000  # the codebase is really in there
    assert prefixes == 1


def test_short_prompts_and_prompts_without_a_shared_prefix_go_as_text(vllm_server):
    async def go():
        async with LLMClient(Endpoint(base_url=vllm_server.base_url)) as client:
            await client.probe()
            short = await client.prompt_ids(messages("sys", "tiny codebase", "task"))
            plain = await client.prompt_ids([{"role": "user", "content": "x" * 100_000}])
            off = LLMClient(Endpoint(base_url=vllm_server.base_url, token_ids=False))
            await off.probe()
            disabled = await off.prompt_ids(messages("sys", _codebase(), "task"))
            await off.aclose()
            return short, plain, disabled

    assert asyncio.run(go()) == (None, None, None)


def test_an_answer_over_token_ids_is_a_validated_answer_with_the_prefix_read_from_cache(vllm_server):
    """The same schema-constrained request twice as ids: both answers are valid JSON, the second
    reads the whole shared prefix from vLLM's cache, and both say they went as ids."""
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "additionalProperties": False}

    async def go():
        async with LLMClient(Endpoint(base_url=vllm_server.base_url)) as client:
            await client.probe()
            head = _codebase()
            out = []
            for task in ("Count the DAOs.", "Count the servlets."):
                out.append(await client.chat(messages("You are a reviewer.", head, task), max_tokens=32, schema=schema))
            return out

    a, b = asyncio.run(go())
    for comp in (a, b):
        assert comp.admission == "ids"
        assert comp.finish_reason == "stop" and isinstance(json.loads(comp.text)["ok"], bool)
        assert comp.usage.prompt_tokens > 20_000
    assert b.usage.cached_tokens >= b.usage.prompt_tokens - 200


def test_a_server_whose_tokenize_cannot_continue_a_message_falls_back_to_text():
    """admission.join refuses ids that would differ from the server's own (a token across the
    marker, a tail tokenized differently): the request then goes as text."""
    prefix = list(range(100))
    stand_prefix = [7, 8, *range(92, 100)]
    assert admission.join(prefix, stand_prefix, [*stand_prefix, 500, 501]) == [*prefix, 500, 501]
    merged = [7, 8, *range(92, 99), 999, 501]  # the last prefix token merged with the task's first
    assert admission.join(prefix, stand_prefix, merged) is None
    assert admission.join(prefix, [1, 2, *range(92, 99), 42], [1, 2, *range(92, 99), 42, 5]) is None


def test_a_run_sends_every_request_over_the_long_prefix_as_token_ids(vllm_server, tmp_path):
    """The whole job: every codebase request (slices, batches) goes as ids; the report counts them."""
    res = runner.invoke(app, ["analyze", str(HOTEL), "--endpoint", vllm_server.base_url, "-o", str(tmp_path),
                              "--cache-dir", str(tmp_path / "cache")])
    assert res.exit_code in (0, 5), res.output
    report = Report.model_validate_json(next(tmp_path.glob("*.json")).read_text())
    findings_agents = [a for a in report.agents if a.agent in ("analyzer", "security")]
    assert findings_agents
    for a in findings_agents:
        # every request that was answered went as ids; the test server has no reasoning parser, so the first
        # thinking request (security's) was refused once, before thinking went off for the run
        refused = 1 if a.agent == "security" else 0
        assert a.requests >= 1 and a.token_id_requests == a.requests - refused, a
    assert any("thinking is off for this run" in n for n in report.notes)
    assert any(s.token_id_requests for s in report.sweep)
