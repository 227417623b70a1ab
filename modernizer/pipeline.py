"""Runs the agent DAG over one shared, cached codebase prefix.

Wave by wave (analyzer+security, modernization, validator): the first request of the run goes
alone until its first token arrives, which means vLLM has prefilled and cached the codebase; the
others start then and read the prefix from cache. Each answer is validated against its pydantic
model; an invalid answer is re-asked once with the error (appended after the prefix, so the
re-ask is cached too), then recorded as a failure with every attempt while the run goes on.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from modernizer import agents as agentdefs
from modernizer.agents import AgentSpec
from modernizer.client import LLMClient, PrefixCacheCounters, ServerStuck
from modernizer.context import render_file
from modernizer.errors import ContextOverflow, ModernizerError
from modernizer.resultcache import ResultCache, request_key
from modernizer.schemas import ModernizationOutput, fit_schema, json_schema
from modernizer.snapshot import Snapshot

MAX_DETAILS = 8          # plan items elaborated by short-context follow-ups
EXCERPT_CONTEXT = 12     # lines shown around each cited range in a follow-up
EXCERPT_MAX_LINES = 160  # per follow-up, so that it stays a short-context request


class Attempt(BaseModel):
    error: str
    finish_reason: str | None = None
    text_head: str = Field(default="", description="the first 600 characters of what the model wrote")


class AgentRun(BaseModel):
    agent: str
    status: Literal["ok", "failed", "partial"]
    output: dict[str, Any] | None = None
    error: str | None = None
    error_kind: Literal["overflow", "server", "invalid", "truncated"] | None = Field(
        default=None, description="overflow: the server said the prompt does not fit (chunked mode splits the module and retries)")
    attempts: list[Attempt] = Field(default_factory=list)
    requests: int = 0
    prompt_tokens: int = 0
    cached_tokens: int | None = None
    completion_tokens: int = 0
    wall_s: float = 0.0
    ttft_s: float | None = None
    template_hash: str = ""
    subject: str | None = Field(default=None, description="for follow-ups: the plan item they elaborate")
    from_cache: bool = Field(default=False, description="taken from the result cache: no request was made this run")


class PipelineResult(BaseModel):
    runs: list[AgentRun] = Field(default_factory=list)
    details: list[AgentRun] = Field(default_factory=list)
    prefix_cache: PrefixCacheCounters | None = Field(default=None, description="vLLM /metrics delta over the run, in tokens")
    wall_s: float = 0.0

    def run(self, agent: str) -> AgentRun | None:
        return next((r for r in self.runs if r.agent == agent), None)


Progress = Callable[[str], None]
TRUNCATION_MARGIN = 0.75


async def ask(client: LLMClient, spec: AgentSpec, msgs: list[dict[str, str]], *, seed: int | None,
              on_first_token: Callable[[], None] | None = None, subject: str | None = None,
              cache: ResultCache | None = None, max_tokens: int | None = None,
              schema: dict[str, Any] | None = None) -> AgentRun:
    """One agent's answer, validated, with one re-ask on an invalid answer; cached when it succeeds.

    A re-ask after an answer cut off at max_tokens goes out under ``fit_schema``: a schema whose
    longest answer fits the request's room, so the retry completes instead of overflowing again.

    ``schema``: a narrower JSON schema than the output model's for this one request (the review's
    fix request names the only file it may edit); the answer is still validated against the model."""
    schema = schema or json_schema(spec.output_model)
    limit = min(spec.max_tokens, max_tokens) if max_tokens else spec.max_tokens
    key = answer_key(client, spec, msgs, schema, seed, subject)
    if cache is not None:
        hit = cache.get(key, AgentRun)
        if hit is not None:
            if on_first_token:
                on_first_token()
            return hit.model_copy(update={"from_cache": True, "requests": 0})
    run = await _ask_model(client, spec, msgs, schema, limit, seed, on_first_token, subject)
    if cache is not None and run.status == "ok":
        cache.put(key, run)
    return run


def answer_key(client: LLMClient, spec: AgentSpec, msgs: list[dict[str, str]], schema: dict[str, Any] | None,
               seed: int | None, subject: str | None = None) -> str:
    """The result-cache key of one request. ``max_tokens`` is not part of it: it only decides
    whether an answer is cut off, and a cut-off answer is never cached, so a request whose room was
    computed differently (an estimate, an exact count) still finds the answer it already has."""
    return request_key(client.model or "", {"messages": msgs, "schema": schema or json_schema(spec.output_model),
                                            "temperature": spec.temperature, "seed": seed, "subject": subject})


async def _ask_model(client: LLMClient, spec: AgentSpec, msgs: list[dict[str, str]], schema: dict[str, Any], limit: int,
                     seed: int | None, on_first_token: Callable[[], None] | None, subject: str | None) -> AgentRun:
    model = spec.output_model
    run = AgentRun(agent=spec.name, status="failed", template_hash=agentdefs.template_hash(spec), subject=subject)
    t0 = time.perf_counter()
    convo = list(msgs)
    label = spec.name + (f" {subject}" if subject else "")
    for attempt in range(2):
        try:
            comp = await client.chat(convo, max_tokens=limit, temperature=spec.temperature, seed=seed,
                                     schema=schema, schema_name=spec.output, label=label,
                                     on_first_token=on_first_token if attempt == 0 else None)
        except ServerStuck:
            raise  # a silent server stops the run: every later request would wait the same way
        except ModernizerError as exc:
            run.requests += getattr(exc, "requests", 1)
            run.error = exc.message
            run.error_kind = "overflow" if isinstance(exc, ContextOverflow) else "server"
            run.attempts.append(Attempt(error=exc.message))
            break
        finally:
            if attempt == 0 and on_first_token:
                on_first_token()  # never leave the wave waiting on a failed leader
        run.requests += comp.requests
        run.prompt_tokens += comp.usage.prompt_tokens
        run.completion_tokens += comp.usage.completion_tokens
        if comp.usage.cached_tokens is not None:
            run.cached_tokens = (run.cached_tokens or 0) + comp.usage.cached_tokens
        if run.ttft_s is None:
            run.ttft_s = comp.ttft_s
        error = _validate(model, comp.text, comp.finish_reason)
        if error is None:
            run.status, run.error, run.error_kind = "ok", None, None
            run.output = model.model_validate_json(comp.text).model_dump()
            break
        run.attempts.append(Attempt(error=error, finish_reason=comp.finish_reason, text_head=comp.text[:600]))
        run.error = error
        run.error_kind = "truncated" if comp.finish_reason == "length" else "invalid"
        if comp.finish_reason == "length":
            # the same schema could overflow again: retry under one whose longest answer fits, at the
            # characters per token this answer showed, with a margin
            per_token = len(comp.text) / max(comp.usage.completion_tokens, 1)
            schema = fit_schema(schema, int(limit * per_token * TRUNCATION_MARGIN))
            convo = list(msgs) + [{"role": "user", "content": (
                f"Your previous answer was cut off after {comp.usage.completion_tokens} tokens, the most this request may write. "
                "Answer again with one complete JSON object: fewer items and shorter text (the schema now enforces it).")}]
        else:
            convo = list(msgs) + [
                {"role": "assistant", "content": comp.text[:4000]},
                {"role": "user", "content": f"That answer was not valid: {error}\nAnswer again with one complete JSON object that matches the schema, shorter if needed."},
            ]
    run.wall_s = round(time.perf_counter() - t0, 3)
    return run


def _validate(model: type[BaseModel], text: str, finish_reason: str | None) -> str | None:
    if finish_reason == "length":
        return "the answer was cut off at max_tokens (truncated JSON)"
    try:
        model.model_validate_json(text)
    except ValidationError as exc:
        errs = exc.errors()[:5]
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in errs)
    return None


def prior_outputs(done: dict[str, AgentRun], needs: list[str]) -> dict[str, str]:
    out = {}
    for name in needs:
        run = done.get(name)
        out[name] = json.dumps(run.output, separators=(",", ":"), ensure_ascii=False) if run and run.output is not None \
            else f'"(not available: the {name} agent failed: {run.error if run else "did not run"})"'
    return out


async def run_pipeline(client: LLMClient, specs: dict[str, AgentSpec], system: str, shared_head: str,
                       snapshot: Snapshot, *, seed: int | None = 0, progress: Progress | None = None,
                       max_details: int = MAX_DETAILS, cache: ResultCache | None = None) -> PipelineResult:
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    before = await client.prefix_cache()
    done: dict[str, AgentRun] = {}
    details: list[AgentRun] = []
    waves = agentdefs.topo_order(specs)
    followups = plan_followups(specs)
    for i, wave in enumerate(waves):
        def task_for(name: str) -> list[dict[str, str]]:
            spec = specs[name]
            task = agentdefs.render(spec.template, outputs=prior_outputs(done, spec.needs))
            return agentdefs.messages(system, shared_head, task)

        say(f"agents: {', '.join(wave)}")
        if i == 0:
            results = await shared_prefix_wave(client, [(specs[n], task_for(n)) for n in wave], seed=seed, cache=cache)
        else:
            extra = []
            if i == len(waves) - 1:
                extra = detail_jobs(client, followups, done, snapshot, seed, system, max_details, cache)
            results_all = await asyncio.gather(*(ask(client, specs[n], task_for(n), seed=seed, cache=cache) for n in wave), *extra)
            results = list(results_all[: len(wave)])
            details = list(results_all[len(wave):])
            if details:
                say(f"plan details: {sum(d.status == 'ok' for d in details)}/{len(details)} ok")
        for r in results:
            done[r.agent] = r
            say(f"  {r.agent}: {r.status} ({r.prompt_tokens} prompt, {r.cached_tokens or 0} cached, {r.completion_tokens} out, {r.wall_s:.1f}s)")
    after = await client.prefix_cache()
    result = PipelineResult(runs=[done[n] for w in waves for n in w], details=details,
                            wall_s=round(time.perf_counter() - t0, 3))
    if before is not None and after is not None:
        result.prefix_cache = after.minus(before)
    return result


def plan_followups(specs: dict[str, AgentSpec]) -> list[AgentSpec]:
    """The short-context agents that elaborate plan items (plan_detail). Other cited agents (fix)
    run at review time, not in an analysis."""
    return [s for s in specs.values() if s.context == "cited" and "modernization" in s.needs]


async def shared_prefix_wave(client: LLMClient, jobs: list[tuple[AgentSpec, list[dict[str, str]]]], *, seed: int | None,
                            cache: ResultCache | None = None, max_tokens: int | None = None) -> list[AgentRun]:
    """Requests sharing one prefix: the first goes alone until its first token (the prefix is then
    prefilled and cached by vLLM), the others start then and read the prefix from cache."""
    (lead_spec, lead_msgs), rest = jobs[0], jobs[1:]
    warmed = asyncio.Event()
    lead = asyncio.create_task(ask(client, lead_spec, lead_msgs, seed=seed, on_first_token=warmed.set, cache=cache, max_tokens=max_tokens))
    try:
        # the lead's first token, or its end: a lead that fails before answering must not leave the others waiting
        waiter = asyncio.create_task(warmed.wait())
        await asyncio.wait({lead, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        others = await asyncio.gather(*(ask(client, sp, m, seed=seed, cache=cache, max_tokens=max_tokens) for sp, m in rest))
        return [await lead, *others]
    finally:
        if not lead.done():
            lead.cancel()
        elif not lead.cancelled():
            lead.exception()  # retrieved: the caller sees the error that stopped the wave, not a stray log line


def detail_jobs(client: LLMClient, followups: list[AgentSpec], done: dict[str, AgentRun], snapshot: Snapshot,
                seed: int | None, system: str, max_details: int, cache: ResultCache | None = None) -> list:
    plan = done.get("modernization")
    if not followups or plan is None or plan.output is None:
        return []
    spec = followups[0]
    items = ModernizationOutput.model_validate(plan.output).items[:max_details]
    findings = {f["id"]: f for name in ("analyzer", "security") if done.get(name) and done[name].output
                for f in done[name].output.get("findings", [])}
    jobs = []
    for item in items:
        cited = [findings[i] for i in item.addresses if i in findings]
        excerpts = cited_excerpts(snapshot, cited, item.files)
        task = agentdefs.render(spec.template, item=item, findings=cited, excerpts=excerpts)
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": task}]
        jobs.append(ask(client, spec, msgs, seed=seed, subject=item.id, cache=cache))
    return jobs


def cited_excerpts(snapshot: Snapshot, findings: list[dict[str, Any]], files: list[str]) -> str:
    """Only the lines the item cites (with some context), so the follow-up is a short-context request."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    for f in findings:
        ranges.setdefault(f["file"], []).append((int(f["line_start"]), int(f["line_end"])))
    for path in files:
        ranges.setdefault(path, [])
    parts: list[str] = []
    budget = EXCERPT_MAX_LINES
    for path, spans in ranges.items():
        src = snapshot.file(path)
        if src is None or budget <= 0:
            continue
        if not spans:
            spans = [(1, min(src.lines, 40))]
        for a, b in sorted(spans):
            lo, hi = max(1, a - EXCERPT_CONTEXT), min(src.lines, b + EXCERPT_CONTEXT, max(1, a - EXCERPT_CONTEXT) + budget - 1)
            if lo > hi:
                continue
            parts.append(render_file(src, lo, hi))
            budget -= hi - lo + 1
    return "\n".join(parts) if parts else "(no cited code could be found in the repository)"
