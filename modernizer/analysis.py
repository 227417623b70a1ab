"""The analyze job: ingest -> facts -> token plan -> agents -> report, with I/O only at the ends.

``plan_tokens`` and ``analyze`` take an already-built client (or none), so tests and the CLI
decide where the network is; the functions in between are pure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from modernizer import agents as agentdefs
from modernizer.client import Endpoint, LLMClient, ServerInfo
from modernizer.context import TokenPlan, check_fits, directory_tree, make_budget, render_codebase, render_file
from modernizer.errors import InputError
from modernizer.facts import Facts, compute_facts
from modernizer.ingest import IngestOptions, load_snapshot
from modernizer.pipeline import run_pipeline
from modernizer.report import LLMInfo, Report, build_report
from modernizer.snapshot import Snapshot
from modernizer.tokens import TiktokenCounter, TokenSource


class AnalyzeOptions(BaseModel):
    endpoint: Endpoint = Field(default_factory=Endpoint)
    ingest: IngestOptions = Field(default_factory=IngestOptions)
    no_llm: bool = False
    seed: int | None = 0
    max_details: int = 8
    window: int | None = Field(default=None, description="override the window (for --plan without a server)")


class Prepared(BaseModel):
    """What the model-free half of a run produces."""

    snapshot: Snapshot
    facts: Facts
    system: str
    shared_head: str


Progress = Callable[[str], None]


def prepare(path: str | Path, options: AnalyzeOptions) -> Prepared:
    snapshot = load_snapshot(path, options.ingest)
    if not snapshot.files:
        why = f" ({len(snapshot.skipped)} files were left out; see --exclude/--max-file-bytes)" if snapshot.skipped else ""
        raise InputError(f"{path}: nothing to analyse: no readable source files{why}",
                         "point modernize at the root of a source tree")
    facts = compute_facts(snapshot)
    system = agentdefs.render("system.j2")
    shared_head = render_codebase(snapshot) + agentdefs.render("facts.j2", facts=facts)
    return Prepared(snapshot=snapshot, facts=facts, system=system, shared_head=shared_head)


def _reserve(specs: dict[str, agentdefs.AgentSpec]) -> tuple[int, int]:
    """(reserved output, overhead for earlier agents' outputs) over all codebase agents."""
    code_agents = [s for s in specs.values() if s.context == "codebase"]
    reserved = max(s.max_tokens for s in code_agents)
    inputs = max(sum(specs[n].max_tokens for n in s.needs) for s in code_agents)
    return reserved, inputs


async def plan_tokens(prep: Prepared, client: LLMClient | None, info: ServerInfo | None,
                      specs: dict[str, agentdefs.AgentSpec], window: int | None = None) -> TokenPlan:
    files = sorted(prep.snapshot.files, key=lambda f: f.path)
    rendered = [render_file(f) for f in files]
    reserved, inputs = _reserve(specs)
    longest_task = max((agentdefs.render(s.template, outputs={n: "" for n in s.needs}) for s in specs.values()
                        if s.context == "codebase"), key=len, default="")
    if client is not None and info is not None:
        per_file = await client.tokenize_texts(rendered)
        # The exact count that matters: the full first request, as the server's chat template builds it.
        whole = await client.tokenize_messages(agentdefs.messages(prep.system, prep.shared_head, longest_task))
        task_tokens = (await client.tokenize_texts([longest_task]))[0]
        codebase_tokens = whole - task_tokens
        overhead = task_tokens + inputs
        source = TokenSource(kind="server", exact=True, detail=f"/tokenize of {info.model}")
        window = window or info.max_model_len
    else:
        counter = TiktokenCounter()
        per_file = counter.count_many(rendered)
        codebase_tokens, overhead_raw = counter.count_many([prep.system + prep.shared_head, longest_task])
        overhead = overhead_raw + inputs
        source = counter.source
    by_file = {f.path: n for f, n in zip(files, per_file)}
    budget = make_budget(window, reserved, overhead, codebase_tokens, source) if window else None
    return TokenPlan(budget=budget, total_tokens=codebase_tokens, by_directory=directory_tree(by_file), by_file=by_file)


async def analyze(path: str | Path, options: AnalyzeOptions, progress: Progress | None = None,
                  client_factory: Callable[[Endpoint], LLMClient] = LLMClient) -> Report:
    say = progress or (lambda _m: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    prep = prepare(path, options)
    timings["ingest_and_facts_s"] = round(time.perf_counter() - t0, 3)
    say(f"loaded {prep.facts.files_analysed} files ({prep.facts.total_lines:,} lines), skipped {prep.facts.files_skipped}; "
        f"{len(prep.facts.graph.files.cycles)} file cycles")
    specs = agentdefs.load_agents()
    if options.no_llm:
        t1 = time.perf_counter()
        tokens = await plan_tokens(prep, None, None, specs, options.window)
        timings["tokens_s"] = round(time.perf_counter() - t1, 3)
        return build_report(prep.snapshot, prep.facts, tokens, None, None, timings)
    async with client_factory(options.endpoint) as client:
        info = await client.probe()
        say(f"server {info.base_url}: model {info.model}, window {info.max_model_len:,} tokens")
        t1 = time.perf_counter()
        tokens = await plan_tokens(prep, client, info, specs, options.window)
        timings["tokens_s"] = round(time.perf_counter() - t1, 3)
        check_fits(tokens)
        say(f"codebase prompt: {tokens.total_tokens:,} tokens (exact), fits the window")
        t2 = time.perf_counter()
        result = await run_pipeline(client, specs, prep.system, prep.shared_head, prep.snapshot, seed=options.seed,
                                    progress=say, max_details=options.max_details)
        timings["agents_s"] = round(time.perf_counter() - t2, 3)
    timings["total_s"] = round(time.perf_counter() - t0, 3)
    llm = LLMInfo(endpoint=info.base_url, model=info.model, max_model_len=info.max_model_len)
    return build_report(prep.snapshot, prep.facts, tokens, result, llm, timings)
