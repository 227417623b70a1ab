"""Chunked mode's scheduler: modules admitted by the server's KV-cache pool, one prefill at a time.

A GPU's KV pool holds a fixed number of tokens. Requests over one cached module prefix share its
blocks (sixteen slices cost one module plus sixteen short suffixes); requests over different
modules do not. At a 1M-class window the pool may hold one module, and eight modules' leads sent
at once queue behind each other's prefills until their clocks fire (seen on an H100: a 896,948-token
pool, 7 modules of up to 788,378 tokens, 8 leads at once, "modules 0/7" after 6 minutes). So:

- a module is admitted when its reservation (its prompt, plus each request it may have in flight:
  the request's own suffix and the longest answer it may write, thinking included) fits what the
  modules already admitted leave of the pool; the first module is always admitted;
- only one module is reading its prefix at a time (the *prefill baton*, held from admission to its
  lead's first token): prefill is compute-bound, two at once only finish both later, while the
  slices of modules already read decode beside it. The next module's lead starts as soon as the
  previous lead has its first token, if the pool has room;
- admission is first come, first served (plan order): a large module is not overtaken forever;
- with no pool known (a server without ``cache_config_info``), at most ``fallback_modules`` in flight.

Requests in flight over all modules are bounded by the run's ``--concurrency`` (``RequestGate``).
Every wait and peak is recorded for the report.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from contextlib import asynccontextmanager
from collections.abc import AsyncIterator

from pydantic import BaseModel, Field

SUFFIX_ALLOWANCE = 2_048  # a request's own part after the shared prefix: its task, slice note and candidates


class SchedulerStats(BaseModel):
    pool_tokens: int | None = Field(default=None, description="the server's KV pool in tokens (None: not known)")
    peak_modules_in_flight: int = 0
    peak_requests_in_flight: int = 0
    peak_reserved_tokens: int = 0


class RequestGate:
    """At most ``limit`` requests in flight over the whole run (the server's ``--max-num-seqs``),
    with one seat kept for a module's lead: slices over modules already read take at most
    ``limit - 1``, so the next module's prefill never waits for a slice to finish (in vLLM's queue
    or ours). Counts the peak."""

    def __init__(self, limit: int, stats: SchedulerStats) -> None:
        self.limit = max(1, limit)
        self._stats = stats
        self._cond = asyncio.Condition()
        self.in_flight = 0
        self._others = 0

    def _free(self, lead: bool) -> bool:
        if self.in_flight >= self.limit:
            return False
        return lead or self._others < max(1, self.limit - 1)

    @asynccontextmanager
    async def slot(self, lead: bool = False) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: self._free(lead))
            self.in_flight += 1
            self._others += 0 if lead else 1
            self._stats.peak_requests_in_flight = max(self._stats.peak_requests_in_flight, self.in_flight)
        try:
            yield
        finally:
            async with self._cond:
                self.in_flight -= 1
                self._others -= 0 if lead else 1
                self._cond.notify_all()


class Admission:
    """One module's place in the pool: ``prefilled()`` when its lead has its first token (passes
    the baton on); leaving the ``admit`` block frees its reservation."""

    def __init__(self, pool: "ModulePool", tokens: int, waited_s: float) -> None:
        self._pool = pool
        self.tokens = tokens
        self.waited_s = waited_s
        self.admitted_at = time.perf_counter()
        self._baton = True

    def prefilled(self) -> None:
        if self._baton:
            self._baton = False
            self._pool._baton_free()


class ModulePool:
    def __init__(self, pool_tokens: int | None, fallback_modules: int, stats: SchedulerStats) -> None:
        self.capacity = pool_tokens
        self.fallback = max(1, fallback_modules)
        self.stats = stats
        stats.pool_tokens = pool_tokens
        self.reserved = 0
        self.modules = 0
        self.prefilling = False
        self._queue: deque[tuple[int, asyncio.Future]] = deque()

    def _fits(self, tokens: int) -> bool:
        if self.prefilling:
            return False
        if self.modules == 0:
            return True  # a module larger than the pool still runs, alone
        if self.capacity is None:
            return self.modules < self.fallback
        return self.reserved + tokens <= self.capacity

    def _take(self, tokens: int) -> None:
        self.reserved += tokens
        self.modules += 1
        self.prefilling = True
        self.stats.peak_modules_in_flight = max(self.stats.peak_modules_in_flight, self.modules)
        self.stats.peak_reserved_tokens = max(self.stats.peak_reserved_tokens, self.reserved)

    def _wake(self) -> None:
        while self._queue and self._fits(self._queue[0][0]):
            tokens, fut = self._queue.popleft()
            if not fut.done():
                self._take(tokens)
                fut.set_result(None)

    def _baton_free(self) -> None:
        self.prefilling = False
        self._wake()

    @asynccontextmanager
    async def admit(self, tokens: int) -> AsyncIterator[Admission]:
        """Wait until the module fits (first come, first served), hold its reservation in the block."""
        t0 = time.perf_counter()
        if not self._queue and self._fits(tokens):
            self._take(tokens)
        else:
            fut = asyncio.get_running_loop().create_future()
            self._queue.append((tokens, fut))
            try:
                await fut
            except BaseException:
                if fut.done() and not fut.cancelled():  # admitted just as it was cancelled: give the place back
                    self._release(tokens, baton=True)
                else:
                    self._queue = deque(x for x in self._queue if x[1] is not fut)
                    self._wake()  # those behind it may fit now
                raise
        adm = Admission(self, tokens, time.perf_counter() - t0)
        try:
            yield adm
        finally:
            self._release(tokens, baton=adm._baton)

    def _release(self, tokens: int, baton: bool) -> None:
        self.reserved -= tokens
        self.modules -= 1
        if baton:
            self.prefilling = False
        self._wake()


def module_reservation(prompt_tokens: int, requests: int, concurrency: int, answer_tokens: int) -> int:
    """What a module may hold of the pool at once: its longest prompt (the module and a task), and
    for every other request it can have in flight its own suffix, plus each one's longest answer."""
    k = max(1, min(requests, concurrency))
    return prompt_tokens + (k - 1) * SUFFIX_ALLOWANCE + k * answer_tokens
