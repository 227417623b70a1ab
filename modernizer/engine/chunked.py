"""Chunked strategy, for codebases larger than the window: map over modules, then reduce.

Map: each module is its own shared prefix (its code plus a computed summary of how it connects to
the rest), read by every map agent (codebase agents that need no earlier answer), modules running
``concurrency`` at a time so the server's continuous batching stays busy. A module's request is
counted exactly before it is sent; one that does not fit (or that the server rejects) is split
and each half asked. Reduce: the synthesis agent reads a digest (global facts and every module's
findings, never the code) for the system-level view; the agents that need earlier answers (plan,
verdicts) then run on that digest. Findings keep the file and lines their module cited; ids are
renumbered once, globally, with each agent's letter.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable

from modernizer.run.agents import AgentSpec, compact_json, messages, render, render_task, task_inputs
from modernizer.engine import budget
from modernizer.engine.followups import followup_jobs, report_followups
from modernizer.engine.results import AgentRun, ModuleResult, PipelineResult, SourcedFinding
from modernizer.records import ModuleTiming
from modernizer.engine.run import Run, finished_event
from modernizer.engine.schedule import ModulePool, RequestGate, SchedulerStats, module_reservation
from modernizer.engine.sweep import aggregate, candidates_note, fold, plan_slices, slice_note
from modernizer.events import ModuleFinished, ModuleSplit, ReduceStarted, WaveStarted
from modernizer.repo.facts import Facts
from modernizer.run.context import render_file
from modernizer.repo.modules import FilePart, Module, ModulePlan, split_module
from modernizer.findings.schemas import SEVERITIES, AnalyzerOutput
from modernizer.repo.snapshot import Snapshot

DIGEST_MAX_FINDINGS = 150
COMPACT_MAX_FINDINGS = 60  # per earlier agent, in a reduce agent's task
COMPACT_FIELDS = ("id", "severity", "category", "file", "line_start", "title")
MAX_SPLITS = 4  # a module may be halved this many times over when the server counts it too large
PREPARED_AHEAD = 2  # modules whose requests are built and counted before their admission; the rest wait unbuilt
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


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
    return render("module_context.j2", module=module, total=len(plan.modules), facts=facts,
                  imports=cap(imports), imported_by=cap(imported_by), cycles=cycles,
                  split=any(p.end is not None for p in module.parts))


def merge_findings(results: list[ModuleResult], specs: list[AgentSpec]) -> list[SourcedFinding]:
    """Every module's findings from every map agent, ids renumbered globally with the agent's
    letter, locations untouched."""
    out: list[SourcedFinding] = []
    for spec in specs:
        prefix = spec.id_prefix or spec.name[:1].upper()
        n = 0
        for r in results:
            run = next((x for x in r.runs if x.agent == spec.name), None)
            for f in getattr(run.output, "findings", []) if run is not None and run.output is not None else []:
                n += 1
                out.append(SourcedFinding(id=f"{prefix}{n}", agent=spec.name, finding=f.model_copy(update={"id": f"{prefix}{n}"}),
                                          module=r.id))
    return out


def combined_run(spec: AgentSpec, results: list[ModuleResult]) -> AgentRun:
    """One agent over all modules: ok, partial (reasons per module) or failed; findings are merged apart."""
    runs = [x for r in results for x in r.runs if x.agent == spec.name]
    spent = [x for r in results for x in r.superseded if x.agent == spec.name]
    failed = [(r.id, x.error or "failed") for r in results for x in r.runs if x.agent == spec.name and x.status != "ok"]
    return aggregate(spec, runs, failed, spent, "modules")


def by_severity(findings: list[SourcedFinding]) -> list[SourcedFinding]:
    return sorted(findings, key=lambda f: (_RANK.get(f.finding.severity, 9), f.id))


async def map_modules(run: Run, snapshot: Snapshot, facts: Facts, plan: ModulePlan, window: int, concurrency: int,
                      file_tokens: dict[str, int] | None = None, pool_tokens: int | None = None,
                      stats: SchedulerStats | None = None) -> list[ModuleResult]:
    """``concurrency``: requests in flight over all modules; ``pool_tokens``: the server's KV pool,
    which admits modules (schedule.py; None: unknown, at most ``concurrency // agents`` modules)."""
    specs = budget.map_agents(run.agents)
    need = budget.map_reserve(run.agents, window)
    file_lines = {f.path: f.lines for f in snapshot.files}
    sizes = {f.path: (file_tokens or {}).get(f.path, len(f.text) // 4) for f in snapshot.files}
    stats = stats if stats is not None else SchedulerStats()
    pool = ModulePool(pool_tokens, concurrency // max(1, len(specs)), stats)
    gate = RequestGate(concurrency, stats)
    answer = budget.map_answer_tokens(specs, run.thinking_of)
    done_count = 0
    total = len(plan.modules)  # grows by one each time a module is split in two

    def part_tokens(p: FilePart) -> int:
        lines = max(file_lines.get(p.path, 1), 1)
        return sizes.get(p.path, 0) * ((p.end or lines) - p.start + 1) // lines

    ahead = asyncio.Semaphore(PREPARED_AHEAD)

    async def prepared(module: Module) -> list[ModuleResult]:
        """A module's requests (about a megabyte of text each at a 300K-token module, twenty of them)
        are built only when it nears admission, not all modules' at the start: a 4.9M-token tree
        held ~400 MB of request text that way. Plan order is kept (the semaphore wakes in order)."""
        held = True

        def let_next() -> None:
            nonlocal held
            if held:
                held = False
                ahead.release()
        await ahead.acquire()
        try:
            return await one(module, let_next=let_next)
        finally:
            let_next()

    async def one(module: Module, depth: int = 0, parent: str | None = None,
                  let_next: Callable[[], None] = lambda: None) -> list[ModuleResult]:
        """The module's map answers, checked against the server's exact count first: a module the
        plan under-estimated (or that the server rejects as too long) is halved and each half asked.
        A module larger than a slice is swept: each map agent answers once per slice of its files.
        ``let_next``: called once the module holds its place (admitted, or answered from the cache),
        so that the next module's requests get built."""
        nonlocal done_count, total
        head = render_module(snapshot, module) + module_context(plan, module, facts)
        slices = plan_slices([(p.path, part_tokens(p)) for p in module.parts], run.slice_tokens)
        jobs, subjects = [], []
        # the agents that list candidates wait for the static pass, the others (the lead among them) do not
        waiting = [s for s in specs if s.candidates] if not run.candidates_known() else []
        if waiting and len(waiting) == len(specs):
            waiting = []  # nothing to start before the pass ends
        if not waiting:
            await run.candidate_list()

        def requests(s: AgentSpec) -> list[tuple[AgentSpec, list[dict[str, str]], str | None]]:
            inside = [c for c in run.candidates or []
                      if any(p.path == c.file and p.start <= c.line_start <= (p.end or c.line_start) for p in module.parts)]
            task = render_task(s, **task_inputs(run.agents, s, {}))
            cands = inside if s.candidates else None
            if len(slices) > 1:
                return [(s, messages(run.system, head, task + slice_note(files, k, len(slices)) + candidates_note(cands, files)),
                         f"slice {k}/{len(slices)}") for k, files in enumerate(slices, 1)]
            return [(s, messages(run.system, head, task + candidates_note(cands)), None)]

        for s in specs:
            if s not in waiting:
                for spec, msgs, sub in requests(s):
                    jobs.append((spec, msgs))
                    subjects.append(sub)

        async def later() -> list[tuple[AgentSpec, list[dict[str, str]], str | None]]:
            await run.candidate_list()
            out = [r for s in waiting for r in requests(s)]
            jobs.extend((spec, msgs) for spec, msgs, _ in out)  # in answer order: wave() returns these last
            subjects.extend(sub for _, _, sub in out)
            return out

        more = later if waiting else None
        cached = not waiting and all(run.cached(s, m, sub) for (s, m), sub in zip(jobs, subjects))
        longest = max(jobs, key=lambda j: sum(len(m["content"]) for m in j[1]))[1]  # the room must hold the longest slice note
        used = None if cached else await run.llm.tokenize_messages(longest)
        halves = split_module(module, file_lines) if depth < MAX_SPLITS else None
        if used is not None and used + need > window and halves:
            total += 1
            run.events(ModuleSplit(id=module.id, name=module.name, counted=used, planned=module.tokens, window=window))
            return [r for h in halves for r in await one(h, depth + 1, parent or module.id, let_next)]
        timing = None
        if cached:
            let_next()
            answers = await run.wave(jobs, max_tokens=need, subjects=list(subjects))
        else:
            # admitted by the pool (schedule.py); its lead alone until its first token, then its slices together
            # every request the module will send, the ones that wait for the candidates included
            sends = len(specs) * max(1, len(slices))
            reserve = module_reservation(used, sends, gate.limit, answer)
            asked = time.perf_counter()
            async with pool.admit(reserve) as adm:
                let_next()
                first: list[float] = []

                def prefilled() -> None:
                    first.append(time.perf_counter())
                    adm.prefilled()
                answers = await run.wave(list(jobs), max_tokens=budget.room(window, used), subjects=list(subjects), gate=gate,
                                         prefilled=prefilled, more=more)
            since = lambda t: round(t - run.started, 3)  # noqa: E731
            timing = ModuleTiming(queued_s=round(adm.admitted_at - asked, 3), admitted_s=since(adm.admitted_at),
                                  first_token_s=since(first[0]) if first else None, finished_s=since(time.perf_counter()),
                                  requests=sum(a.requests for a in answers), reserved_tokens=reserve)
        if any(r.error_kind == "overflow" for r in answers) and halves:
            total += 1
            run.events(ModuleSplit(id=module.id, name=module.name, planned=module.tokens, window=window, rejected=True))
            pieces = [r for h in halves for r in await one(h, depth + 1, parent or module.id, let_next)]
            pieces[0].superseded.extend(answers)
            return pieces
        runs = [fold(s, [a for (sp, _), a in zip(jobs, answers) if sp is s], module.id)[0] for s in specs]
        done_count += 1
        run.events(ModuleFinished(done=done_count, total=total, id=module.id, name=module.name,
                                  agents=[finished_event(r) for r in runs]))
        return [ModuleResult(id=module.id, name=module.name, files=module.files, tokens=module.tokens, parts=module.parts,
                             split_from=parent, prompt_tokens=used, runs=runs, timing=timing)]

    return [r for rs in await asyncio.gather(*(prepared(m) for m in plan.modules)) for r in rs]


def digest(snapshot: Snapshot, facts: Facts, results: list[ModuleResult], findings: list[SourcedFinding],
           most: int = DIGEST_MAX_FINDINGS) -> str:
    summaries = []
    for r in results:
        described = next((x.output for x in r.runs if x.output is not None and hasattr(x.output, "summary")), None)
        summaries.append({"id": r.id, "name": r.name, "files": len(r.files), "tokens": r.tokens,
                          "summary": described.summary[:300] if described else ""})
    ranked = by_severity(findings)
    shown = [{**f.finding.model_dump(), "id": f.id} for f in ranked[:most]]
    return render("digest.j2", name=snapshot.name, facts=facts, facts_text=render("facts.j2", facts=facts),
                  modules=summaries, findings=shown, omitted=len(ranked) - len(shown))


def compact_outputs(run: Run, spec: AgentSpec, done: dict[str, AgentRun], merged: list[SourcedFinding],
                    most: int = COMPACT_MAX_FINDINGS) -> dict[str, object]:
    """What a reduce agent's template sees of earlier answers: findings agents' lists cut to the
    most severe, so the prompt stays bounded however many modules there are; the synthesis counts
    as a findings agent here (its cross-module findings and the system summary)."""
    outputs: dict[str, str] = {}
    for name, r in done.items():
        if r.role in ("findings", "synthesis"):
            mine = [f for f in by_severity(merged) if f.agent == name][:most]
            data: dict[str, object] = {"findings": [{**f.finding.model_dump(include=set(COMPACT_FIELDS)), "id": f.id} for f in mine]}
            if r.role == "synthesis" and r.output is not None:
                data["summary"] = r.output.summary
            outputs[name] = compact_json(data)
        elif r.output is not None:
            outputs[name] = compact_json(r.output.model_dump())
        else:
            outputs[name] = compact_json(f"(not available: the {name} agent failed: {r.error})")
    values = task_inputs(run.agents, spec, outputs)
    for name, r in done.items():
        if r.role == "synthesis":
            values["by_role"]["findings"][name] = outputs[name]
    return values


async def run_chunked(run: Run, snapshot: Snapshot, facts: Facts, plan: ModulePlan, *, window: int,
                      concurrency: int = 4, file_tokens: dict[str, int] | None = None, pool_tokens: int | None = None,
                      stats: SchedulerStats | None = None) -> PipelineResult:
    """``file_tokens``: tokens per file (the token plan's), to size the sweep's slices in a module;
    ``pool_tokens``: the server's KV pool (modules are admitted by it); ``stats``: filled with the
    scheduler's peaks."""
    async def body() -> PipelineResult:
        results = await map_modules(run, snapshot, facts, plan, window, concurrency, file_tokens, pool_tokens, stats)
        map_specs = budget.map_agents(run.agents)
        merged = merge_findings(results, map_specs)
        done: dict[str, AgentRun] = {s.name: combined_run(s, results) for s in map_specs}
        reserve = budget.reduce_reserve(run.agents, window)
        system_view: list[AgentRun] = []
        synth_spec = run.agents.one("synthesis")
        text = digest(snapshot, facts, results, merged)
        if synth_spec is not None:
            # the digest is the reduce agents' shared prefix: it leaves an eighth of the window for their tasks
            task = render_task(synth_spec)
            shown, msgs, used = await budget.fit_count(run.llm.tokenize_messages, window, reserve + window // 8, DIGEST_MAX_FINDINGS,
                                                       lambda n: messages(run.system, digest(snapshot, facts, results, merged, n), task))
            text = digest(snapshot, facts, results, merged, shown)
            run.events(ReduceStarted(shown=min(shown, len(merged)), total=len(merged)))
            synth = await run.ask(synth_spec, msgs, max_tokens=budget.room(window, used))
            run.finished(synth)
            system_view = [synth]
            done[synth.agent] = synth
            cross = getattr(synth.output, "findings", []) if isinstance(synth.output, AnalyzerOutput) else []
            merged += [SourcedFinding(id=f"{synth_spec.id_prefix or 'X'}{i}", agent=synth.agent, module="system",
                                      finding=f.model_copy(update={"id": f"{synth_spec.id_prefix or 'X'}{i}"}))
                       for i, f in enumerate(cross, 1)]
        details: list[AgentRun] = []
        reduce_specs = [run.agents[n] for w in run.agents.waves() for n in w if run.agents.needs_of(run.agents[n])]
        for spec in reduce_specs:
            run.events(WaveStarted(agents=[spec.name]))
            _, msgs, used = await budget.fit_count(
                run.llm.tokenize_messages, window, reserve, COMPACT_MAX_FINDINGS,
                lambda n, spec=spec: messages(run.system, text, render_task(spec, **compact_outputs(run, spec, done, merged, n))))
            extra = []
            if spec is reduce_specs[-1]:  # follow-ups need the plan; they run beside the last agent, as in single mode
                so_far = PipelineResult(runs=list(done.values()), merged=merged)
                extra = followup_jobs(run, so_far.plan(), merged, snapshot)
            answers = await asyncio.gather(run.ask(spec, msgs, max_tokens=budget.room(window, used)), *extra)
            done[spec.name] = answers[0]
            run.finished(answers[0])
            if extra:
                details = list(answers[1:])
                report_followups(run, details)
        order = [s.name for s in map_specs] + [s.name for s in reduce_specs]
        return PipelineResult(runs=system_view + [done[n] for n in order], details=details, modules=results, merged=merged)

    return await run.measured(body)

