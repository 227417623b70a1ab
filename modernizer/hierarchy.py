"""Hierarchical analysis for codebases larger than the window: map over modules, then reduce.

Map: each module is rendered as its own shared prefix (its code plus a computed summary of how it
connects to the rest), and the analyzer and security agents share that prefix, modules running
concurrently up to ``concurrency`` so the server's continuous batching stays busy. Reduce: the
synthesis agent reads a digest (global facts + every module's findings, never the code) and gives
the system-level view; modernization and validator then run on that digest. Findings keep the
file and lines the module reviewers cited; ids are renumbered once, globally.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from modernizer import agents as agentdefs
from modernizer.agents import AgentSpec
from modernizer.client import LLMClient
from modernizer.context import render_file
from modernizer.facts import Facts
from modernizer.modules import FilePart, Module, ModulePlan, split_module
from modernizer.pipeline import (AgentRun, PipelineResult, answer_key, ask, detail_jobs, plan_followups, prior_outputs,
                                 shared_prefix_wave)
from modernizer.resultcache import ResultCache
from modernizer.schemas import SEVERITIES
from modernizer.snapshot import Snapshot

DIGEST_MAX_FINDINGS = 150
COMPACT_MAX_FINDINGS = 60  # per earlier agent, in a reduce agent's task
MIN_OUTPUT_TOKENS = 256


MAX_SPLITS = 4  # a module may be halved this many times over when the server counts it too large


class ModuleResult(BaseModel):
    id: str
    name: str
    files: list[str]
    tokens: int
    parts: list[FilePart] = Field(default_factory=list, description="what it read: whole files, or line ranges")
    split_from: str | None = Field(default=None, description="the planned module this one is a piece of, when the server counted that one too large")
    prompt_tokens: int | None = Field(default=None, description="its first request, counted by the server (None: answered from the cache)")
    runs: list[AgentRun] = Field(default_factory=list)
    superseded: list[AgentRun] = Field(default_factory=list, description="requests the server rejected as too long before the split (counted, not used)")


def render_module(snapshot: Snapshot, module: Module) -> str:
    parts = []
    for p in module.parts:
        f = snapshot.file(p.path)
        if f is not None:
            parts.append(render_file(f, p.start, p.end or f.lines))
    return f"REPOSITORY: {snapshot.name}, MODULE {module.id}: {module.name}\n\n" + "\n".join(parts)


def module_context(plan: ModulePlan, module: Module, facts: Facts) -> str:
    owner: dict[str, str] = {}
    for m in plan.modules:
        for p in m.parts:
            owner.setdefault(p.path, m.id)
    mine = set(module.files)
    names = {m.id: f"{m.id} {m.name}" for m in plan.modules}
    imports: dict[str, set[str]] = defaultdict(set)
    imported_by: dict[str, set[str]] = defaultdict(set)
    for e in facts.graph.edges:
        if e.source in mine and e.target not in mine and e.target in owner:
            imports[names[owner[e.target]]].add(e.target.rsplit("/", 1)[-1])
        if e.target in mine and e.source not in mine and e.source in owner:
            imported_by[names[owner[e.source]]].add(e.source.rsplit("/", 1)[-1])
    cycles = [c for c in facts.graph.files.cycles if mine & set(c)][:10]
    cap = lambda d: [(k, sorted(v)[:8]) for k, v in sorted(d.items())][:12]  # noqa: E731
    return agentdefs.render("module_context.j2", module=module, total=len(plan.modules), facts=facts,
                            imports=cap(imports), imported_by=cap(imported_by), cycles=cycles,
                            split=any(p.end is not None for p in module.parts))


def merge_findings(results: list[ModuleResult], agent: str, prefix: str) -> list[dict[str, Any]]:
    """Every module's findings for one agent, ids renumbered globally, locations untouched."""
    out = []
    for r in results:
        run = next((x for x in r.runs if x.agent == agent), None)
        if run is None or run.output is None:
            continue
        for f in run.output.get("findings", []):
            out.append({**f, "id": f"{prefix}{len(out) + 1}", "module": r.id})
    return out


def _combined_run(agent: str, results: list[ModuleResult], output: dict[str, Any] | None) -> AgentRun:
    """One agent over all modules: ok, partial (some modules failed: their reasons are kept, one
    per module) or failed (none succeeded)."""
    runs = [x for r in results for x in r.runs if x.agent == agent]
    spent = runs + [x for r in results for x in r.superseded if x.agent == agent]  # what the server was sent
    failed = [(r.id, x.error or "failed") for r in results for x in r.runs if x.agent == agent and x.status != "ok"]
    cached = [x.cached_tokens for x in spent if x.cached_tokens is not None]
    status = "ok" if output is not None and not failed else ("partial" if len(failed) < len(runs) else "failed")
    error = None
    if failed:
        shown = "; ".join(f"{m}: {why}" for m, why in failed[:20])
        error = f"failed in {len(failed)} of {len(runs)} modules: {shown}" + (f"; ... {len(failed) - 20} more" if len(failed) > 20 else "")
    return AgentRun(
        agent=agent, status=status, output=output, error=error,
        requests=sum(x.requests for x in spent), prompt_tokens=sum(x.prompt_tokens for x in spent),
        cached_tokens=sum(cached) if cached else None, completion_tokens=sum(x.completion_tokens for x in spent),
        wall_s=round(max((x.wall_s for x in runs), default=0.0), 3),
    )  # an aggregate, never "from cache" itself: the modules' own entries say which were


async def run_hierarchy(client: LLMClient, specs: dict[str, AgentSpec], system: str, snapshot: Snapshot, facts: Facts,
                        plan: ModulePlan, *, window: int, overhead: int, seed: int | None = 0, concurrency: int = 4,
                        progress: Callable[[str], None] | None = None, cache: ResultCache | None = None,
                        max_details: int = 8) -> tuple[PipelineResult, list[ModuleResult]]:
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    before = await client.prefix_cache()
    map_agents = [s for s in specs.values() if s.context == "codebase" and not s.needs]
    reduce_agents = [s for s in specs.values() if s.context == "codebase" and s.needs]
    sem = asyncio.Semaphore(max(1, concurrency))
    done_count = 0

    need = min(max(s.max_tokens for s in map_agents), window // 4)  # room the map answers want
    file_lines = {f.path: f.lines for f in snapshot.files}

    async def one(module: Module, depth: int = 0, parent: str | None = None) -> list[ModuleResult]:
        """The module's map answers, checked against the server's exact count first: a module the
        plan under-estimated (or that the server rejects as too long) is halved and each half asked."""
        nonlocal done_count
        head = render_module(snapshot, module) + module_context(plan, module, facts)
        jobs = [(s, agentdefs.messages(system, head, agentdefs.render(s.template, outputs={}))) for s in map_agents]
        cached = cache is not None and all(cache.has(answer_key(client, s, m, None, seed)) for s, m in jobs)
        used = None if cached else await client.tokenize_messages(jobs[0][1])
        halves = split_module(module, file_lines) if depth < MAX_SPLITS else None
        if used is not None and used + need > window and halves:
            say(f"module {module.id} {module.name}: {used:,} tokens by the server's count (planned {module.tokens:,}); "
                f"over the {window:,}-token window with room to answer, so it is split in two")
            return [r for h in halves for r in await one(h, depth + 1, parent or module.id)]
        room = max(MIN_OUTPUT_TOKENS, window - used) if used is not None else need
        async with sem:
            runs = await shared_prefix_wave(client, jobs, seed=seed, cache=cache, max_tokens=room)
        if any(r.error_kind == "overflow" for r in runs) and halves:
            say(f"module {module.id} {module.name}: the server rejected it as too long; split in two and asked again")
            parts = [r for h in halves for r in await one(h, depth + 1, parent or module.id)]
            parts[0].superseded.extend(runs)
            return parts
        done_count += 1
        hits = sum(r.from_cache for r in runs)
        say(f"module {done_count}/{len(plan.modules)} {module.id} {module.name}: "
            + ", ".join(f"{r.agent} {r.status}" + (" (cached)" if r.from_cache else
                        f" {r.completion_tokens / max(r.wall_s, 1e-3):.0f} tok/s" if r.status == "ok" else f" ({r.error})")
                        for r in runs)
            + (f"; {hits} from cache" if hits else ""))
        return [ModuleResult(id=module.id, name=module.name, files=module.files, tokens=module.tokens, parts=module.parts,
                             split_from=parent, prompt_tokens=used, runs=runs)]

    results = [r for rs in await asyncio.gather(*(one(m) for m in plan.modules)) for r in rs]

    security = merge_findings(results, "security", "S")
    module_analyzer = merge_findings(results, "analyzer", "A")
    synth_spec = next(s for s in specs.values() if s.context == "digest")
    synth_task = agentdefs.render(synth_spec.template)
    reserve = min(max(s.max_tokens for s in [synth_spec, *reduce_agents]), window // 4)
    # the digest is the reduce agents' shared prefix: it leaves an eighth of the window for their tasks
    shown, synth_msgs, used = await fit_count(client, window, reserve + window // 8, DIGEST_MAX_FINDINGS, lambda n: agentdefs.messages(
        system, _digest(snapshot, facts, plan, results, security + module_analyzer, n), synth_task))
    digest = _digest(snapshot, facts, plan, results, security + module_analyzer, shown)
    say(f"synthesis over the module results ({shown} of {len(security) + len(module_analyzer)} findings in its digest)")
    synth = await ask(client, synth_spec, synth_msgs, seed=seed, cache=cache, max_tokens=_room(window, used))
    synth_out = synth.output or {"summary": "", "tech_stack": [], "components": [], "findings": []}
    cross = [{**f, "id": f"X{i}", "module": "system"} for i, f in enumerate(synth_out.get("findings", []), 1)]
    done: dict[str, AgentRun] = {
        "analyzer": _combined_run("analyzer", results, {**synth_out, "findings": module_analyzer + cross}),
        "security": _combined_run("security", results, {"findings": security}),
    }
    details: list[AgentRun] = []
    ordered = sorted(reduce_agents, key=lambda s: len(s.needs))  # modernization, then validator
    followups = plan_followups(specs)
    for spec in ordered:
        say(f"agents: {spec.name}")
        _, msgs, used = await fit_count(client, window, reserve, COMPACT_MAX_FINDINGS, lambda n, spec=spec: agentdefs.messages(
            system, digest, agentdefs.render(spec.template, outputs=_compact_outputs(done, spec.needs, n))))
        # plan details need the plan; they run beside the last agent, as in single-context mode
        extra = detail_jobs(client, followups, done, snapshot, seed, system, max_details, cache) if spec is ordered[-1] else []
        res = await asyncio.gather(ask(client, spec, msgs, seed=seed, cache=cache, max_tokens=_room(window, used)), *extra)
        done[spec.name] = res[0]
        details.extend(res[1:])
    after = await client.prefix_cache()
    order = [s.name for s in map_agents] + [s.name for s in ordered]
    result = PipelineResult(runs=[synth] + [done[n] for n in order], details=details, wall_s=round(time.perf_counter() - t0, 3))
    if before is not None and after is not None:
        result.prefix_cache = after.minus(before)
    return result, results


async def fit_count(client: LLMClient, window: int, reserve: int, most: int,
                    build: Callable[[int], list[dict[str, str]]]) -> tuple[int, list[dict[str, str]], int]:
    """The largest n <= most for which the request ``build(n)`` leaves ``reserve`` tokens of the window
    free, with that request and its size in tokens.

    Counted by the server's own tokenizer; each miss cuts n in proportion to the overshoot, so a few
    /tokenize calls settle it. 0 when even the empty version does not fit (the request then fails
    with the server's own message, which names the sizes)."""
    n = most
    while True:
        msgs = build(n)
        used = await client.tokenize_messages(msgs)
        if used + reserve <= window or n == 0:
            return n, msgs, used
        n = max(0, min(n - 1, int(n * (window - reserve) / used)))


def _room(window: int, prompt_tokens: int) -> int:
    return max(MIN_OUTPUT_TOKENS, window - prompt_tokens)


def _compact_outputs(done: dict[str, AgentRun], needs: list[str], most: int = COMPACT_MAX_FINDINGS) -> dict[str, str]:
    """Earlier outputs for the reduce agents, with finding lists cut to the most severe, so the
    prompt stays bounded however many modules there are."""
    trimmed = {}
    for name in needs:
        run = done.get(name)
        if run and run.output and "findings" in run.output:
            out = dict(run.output)
            out["findings"] = [{k: f[k] for k in ("id", "severity", "category", "file", "line_start", "title")}
                               for f in _by_severity(out["findings"])[:most]]
            trimmed[name] = run.model_copy(update={"output": out})
        elif run:
            trimmed[name] = run
    return prior_outputs(trimmed, needs)


def _by_severity(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (order.get(f["severity"], 9), f["id"]))


def _digest(snapshot: Snapshot, facts: Facts, plan: ModulePlan, results: list[ModuleResult], findings: list[dict[str, Any]],
            most: int = DIGEST_MAX_FINDINGS) -> str:
    summaries = []
    for r in results:
        run = next((x for x in r.runs if x.agent == "analyzer"), None)
        summary = (run.output or {}).get("summary", "") if run else ""
        summaries.append({"id": r.id, "name": r.name, "files": len(r.files), "tokens": r.tokens, "summary": summary[:300]})
    ranked = _by_severity(findings)
    shown = ranked[:most]
    return agentdefs.render("digest.j2", name=snapshot.name, facts=facts, facts_text=agentdefs.render("facts.j2", facts=facts),
                            modules=summaries, findings=shown, omitted=len(ranked) - len(shown))

