"""The analyze job: ingest -> facts -> token plan -> agents -> report, with I/O only at the ends.

``plan_tokens`` and ``analyze`` take an already-built client (or none), so tests and the CLI
decide where the network is; the functions in between are pure.
"""

from __future__ import annotations

import time
from typing import Literal
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from modernizer import agents as agentdefs
from modernizer.client import Endpoint, LLMClient, ServerInfo
from modernizer.context import TokenPlan, check_fits, directory_tree, make_budget, render_codebase, render_file
from modernizer.errors import InputError
from modernizer.facts import Facts, compute_facts
from modernizer.ingest import IngestOptions, load_snapshot
from modernizer.hierarchy import run_hierarchy
from modernizer.modules import ModulePlan, plan_modules
from modernizer.pipeline import run_pipeline
from modernizer.resultcache import ResultCache, default_cache_dir
from modernizer.userdirs import inside
from modernizer.report import LLMInfo, Report
from modernizer.assemble import ModuleRun, build_report
from modernizer.snapshot import Snapshot
from modernizer.suppressions import load_suppressions
from modernizer.baseline import compare, present_in
from modernizer.tokens import TiktokenCounter, TokenSource


class AnalyzeOptions(BaseModel):
    endpoint: Endpoint = Field(default_factory=Endpoint)
    ingest: IngestOptions = Field(default_factory=IngestOptions)
    no_llm: bool = False
    seed: int | None = 0
    max_details: int = 8
    window: int | None = Field(default=None, description="override the window (for --plan without a server)")
    mode: Literal["auto", "single", "modules"] = "auto"
    concurrency: int = Field(default=4, ge=1, description="modules analysed at once in chunked mode")
    cache_dir: Path | None = None
    use_cache: bool = True


class Prepared(BaseModel):
    """What the model-free half of a run produces."""

    snapshot: Snapshot
    facts: Facts
    system: str
    shared_head: str
    frame: str = Field(default="", description="everything in the shared prefix that is not a file: system prompt, header, facts")


Progress = Callable[[str], None]


def prepare(path: str | Path, options: AnalyzeOptions) -> Prepared:
    snapshot = load_snapshot(path, options.ingest)
    if not snapshot.files:
        why = f" ({len(snapshot.skipped)} files were left out; see --exclude/--max-file-bytes)" if snapshot.skipped else ""
        raise InputError(f"{path}: nothing to analyse: no readable source files{why}",
                         "point modernize at the root of a source tree")
    facts = compute_facts(snapshot)
    system = agentdefs.render("system.j2")
    facts_text = agentdefs.render("facts.j2", facts=facts)
    codebase = render_codebase(snapshot)
    header = codebase[: codebase.index("\n\n") + 2] if "\n\n" in codebase else ""
    return Prepared(snapshot=snapshot, facts=facts, system=system, shared_head=codebase + facts_text,
                    frame=system + header + facts_text)


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
        window = window or info.max_model_len
        per_file = await client.tokenize_texts(rendered)
        frame_tokens, task_tokens = await client.tokenize_texts([prep.frame, longest_task])
        codebase_tokens = sum(per_file) + frame_tokens + len(files)  # a joining newline per file at most
        detail = f"/tokenize of {info.model}, summed per file"
        if codebase_tokens <= window * 1.1:
            # Near the window the decision must be exact: count the whole first request as the
            # server's chat template builds it. Far from it, the per-file sum decides as well.
            whole = await client.tokenize_messages(agentdefs.messages(prep.system, prep.shared_head, longest_task))
            codebase_tokens, detail = whole - task_tokens, f"/tokenize of {info.model}"
        overhead = task_tokens + inputs
        source = TokenSource(kind="server", exact=True, detail=detail)
    else:
        counter = TiktokenCounter()
        per_file = counter.count_many(rendered)
        frame_tokens, overhead_raw = counter.count_many([prep.frame, longest_task])
        codebase_tokens = sum(per_file) + frame_tokens  # each count already carries the estimate's margin
        overhead = overhead_raw + inputs
        source = counter.source
    by_file = {f.path: n for f, n in zip(files, per_file)}
    budget = make_budget(window, reserved, overhead, codebase_tokens, source) if window else None
    return TokenPlan(budget=budget, total_tokens=codebase_tokens, by_directory=directory_tree(by_file), by_file=by_file)


MODULE_CONTEXT_ALLOWANCE = 800  # tokens for a module's computed context block (imports, users, cycles)


def module_budget(window: int, specs: dict[str, agentdefs.AgentSpec], task_tokens: int) -> tuple[int, int]:
    """(tokens of code per module, prompt overhead per module request) for chunked mode.

    The output reserve is capped at a quarter of the window so that small windows still leave room
    for code; each request's max_tokens is then clamped to what its module leaves free.
    """
    map_specs = [s for s in specs.values() if s.context == "codebase" and not s.needs]
    reserve = min(max(s.max_tokens for s in map_specs), window // 4)
    overhead = task_tokens + MODULE_CONTEXT_ALLOWANCE
    return int((window - reserve - overhead) * 0.9), overhead


def chunk_plan(prep: Prepared, tokens: TokenPlan, specs: dict[str, agentdefs.AgentSpec]) -> tuple[ModulePlan, int]:
    """The module plan for chunked mode and the per-request prompt overhead it assumed."""
    window = tokens.budget.window
    task_tokens = tokens.budget.overhead - _reserve(specs)[1]
    budget, overhead = module_budget(window, specs, task_tokens)
    plan = plan_modules(tokens.by_file, {f.path: f.lines for f in prep.snapshot.files}, prep.facts.graph.edges, budget)
    return plan, overhead


def use_modules(options: AnalyzeOptions, tokens: TokenPlan) -> bool:
    fits = tokens.budget is not None and tokens.budget.fits
    return options.mode == "modules" or (options.mode == "auto" and not fits)


def cache_location(options: AnalyzeOptions, root: str | Path) -> Path | None:
    """Where this run's result cache lives; a cache inside the analysed tree is refused (exit 2):
    the tree is untrusted and could ship its own answers there."""
    if not options.use_cache:
        return None
    directory = Path(options.cache_dir).expanduser() if options.cache_dir else default_cache_dir(root)
    if inside(directory, root):
        raise InputError(f"--cache-dir {directory} is inside the analysed repository",
                         "keep the cache outside it (the default is per user: "
                         f"{default_cache_dir(root)}); a repository could ship answers of its own there")
    return directory


def open_cache(directory: Path | None, warn: Progress) -> ResultCache | None:
    return ResultCache.open(directory, warn) if directory is not None else None


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


async def analyze(path: str | Path, options: AnalyzeOptions, progress: Progress | None = None,
                  client_factory: Callable[[Endpoint], LLMClient] = LLMClient,
                  baseline: Report | None = None, baseline_source: str = "") -> Report:
    """``baseline``: an earlier report to mark findings new/unchanged against and list the fixed
    ones (see baseline.py); the repo's modernize-suppressions.toml is read and applied."""
    say = progress or (lambda _m: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cache_dir = cache_location(options, path) if not options.no_llm else None  # refused before any work
    prep = prepare(path, options)
    suppressions = load_suppressions(prep.snapshot.root)  # a broken file stops the run before any model call
    timings["ingest_and_facts_s"] = round(time.perf_counter() - t0, 3)
    say(f"loaded {prep.facts.files_analysed} files ({prep.facts.total_lines:,} lines), skipped {prep.facts.files_skipped}; "
        f"{len(prep.facts.graph.files.cycles)} file cycles")
    specs = agentdefs.load_agents()
    if options.no_llm:
        t1 = time.perf_counter()
        tokens = await plan_tokens(prep, None, None, specs, options.window)
        timings["tokens_s"] = round(time.perf_counter() - t1, 3)
        report = build_report(prep.snapshot, prep.facts, tokens, None, None, timings, notes=tool_notes(prep.snapshot.root))
        if baseline is not None:
            report.notes.append("--baseline was not applied: with --no-llm there are no findings to compare.")
        return report
    modules: ModuleRun | None = None
    async with client_factory(options.endpoint) as client:
        client.on_wait = say
        info = await client.probe()
        cache = open_cache(cache_dir, say)  # only once a server answers: a failed run leaves nothing behind
        say(f"server {info.base_url}: model {info.model}, window {info.max_model_len:,} tokens")
        t1 = time.perf_counter()
        tokens = await plan_tokens(prep, client, info, specs, options.window)
        timings["tokens_s"] = round(time.perf_counter() - t1, 3)
        t2 = time.perf_counter()
        if not use_modules(options, tokens):
            check_fits(tokens)
            say(f"codebase prompt: {tokens.total_tokens:,} tokens (exact), fits the window: one shared context")
            result = await run_pipeline(client, specs, prep.system, prep.shared_head, prep.snapshot, seed=options.seed,
                                        progress=say, max_details=options.max_details, cache=cache)
        else:
            plan, overhead = chunk_plan(prep, tokens, specs)
            window = tokens.budget.window
            say(f"codebase prompt: {tokens.total_tokens:,} tokens, over the {window:,}-token window: "
                f"{len(plan.modules)} modules of at most {plan.budget:,} tokens, {len(plan.cross_edges)} cross-module edges")
            result, module_results = await run_hierarchy(
                client, specs, prep.system, prep.snapshot, prep.facts, plan, window=window, overhead=overhead,
                seed=options.seed, concurrency=options.concurrency, progress=say, cache=cache, max_details=options.max_details)
            modules = ModuleRun(plan=plan, results=module_results)
        timings["agents_s"] = round(time.perf_counter() - t2, 3)
    timings["total_s"] = round(time.perf_counter() - t0, 3)
    llm = LLMInfo(endpoint=info.base_url, model=info.model, max_model_len=info.max_model_len)
    report = build_report(prep.snapshot, prep.facts, tokens, result, llm, timings, modules=modules,
                          notes=tool_notes(prep.snapshot.root) + cache_notes(cache),
                          cache=cache.stats if cache else None, suppressions=suppressions)
    if baseline is not None:
        report = compare(report, baseline, baseline_source, present=present_in(prep.snapshot))
    return report
