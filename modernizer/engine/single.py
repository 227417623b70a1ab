"""Single-context strategy: every agent reads the whole codebase as one shared, cached prefix.

Wave by wave (``Agents.waves``): the first request of the run goes alone until its first token,
which means vLLM has prefilled and cached the codebase; the others start then and read the prefix
from cache. Findings agents are *swept* (``sweep.py``): one request per slice of the files, all
over the same prefix, ``run.concurrency`` at a time; verdicts agents judge the merged findings in
batches their schema holds; other agents (the plan) answer once, reading the findings cut to the
most severe. Follow-ups start as soon as a plan exists, beside the remaining agents.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from modernizer.run.agents import AgentSpec, compact_json, messages, render_task, task_inputs
from modernizer.engine.followups import followup_jobs, report_followups
from modernizer.engine.results import AgentRun, PipelineResult, SourcedFinding
from modernizer.engine.run import Run
from modernizer.engine.sweep import aggregate, candidates_note, fold, plan_slices, slice_note, split_by_candidates
from modernizer.events import WaveStarted
from modernizer.findings.schemas import SEVERITIES
from modernizer.repo.snapshot import Snapshot

COMPACT_FIELDS = ("id", "severity", "category", "cwe", "file", "line_start", "line_end", "title")
COMPACT_MAX_FINDINGS = 80  # per findings agent, in a later agent's task
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def compact(findings: list[SourcedFinding], most: int = COMPACT_MAX_FINDINGS) -> str:
    ranked = sorted(findings, key=lambda f: (_RANK.get(f.finding.severity, 9), f.id))[:most]
    return compact_json({"findings": [{**f.finding.model_dump(include=set(COMPACT_FIELDS)), "id": f.id} for f in ranked]})


class _State:
    """What the waves have produced so far: each agent's (aggregate) run, the merged findings of
    the swept agents, and every request's own run (slices, batches)."""

    def __init__(self) -> None:
        self.done: dict[str, AgentRun] = {}
        self.findings: dict[str, list[SourcedFinding]] = {}
        self.parts: list[AgentRun] = []

    def outputs(self, names: list[str]) -> dict[str, str]:
        out = {}
        for name in names:
            r = self.done.get(name)
            if name in self.findings:
                out[name] = compact(self.findings[name])
            elif r is not None and r.output is not None:
                out[name] = compact_json(r.output.model_dump())
            else:
                out[name] = compact_json(f"(not available: the {name} agent failed: {r.error if r else 'did not run'})")
        return out

    def merged(self) -> list[SourcedFinding]:
        return [f for fs in self.findings.values() for f in fs]


async def run_single(run: Run, shared_head: str, snapshot: Snapshot, file_tokens: dict[str, int] | None = None,
                     candidates: Awaitable[list] | None = None) -> PipelineResult:
    """``file_tokens``: tokens per file (the token plan's), to size the sweep's slices.
    ``candidates``: the static pass, still running: agents that read candidates are asked once it is
    done and the run's first request has its first token (the pass uses the CPU while the server
    prefills the codebase on the GPU)."""
    sizes = [(f.path, (file_tokens or {}).get(f.path, len(f.text) // 4)) for f in snapshot.files]
    slices = plan_slices(sizes, run.slice_tokens)
    pending = candidates

    async def known() -> None:
        nonlocal pending
        if pending is not None:
            run.candidates = list(await pending)
            pending = None

    def findings_requests(spec: AgentSpec, base: str) -> list[tuple[str, list[dict[str, str]]]]:
        cands = run.candidates if spec.candidates else None
        mine = split_by_candidates(slices, cands) if cands else slices
        if len(mine) > 1:
            return [(f"slice {k}/{len(mine)}",
                     messages(run.system, shared_head, base + slice_note(files, k, len(mine)) + candidates_note(cands, files)))
                    for k, files in enumerate(mine, 1)]
        return [("", messages(run.system, shared_head, base + candidates_note(cands)))]

    async def body() -> PipelineResult:
        state = _State()
        details: list[AgentRun] = []
        followups_started = False
        waves = run.agents.waves()
        sem = asyncio.Semaphore(max(1, run.concurrency))

        async def limited(coro):  # noqa: ANN001, ANN202
            async with sem:
                return await coro

        def task(spec: AgentSpec, outputs: dict[str, str]) -> str:
            return render_task(spec, **task_inputs(run.agents, spec, outputs))

        for i, wave in enumerate(waves):
            jobs: list[tuple[AgentSpec, str, list]] = []  # (agent, kind, [(label, messages)])
            late: list[tuple[AgentSpec, str, list]] = []  # findings agents that wait for the candidates
            wants = [run.agents[n] for n in wave if run.agents[n].role == "findings" and run.agents[n].candidates]
            if pending is not None and wants and (i > 0 or len(wants) == len(wave)):
                await known()  # nothing to overlap the pass with here
            for name in wave:
                spec = run.agents[name]
                base = task(spec, state.outputs(run.agents.needs_of(spec)))
                if spec in wants and pending is not None:
                    late.append((spec, spec.role, []))  # its requests are built in more(), below
                    continue
                if spec.role == "findings":
                    reqs = findings_requests(spec, base)
                elif spec.role == "verdicts":
                    reqs = _verdict_batches(run, spec, state, shared_head, task)
                else:
                    reqs = [("", messages(run.system, shared_head, base))]
                jobs.append((spec, spec.role, reqs))
            flat = [(spec, label, msgs) for spec, _, reqs in jobs for label, msgs in reqs]

            async def more(late=late) -> list:  # noqa: ANN001
                await known()
                out = []
                for spec, _, reqs in late:
                    reqs.extend(findings_requests(spec, task(spec, state.outputs(run.agents.needs_of(spec)))))
                    out += [(spec, msgs, label or None) for label, msgs in reqs]
                return out

            jobs += late
            run.events(WaveStarted(agents=wave, requests=len(flat) + (len(slices) if late else 0) * len(late)))
            extra = []
            if i and not followups_started and any(r.role == "plan" and r.output is not None for r in state.done.values()):
                so_far = PipelineResult(runs=list(state.done.values()), merged=state.merged())
                extra = followup_jobs(run, so_far.plan(), state.merged(), snapshot)
                followups_started = True
            if i == 0:  # the first request alone until its first token: then the prefix is cached
                answers = list(await run.wave([(sp, m) for sp, _, m in flat], subjects=[lab or None for _, lab, _ in flat],
                                              limit=run.concurrency, more=more if late else None))
                answers += list(await asyncio.gather(*extra))
            else:
                answers = list(await asyncio.gather(*(limited(run.ask(s, m, subject=label or None)) for s, label, m in flat), *extra))
            size = sum(len(reqs) for _, _, reqs in jobs)
            results, tail = answers[:size], answers[size:]
            if extra:
                details = list(tail)
                report_followups(run, details)
            k = 0
            for spec, kind, reqs in jobs:
                mine = results[k:k + len(reqs)]
                k += len(reqs)
                if kind == "findings":
                    state.done[spec.name], state.findings[spec.name] = fold(spec, mine)
                elif kind == "verdicts" and len(mine) > 1:
                    failures = [(r.subject or "?", r.error or "failed") for r in mine if r.status != "ok"]
                    agg = aggregate(spec, mine, failures, what="batches", from_cache=all(r.from_cache for r in mine))
                    agg.output = _merged_verdicts(mine)
                    state.done[spec.name] = agg
                else:
                    state.done[spec.name] = mine[0]
                if len(mine) > 1:
                    state.parts.extend(mine)
                run.finished(state.done[spec.name])
        if not followups_started:  # the plan came in the last wave: elaborate it now
            so_far = PipelineResult(runs=list(state.done.values()), merged=state.merged())
            details = list(await asyncio.gather(*followup_jobs(run, so_far.plan(), state.merged(), snapshot)))
            report_followups(run, details)
        return PipelineResult(runs=[state.done[n] for w in waves for n in w], details=details, merged=state.merged(),
                              parts=state.parts)

    return await run.measured(body)


def _verdict_batches(run: Run, spec: AgentSpec, state: _State, head: str, task) -> list[tuple[str, list[dict[str, str]]]]:  # noqa: ANN001
    """The verdicts agent's requests: the merged findings in batches its answer can hold (its
    schema's verdict bound), each batch shown in place of the whole findings list."""
    cap = _bound(spec, "verdicts") or 35
    findings = sorted(state.merged(), key=lambda f: (_RANK.get(f.finding.severity, 9), f.id))
    batches = [findings[i:i + cap] for i in range(0, len(findings), cap)] or [[]]
    names = run.agents.needs_of(spec)
    reqs = []
    for k, batch in enumerate(batches, 1):
        outputs = state.outputs(names)
        for name in names:
            if name in state.findings:
                outputs[name] = compact([f for f in batch if f.agent == name], most=cap)
        label = f"batch {k}/{len(batches)}" if len(batches) > 1 else ""
        reqs.append((label, messages(run.system, head, task(spec, outputs))))
    return reqs


def _bound(spec: AgentSpec, field: str) -> int | None:
    """The most items the agent's output schema allows in ``field`` (its answer's bound)."""
    info = spec.output_model.model_fields.get(field)
    return next((m.max_length for m in (info.metadata if info else []) if getattr(m, "max_length", None)), None)


def _merged_verdicts(runs: list[AgentRun]):  # noqa: ANN202 - the verdicts agent's output model, or None
    """Every batch's verdicts; the plan's risks once each (every batch sees the same plan)."""
    ok = [r.output for r in runs if r.output is not None]
    if not ok:
        return None
    risks, seen = [], set()
    for out in ok:
        for risk in getattr(out, "plan_risks", []):
            if (risk.plan_id, risk.risk) not in seen:
                seen.add((risk.plan_id, risk.risk))
                risks.append(risk)
    return type(ok[0]).model_construct(verdicts=[v for out in ok for v in out.verdicts], plan_risks=risks)
