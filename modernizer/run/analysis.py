"""The analyze job: ingest -> facts -> token plan -> engine -> report, with I/O only at the ends.

``plan_tokens`` and ``analyze`` take an already-built client (or none), so tests and the CLI
decide where the network is; the functions in between are pure. What happens is told as events
(``modernizer.events``), which the caller shows.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, PrivateAttr

from modernizer.run.agents import Agents, load_agents, messages, render, render_task, task_inputs
from modernizer.run.context import RENDER_VERSION, TokenPlan, codebase_header, directory_tree, render_codebase, render_file, render_files
from modernizer.repo.countcache import TokenCounts, digest
from modernizer.defaults import SLICE_TOKENS
from modernizer.llm.endpoint import Endpoint
from modernizer.engine import budget
from modernizer.errors import InputError
from modernizer.repo.facts import Facts, compute_facts
from modernizer.repo.ingest import IngestOptions, load_snapshot
from modernizer.repo.derivedcache import cached_plan
from modernizer.repo.modules import ModulePlan
from modernizer.repo.snapshot import Snapshot
from modernizer.repo.tokens import TiktokenCounter, TokenSource
from modernizer.userdirs import inside
from modernizer.run.candidatespass import candidates_pass, check_rules
from modernizer.run.server import prefix_caching_off, served_test_model, server_pool, watching

if TYPE_CHECKING:  # what only a run with a server needs is imported there (a plan's start-up stays short)
    from modernizer.events import Events
    from modernizer.run.resultcache import ResultCache
    from modernizer.llm.client import ServerInfo
    from modernizer.engine.llm import LLM
    from modernizer.report import Report


class AnalyzeOptions(BaseModel):
    endpoint: Endpoint = Field(default_factory=Endpoint)
    ingest: IngestOptions = Field(default_factory=IngestOptions)
    no_llm: bool = False
    seed: int | None = 0
    max_details: int = 8
    window: int | None = Field(default=None, description="override the window (for --plan without a server)")
    mode: Literal["auto", "single", "modules"] = "auto"
    concurrency: int = Field(default=4, ge=1, description=(
        "requests in flight at once: sweep slices, or in chunked mode every module's requests together (modules are "
        "admitted by the server's KV pool)"))
    module_tokens: int | Literal["auto", "max"] = Field(default="auto", description=(
        "chunked mode's module size: auto (two modules fit the server's KV pool, within the window), max (the largest "
        "the window allows) or a number of tokens"))
    slice_tokens: int = Field(default=SLICE_TOKENS, ge=1000, description="tokens of code one findings request answers for (the sweep)")
    cache_dir: Path | None = None
    use_cache: bool = True
    agents_dir: Path | None = Field(default=None, description="agent definitions to use instead of the shipped ones")
    candidates: bool = Field(default_factory=lambda: os.environ.get("MODERNIZE_CANDIDATES", "on").lower() not in ("0", "off", "false", "no"),
                             description="run the static candidates pass (Semgrep OSS, our rules); $MODERNIZE_CANDIDATES=off turns it off")
    rules: list[Path] = Field(default_factory=list, description="more Semgrep rule files for the candidates pass")
    thinking: Literal["agents", "on", "off"] = Field(default="agents", description=(
        "agents: each agent's policy (agents/*.toml: security and validator think within a budget); on/off: every agent"))
    watch_server: float | None = Field(default=None, description=(
        "seconds between readings of the server's /metrics told to the events (a live view's prefill progress, "
        "tokens/s, cache hits); None: not read"))

    def agents(self) -> Agents:
        return load_agents(self.agents_dir)


class Prepared(BaseModel):
    """What the model-free half of a run produces. The codebase prompt itself (``shared_head``) is
    rendered when first asked for: a plan (`--plan`, `--no-llm`) never needs it."""

    snapshot: Snapshot
    facts: Facts
    system: str
    facts_text: str
    frame: str = Field(default="", description="everything in the shared prefix that is not a file: system prompt, header, facts")
    _head: str | None = PrivateAttr(default=None)
    _rendered: list[str] | None = PrivateAttr(default=None)
    _estimate: Future | None = PrivateAttr(default=None)  # tiktoken counts, started while the facts are computed

    def rendered(self) -> list[str]:
        """Each file as the prompt shows it, in path order (rendered once, kept)."""
        if self._rendered is None:
            self._rendered = render_files(self.snapshot)
        return self._rendered

    @property
    def shared_head(self) -> str:
        if self._head is None:
            self._head = render_codebase(self.snapshot, self.rendered()) + self.facts_text
        return self._head


def prepare(path: str | Path, options: AnalyzeOptions) -> Prepared:
    snapshot = load_snapshot(path, options.ingest)
    if not snapshot.files:
        why = f" ({len(snapshot.skipped)} files were left out; see --exclude/--max-file-bytes)" if snapshot.skipped else ""
        roles = sorted({s.role for s in snapshot.set_aside})
        if roles:
            why += f" ({len(snapshot.set_aside)} files were set aside by role: {', '.join(roles)})"
        raise InputError(f"{path}: nothing to analyse: no readable source files{why}",
                         f"--include-role {roles[0]} analyses the {roles[0]} files" if roles else "point modernize at the root of a source tree")
    # Without a server the token counts are tiktoken's, which encodes outside the GIL: start them
    # now, so they run on the other core while the facts (Python, in this thread) are computed.
    estimate = _EXECUTOR.submit(estimate_files, sorted(snapshot.files, key=lambda f: f.path)) if options.no_llm else None
    facts = compute_facts(snapshot)
    system = render("system.j2")
    facts_text = render("facts.j2", facts=facts)
    header = codebase_header(snapshot)
    prep = Prepared(snapshot=snapshot, facts=facts, system=system, facts_text=facts_text, frame=system + header + facts_text)
    prep._estimate = estimate
    return prep


_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="modernize-estimate")


def estimate_files(files: list) -> list[int]:  # SourceFiles in path order
    """tiktoken estimates per file, from the per-user cache where the file was counted before."""
    counter = TiktokenCounter()
    return _read_through(counter, [file_key(f) for f in files], lambda idx: counter.count_files([files[i] for i in idx]))


def estimate_texts(texts: list[str]) -> list[int]:
    """tiktoken estimates of whole texts (the prompt around the files, the longest task), read back
    from the per-user cache where the same text was counted before: on an unchanged tree's re-run,
    loading the tokenizer for these two counts alone was ~0.1 s of a ~0.35 s run (flask)."""
    counter = TiktokenCounter()
    return _read_through(counter, [digest(f"text\0{t}") for t in texts], lambda idx: counter.count_many([texts[i] for i in idx]))


def _read_through(counter: TiktokenCounter, keys: list[str], count: Callable[[list[int]], list[int]]) -> list[int]:
    """The counts under ``keys`` from the per-user cache; ``count`` (given the missing positions) counts
    only what is not there, and the cache keeps it."""
    store = TokenCounts(counter.cache_name)
    missing = [i for i, k in enumerate(keys) if store.get(k) is None]
    if missing:
        for i, n in zip(missing, count(missing)):
            store.put(keys[i], n)
        store.save()
    return [store.get(k) for k in keys]  # type: ignore[misc]


async def plan_tokens(prep: Prepared, client: LLM | None, info: ServerInfo | None, agents: Agents,
                      window: int | None = None) -> TokenPlan:
    files = sorted(prep.snapshot.files, key=lambda f: f.path)
    reserved, inputs = budget.reserve(agents)
    longest_task = max((render_task(s, **task_inputs(agents, s, {})) for s in agents.codebase()), key=len, default="")
    if client is not None and info is not None:
        window = window or info.max_model_len
        store = TokenCounts(f"server-{await client.tokenizer_fingerprint()}")

        async def exact(indexes: list[int]) -> list[int]:  # the server counts each file as the prompt shows it
            return await client.tokenize_texts([render_file(files[i]) for i in indexes])

        per_file = await counted(store, [file_key(f) for f in files], exact)
        frame_tokens, task_tokens = await client.tokenize_texts([prep.frame, longest_task])
        codebase_tokens = sum(per_file) + frame_tokens + len(files)  # a joining newline per file at most
        detail = f"/tokenize of {info.model}, summed per file"
        if codebase_tokens <= window * 1.1:
            # Near the window the decision must be exact: count the whole first request as the
            # server's chat template builds it. Far from it, the per-file sum decides as well.
            whole = await client.tokenize_messages(messages(prep.system, prep.shared_head, longest_task))
            codebase_tokens, detail = whole - task_tokens, f"/tokenize of {info.model}"
        overhead = task_tokens + inputs
        source = TokenSource(kind="server", exact=True, detail=detail)
    else:
        counter = TiktokenCounter()
        per_file = prep._estimate.result() if prep._estimate is not None else estimate_files(files)
        frame_tokens, overhead_raw = estimate_texts([prep.frame, longest_task])
        codebase_tokens = sum(per_file) + frame_tokens  # each count already carries the estimate's margin
        overhead = overhead_raw + inputs
        source = counter.source
    by_file = {f.path: n for f, n in zip(files, per_file)}
    plan_budget = budget.make_budget(window, reserved, overhead, codebase_tokens, source) if window else None
    return TokenPlan(budget=plan_budget, total_tokens=codebase_tokens, by_directory=directory_tree(by_file), by_file=by_file)


def file_key(f) -> str:  # noqa: ANN001 - a SourceFile
    """What a file's count depends on: its path, language and content (and how it is rendered)."""
    return digest(f"{RENDER_VERSION}\0{f.path}\0{f.language}\0{f.sha256}")


async def counted(store: TokenCounts, keys: list[str], count) -> list[int]:  # noqa: ANN001
    """Token counts per file, from ``store`` where this file was counted before by the same
    tokenizer; the rest counted now (``count`` takes their indexes) and kept for the next run."""
    missing = [i for i, k in enumerate(keys) if store.get(k) is None]
    if missing:
        for i, n in zip(missing, await count(missing)):
            store.put(keys[i], n)
        store.save()
    return [store.get(k) for k in keys]  # type: ignore[misc]


def chunk_plan(prep: Prepared, tokens: TokenPlan, agents: Agents, options: "AnalyzeOptions | None" = None,
               pool_tokens: int | None = None) -> tuple[ModulePlan, budget.ModuleSize]:
    """The module plan for chunked mode, its modules sized for the window and the server's KV pool
    (``budget.module_size``; ``options.module_tokens`` overrides)."""
    from functools import partial

    from modernizer.engine.schedule import SUFFIX_ALLOWANCE

    options = options or AnalyzeOptions()
    window = tokens.budget.window
    room, overhead = budget.module_budget(window, agents, budget.task_tokens(tokens.budget, agents))
    k = max(1, options.concurrency)
    answer = budget.map_answer_tokens(budget.map_agents(agents), partial(budget.thinking_of, options.thinking))
    size = budget.module_size(room, pool_tokens, overhead + (k - 1) * SUFFIX_ALLOWANCE + k * answer, options.module_tokens)
    # an unchanged tree's plan is read back (derivedcache): on a 2,000-file Java tree it was ~1.5 s of a 3.4 s re-run
    plan = cached_plan(tokens.by_file, {f.path: f.lines for f in prep.snapshot.files}, prep.facts.graph.edges, size.tokens)
    return plan, size


def use_modules(options: AnalyzeOptions, tokens: TokenPlan) -> bool:
    fits = tokens.budget is not None and tokens.budget.fits
    return options.mode == "modules" or (options.mode == "auto" and not fits)


def cache_location(options: AnalyzeOptions, root: str | Path) -> Path | None:
    """Where this run's result cache lives; a cache inside the analysed tree is refused (exit 2):
    the tree is untrusted and could ship its own answers there."""
    if not options.use_cache:
        return None
    from modernizer.run.resultcache import default_cache_dir

    directory = Path(options.cache_dir).expanduser() if options.cache_dir else default_cache_dir(root)
    if inside(directory, root):
        raise InputError(f"--cache-dir {directory} is inside the analysed repository",
                         "keep the cache outside it (the default is per user: "
                         f"{default_cache_dir(root)}); a repository could ship answers of its own there")
    return directory


def open_cache(directory: Path | None, events: Events) -> ResultCache | None:
    from modernizer.events import Note
    from modernizer.run.resultcache import ResultCache

    return ResultCache.open(directory, lambda text: events(Note(text=text))) if directory is not None else None


def cache_notes(cache: ResultCache | None) -> list[str]:
    if cache is None:
        return []
    s, notes = cache.stats, []
    if s.disabled:
        notes.append(f"The result cache was turned off during the run ({s.disabled}): finished answers were not kept for a re-run.")
    if s.corrupt:
        notes.append(f"{s.corrupt} damaged result-cache entries in {s.directory} were treated as misses and asked again.")
    if s.write_errors:
        notes.append(f"{s.write_errors} answers could not be written to the result cache {s.directory}.")
    return notes


def tool_notes(root: str | Path) -> list[str]:
    """What the run noticed about modernizer's own files in the tree (never read)."""
    legacy = Path(root) / ".modernize" / "cache"
    if legacy.is_dir():
        return [f"{legacy} was not read: a result cache inside the analysed tree (from an older modernizer, or shipped with "
                "the code) is never trusted; the cache now lives per user, outside the tree."]
    return []


async def analyze(path: str | Path, options: AnalyzeOptions, events: Events | None = None,
                  client_factory: Callable[[Endpoint], LLM] | None = None,
                  baseline: Report | None = None, baseline_source: str = "") -> Report:
    """``baseline``: an earlier report to mark findings new/unchanged against and list the fixed
    ones (see baseline.py); the repo's modernize-suppressions.toml is read and applied.
    ``client_factory``: how to reach the server (default: ``client.LLMClient``)."""
    from modernizer.run.assemble import ModuleRun, build_report
    from modernizer.findings.baseline import compare, present_in
    from modernizer.llm.client import LLMClient
    from modernizer.engine import Run, run_chunked, run_single
    from modernizer.engine.schedule import SchedulerStats
    from modernizer.events import Loaded, Phase, Planned, ServerFound, ignore
    from modernizer.report import LLMInfo
    from modernizer.findings.suppressions import load_suppressions

    client_factory = client_factory or LLMClient
    events = events or ignore
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cache_dir = cache_location(options, path)  # refused before any work; --no-llm keeps only the candidates there
    check_rules(options)
    events(Phase(name="loading files and computing facts"))
    prep = prepare(path, options)
    suppressions = load_suppressions(prep.snapshot.root)  # a broken file stops the run before any model call
    timings["ingest_and_facts_s"] = round(time.perf_counter() - t0, 3)
    events(Loaded(files=prep.facts.files_analysed, lines=prep.facts.total_lines, skipped=prep.facts.files_skipped,
                  cycles=len(prep.facts.graph.files.cycles), cycles_truncated=prep.facts.graph.files.cycles_truncated))
    agents = options.agents()
    if options.no_llm:  # no server is asked: the phase says what runs instead
        events(Phase(name="static pass, no model", detail="Semgrep candidates and token estimates" if options.candidates
                     else "token estimates"))
        t1 = time.perf_counter()
        pending = asyncio.ensure_future(candidates_pass(prep.snapshot, options, cache_dir, events))
        tokens = await plan_tokens(prep, None, None, agents, options.window)
        timings["tokens_s"] = round(time.perf_counter() - t1, 3)
        cands = await pending
        timings["candidates_s"] = round(time.perf_counter() - t1, 3)
        report = build_report(prep.snapshot, prep.facts, tokens, None, None, timings, notes=tool_notes(prep.snapshot.root),
                              candidates=cands)
        if baseline is not None:
            report.notes.append("--baseline was not applied: with --no-llm there are no findings to compare.")
        return report
    modules: ModuleRun | None = None
    events(Phase(name="asking the server", detail=options.endpoint.base_url))
    async with client_factory(options.endpoint) as client, watching(client, events, options.watch_server):
        client.on_event = events
        info = await client.probe()
        # started now: it runs on the CPU beside the token count and the first request's prefill
        t_c = time.perf_counter()
        pending = asyncio.ensure_future(candidates_pass(prep.snapshot, options, cache_dir, events))

        async def candidate_list() -> list:
            found = await pending
            timings["candidates_s"] = round(time.perf_counter() - t_c, 3)
            return [] if isinstance(found, str) else found.candidates
        cache = open_cache(cache_dir, events)  # only once a server answers: a failed run leaves nothing behind
        events(ServerFound(url=info.base_url, model=info.model, window=info.max_model_len))
        t1 = time.perf_counter()
        tokens = await plan_tokens(prep, client, info, agents, options.window)
        timings["tokens_s"] = round(time.perf_counter() - t1, 3)
        t2 = time.perf_counter()
        run = Run(llm=client, agents=agents, system=prep.system, seed=options.seed, cache=cache, events=events,
                  max_details=options.max_details, concurrency=options.concurrency,
                  slice_tokens=options.slice_tokens, thinking=options.thinking)
        server_notes = []
        if await prefix_caching_off(client):
            # every slice would read the whole codebase again: one request per agent instead
            run.slice_tokens = 1 << 40
            server_notes.append("The server runs without prefix caching (vLLM's cache_config_info says so): every request "
                                "reads the whole codebase again, so each findings agent was asked once, not swept over slices.")
        if not use_modules(options, tokens):
            budget.check_fits(tokens)
            events(Planned(tokens=tokens.total_tokens, window=tokens.budget.window if tokens.budget else info.max_model_len))
            result = await run_single(run, prep.shared_head, prep.snapshot, tokens.by_file, candidates=asyncio.ensure_future(candidate_list()))
        else:
            pool = await server_pool(client, options.endpoint.base_url)
            plan, size = chunk_plan(prep, tokens, agents, options, pool)
            window = tokens.budget.window
            events(Planned(tokens=tokens.total_tokens, window=window, modules=len(plan.modules), module_budget=plan.budget,
                           cross_edges=len(plan.cross_edges), fits=tokens.budget.fits, module_reason=size.reason))
            run.pending_candidates = asyncio.ensure_future(candidate_list())  # only the requests that list them wait
            stats = SchedulerStats()
            result = await run_chunked(run, prep.snapshot, prep.facts, plan, window=window, concurrency=options.concurrency,
                                       file_tokens=tokens.by_file, pool_tokens=pool, stats=stats)
            modules = ModuleRun(plan=plan, results=result.modules or [], size=size, scheduler=stats)
        timings["agents_s"] = round(time.perf_counter() - t2, 3)
        admission = [getattr(client, "endpoint_note", None), getattr(client, "admission_note", None), getattr(client, "thinking_note", None)]
        cands = await pending
    timings["total_s"] = round(time.perf_counter() - t0, 3)
    llm = LLMInfo(endpoint=info.base_url, model=info.model, max_model_len=info.max_model_len,
                  test_model=served_test_model(info))
    report = build_report(prep.snapshot, prep.facts, tokens, result, llm, timings, modules=modules,
                          notes=tool_notes(prep.snapshot.root) + cache_notes(cache) + server_notes + [n for n in admission if n],
                          cache=cache.stats if cache else None, suppressions=suppressions, candidates=cands)
    if baseline is not None:
        report = compare(report, baseline, baseline_source, present=present_in(prep.snapshot))
    return report
