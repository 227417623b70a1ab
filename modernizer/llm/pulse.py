"""Whether a server that has not answered yet is working: its ``/metrics`` counters move.

A request waiting for its first token may be queued behind other prefills (a chunked run at a
1M-class window keeps one module's prefill ahead of the next; a busy 2-core CPU reads a 5.6K-token
prompt for over a minute). A clock alone cannot tell that from a hung server, so the first-token
wait is measured from the server's last sign of work, not from when the request was sent: while
any of its counters move (prompt or generated tokens, engine steps, requests running or waiting,
KV-cache usage, prefix-cache queries), the request is queued, not stuck. A server without
``/metrics`` gets the plain clock from the send.

One poller per client, running only while some request waits for its first token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from collections.abc import Iterator

from modernizer.llm.metrics import samples

PULSE_EVERY_S = 2.0  # between readings of /metrics while a request waits for its first token

# What moves while a vLLM server works (names checked on vLLM 0.26 GPU and 0.32 CPU). The engine
# step count (iteration_tokens_total's histogram count) moves at every prefill chunk, KV usage grows
# chunk by chunk, the token counters move when any request finishes a prefill or decodes.
MOTION = ("vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:iteration_tokens_total_count",
          "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
          "vllm:prefix_cache_queries_total", "vllm:num_preemptions_total", "vllm:request_success_total")


def signature(text: str) -> tuple[float, ...]:
    """The counters that move while the server works, summed over engines and labels."""
    totals = dict.fromkeys(MOTION, 0.0)
    for name, _labels, value in samples(text):
        if name in totals:
            totals[name] += value
    return tuple(round(totals[n], 9) for n in MOTION)


def queue_of(text: str) -> tuple[int, int]:
    """(requests running, requests waiting) on the server."""
    running = waiting = 0.0
    for name, _labels, value in samples(text):
        if name == "vllm:num_requests_running":
            running += value
        elif name == "vllm:num_requests_waiting":
            waiting += value
    return int(running), int(waiting)


class Pulse:
    """The server's last sign of work, read from ``read()`` (the client's ``/metrics`` GET) every
    ``every`` seconds while at least one waiter is registered (``watching``)."""

    def __init__(self, read: Callable[[], Awaitable[str | None]], every: float = PULSE_EVERY_S,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self._read = read
        self.every = every
        self._clock = clock
        self.ok: bool | None = None  # None until the first reading; False: the server has no /metrics
        self.last_motion = float("-inf")
        self.running = self.waiting = 0
        self._sig: tuple[float, ...] | None = None
        self._watchers = 0
        self._task: asyncio.Task | None = None
        self._closed = False  # the client is closed: no poller starts again (a request still unwinding may ask)

    @contextmanager
    def watching(self) -> Iterator["Pulse"]:
        """Keep the poller running for the duration of the block (a request waiting for its first token)."""
        self._watchers += 1
        if self.ok is not False and not self._closed and (self._task is None or self._task.done()):
            self._task = asyncio.ensure_future(self._poll())
        try:
            yield self
        finally:
            self._watchers -= 1

    def quiet_since(self, since: float) -> float:
        """When the wait's silence began: the later of ``since`` (the send) and the server's last
        sign of work, when the server shows its counters."""
        return max(since, self.last_motion) if self.ok else since

    async def _poll(self) -> None:
        while self._watchers > 0 and not self._closed:
            try:
                text = await self._read()
            except Exception:  # noqa: BLE001 - a failed reading is no sign of work; the request's own clock decides
                text = None
            if text is None:
                if self.ok is None:
                    self.ok = False  # no /metrics at all: the plain clock from the send
                    return
            else:
                self.ok = True
                sig = signature(text)
                if sig != self._sig:
                    if self._sig is not None:
                        self.last_motion = self._clock()
                    self._sig = sig
                self.running, self.waiting = queue_of(text)
            await asyncio.sleep(self.every)

    async def aclose(self) -> None:
        self._closed = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
