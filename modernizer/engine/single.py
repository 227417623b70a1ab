"""Single-context strategy: every agent reads the whole codebase as one shared, cached prefix.

Wave by wave (``Agents.waves``): the first request of the run goes alone until its first token,
which means vLLM has prefilled and cached the codebase; the others start then and read the prefix
from cache. Follow-ups start as soon as a plan exists, beside the remaining agents.
"""

from __future__ import annotations

import asyncio

from modernizer.agents import compact_json, messages, render_task, task_inputs
from modernizer.engine.followups import followup_jobs, report_followups
from modernizer.engine.results import AgentRun, PipelineResult
from modernizer.engine.run import Run
from modernizer.events import WaveStarted
from modernizer.snapshot import Snapshot


def prior_outputs(done: dict[str, AgentRun], names: list[str]) -> dict[str, str]:
    """Earlier agents' answers as JSON for a template, or why one is missing."""
    out = {}
    for name in names:
        r = done.get(name)
        out[name] = compact_json(r.output.model_dump()) if r is not None and r.output is not None \
            else compact_json(f"(not available: the {name} agent failed: {r.error if r else 'did not run'})")
    return out


async def run_single(run: Run, shared_head: str, snapshot: Snapshot) -> PipelineResult:
    async def body() -> PipelineResult:
        done: dict[str, AgentRun] = {}
        details: list[AgentRun] = []
        followups_started = False
        waves = run.agents.waves()
        for i, wave in enumerate(waves):
            specs = [run.agents[n] for n in wave]
            jobs = [(s, messages(run.system, shared_head, render_task(
                s, **task_inputs(run.agents, s, prior_outputs(done, run.agents.needs_of(s)))))) for s in specs]
            run.events(WaveStarted(agents=wave))
            if i == 0:
                results = await run.wave(jobs)
            else:
                extra = []
                if not followups_started and any(r.role == "plan" and r.output is not None for r in done.values()):
                    so_far = PipelineResult(runs=list(done.values()))
                    extra = followup_jobs(run, so_far.plan(), so_far.findings(), snapshot)
                    followups_started = True
                answers = await asyncio.gather(*(run.ask(s, m) for s, m in jobs), *extra)
                results = list(answers[: len(wave)])
                if extra:
                    details = list(answers[len(wave):])
                    report_followups(run, details)
            for r in results:
                done[r.agent] = r
                run.finished(r)
        if not followups_started:  # the plan came in the last wave: elaborate it now
            so_far = PipelineResult(runs=list(done.values()))
            details = list(await asyncio.gather(*followup_jobs(run, so_far.plan(), so_far.findings(), snapshot)))
            report_followups(run, details)
        return PipelineResult(runs=[done[n] for w in waves for n in w], details=details)

    return await run.measured(body)
