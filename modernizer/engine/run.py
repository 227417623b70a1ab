"""The run context: everything the engine's layers share, passed whole (instead of seed, cache,
system prompt, progress and limits threaded through every call)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from modernizer.run.agents import Agents, AgentSpec
from modernizer.engine.asker import answer_key, ask
from modernizer.engine.budget import thinking_of  # noqa: F401 - defined there, where a plan without a server reads it
from modernizer.engine.llm import LLM
from modernizer.engine.results import AgentRun, PipelineResult
from modernizer.defaults import SLICE_TOKENS
from modernizer.events import AgentFinished, Event, ignore
from modernizer.run.resultcache import ResultCache

MAX_DETAILS = 8  # plan items elaborated by short-context follow-ups


@dataclass
class Run:
    llm: LLM
    agents: Agents
    system: str
    seed: int | None = 0
    cache: ResultCache | None = None
    events: Callable[[Event], None] = ignore
    max_details: int = MAX_DETAILS
    concurrency: int = 4
    slice_tokens: int = SLICE_TOKENS
    candidates: list[Any] | None = None  # the static pass's candidates, once known (chunked mode reads them)
    # the static pass while it still runs (chunked mode): only the requests that list candidates wait for it
    pending_candidates: Awaitable[list[Any]] | None = None
    thinking: str = "agents"  # agents: each agent's own policy (its TOML); on/off: every agent
    started: float = field(default_factory=time.perf_counter)

    async def ask(self, spec: AgentSpec, msgs: list[dict[str, str]], *, max_tokens: int | None = None,
                  schema: dict[str, Any] | None = None, subject: str | None = None,
                  on_first_token: Callable[[], None] | None = None) -> AgentRun:
        return await ask(self.llm, spec, msgs, seed=self.seed, on_first_token=on_first_token, subject=subject,
                         cache=self.cache, max_tokens=max_tokens, schema=schema, thinking=self.thinking_of(spec))

    def candidates_known(self) -> bool:
        """Whether the candidates can be read without waiting (known, none coming, or the pass has ended)."""
        pending = self.pending_candidates
        return self.candidates is not None or pending is None or bool(getattr(pending, "done", lambda: False)())

    async def candidate_list(self) -> list[Any]:
        """The static pass's candidates, waiting for the pass if it still runs."""
        if self.candidates is None and self.pending_candidates is not None:
            self.candidates = list(await self.pending_candidates)
        return self.candidates or []

    def thinking_of(self, spec: AgentSpec) -> tuple[bool, int]:
        return thinking_of(self.thinking, spec)

    def cached(self, spec: AgentSpec, msgs: list[dict[str, str]], subject: str | None = None) -> bool:
        """Whether this request's answer is in the result cache already (no request needed)."""
        return self.cache is not None and self.cache.has(answer_key(self.llm.model, spec, msgs, None, self.seed, subject,
                                                                    self.thinking_of(spec)))

    async def wave(self, jobs: list[tuple[AgentSpec, list[dict[str, str]]]], max_tokens: int | None = None,
                   subjects: list[str | None] | None = None, limit: int | None = None,
                   more: Callable[[], Awaitable[list[tuple[AgentSpec, list[dict[str, str]], str | None]]]] | None = None,
                   gate: Any = None, prefilled: Callable[[], None] | None = None) -> list[AgentRun]:
        """Requests sharing one prefix: the first goes alone until its first token (the prefix is then
        prefilled and cached by vLLM), the others start then and read the prefix from cache, at most
        ``limit`` in flight at once (the lead included; None: all). ``more``: requests that can only be
        built later (they list the static pass's candidates, computed while the lead prefills),
        awaited once the lead has its first token and sent with the others; their answers come last.
        ``gate``: a ``schedule.RequestGate`` every request passes (the run's requests in flight over
        all modules); ``prefilled``: called once the lead has its first token (or has ended)."""
        subjects = subjects or [None] * len(jobs)
        (lead_spec, lead_msgs), rest = jobs[0], jobs[1:]
        warmed = asyncio.Event()
        sem = asyncio.Semaphore(max(1, limit - 1) if limit else 1 << 20)

        async def gated(spec: AgentSpec, msgs: list[dict[str, str]], subject: str | None,
                        on_first_token: Callable[[], None] | None = None) -> AgentRun:
            if gate is None:
                return await self.ask(spec, msgs, max_tokens=max_tokens, subject=subject, on_first_token=on_first_token)
            async with gate.slot(lead=on_first_token is not None):
                return await self.ask(spec, msgs, max_tokens=max_tokens, subject=subject, on_first_token=on_first_token)

        async def one(spec: AgentSpec, msgs: list[dict[str, str]], subject: str | None) -> AgentRun:
            async with sem:
                return await gated(spec, msgs, subject)

        lead = asyncio.create_task(gated(lead_spec, lead_msgs, subjects[0], warmed.set))
        try:
            # the lead's first token, or its end: a lead that fails before answering must not leave the others waiting
            waiter = asyncio.create_task(warmed.wait())
            await asyncio.wait({lead, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if prefilled is not None:
                prefilled()
            started = [asyncio.ensure_future(one(sp, m, s)) for (sp, m), s in zip(rest, subjects[1:])]
            try:
                late = await more() if more is not None else []
                started += [asyncio.ensure_future(one(sp, m, s)) for sp, m, s in late]
                others = await asyncio.gather(*started)
            except BaseException:
                for t in started:
                    t.cancel()
                raise
            return [await lead, *others]
        finally:
            if not lead.done():
                lead.cancel()
            elif not lead.cancelled():
                lead.exception()  # retrieved: the caller sees the error that stopped the wave, not a stray log line

    def finished(self, run: AgentRun) -> None:
        self.events(finished_event(run))

    async def measured(self, body: Callable[[], Awaitable[PipelineResult]]) -> PipelineResult:
        """``body``'s result with the prefix-cache counters it moved and its wall time."""
        before = await self.llm.prefix_cache()
        t0 = time.perf_counter()
        result = await body()
        after = await self.llm.prefix_cache()
        result.wall_s = round(time.perf_counter() - t0, 3)
        if before is not None and after is not None:
            result.prefix_cache = after.minus(before)
        return result


def finished_event(run: AgentRun) -> AgentFinished:
    return AgentFinished(agent=run.agent, status=run.status, prompt_tokens=run.prompt_tokens, cached_tokens=run.cached_tokens,
                         completion_tokens=run.completion_tokens, thinking_tokens=run.thinking_tokens, wall_s=run.wall_s, from_cache=run.from_cache, error=run.error,
                         requests=run.requests)
