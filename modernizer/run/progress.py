"""What a person watching a run sees while it works, as a fold over the run's events. Pure: the
state is folded from events (``Progress.apply``) and rendered at a given moment (``status``,
``waiting_line``), so a test feeds events and reads strings; the terminal (cli/live.py) decides
when to draw.

Prefill progress comes from the server where vLLM exposes it: its KV cache fills chunk by chunk
while it reads a prompt (``ServerLoad.kv_tokens``), so while every request in flight is still
reading, the share of their prompts already held is the progress. Where the server does not say
(no cache size in /metrics), the estimate is the prefill rate measured on this run's earlier
requests, and with neither only the elapsed time is shown, never a made-up figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modernizer.events import (AgentFinished, Counting, Event, FirstToken, ModuleFinished, ModuleSplit, Phase, Planned,
                               ReduceStarted, RequestEnded, RequestStarted, ServerFound, ServerLoad, SideTask, Waiting, WaveStarted,
                               describe)

RATE_WINDOW_S = 10.0  # tokens/s over the last seconds of server readings
PREFILL_WORTH_SHOWING = 4096  # uncached prompt tokens in flight below which no prefill is shown


@dataclass
class Flight:
    started: float
    prompt_tokens: int
    fresh_tokens: int
    first_token: float | None = None


@dataclass
class Progress:
    started: float
    phase: str = "loading files"
    phase_since: float = 0.0
    counted: tuple[int, int] | None = None
    expected: int = 0           # requests announced by the waves so far
    done: int = 0
    failed: int = 0
    from_cache: int = 0
    in_flight: dict[int, Flight] = field(default_factory=dict)
    labels: dict[str, list[int]] = field(default_factory=dict)
    modules: tuple[int, int] | None = None  # (done, total)
    modules_since: float | None = None
    loads: list[ServerLoad] = field(default_factory=list)
    first_load: ServerLoad | None = None
    kv_seen: bool = False  # the server's KV usage has been above zero: it reports prefill progress (a CPU build may not)
    completion_tokens: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    prefill_rate: float | None = None  # tokens/s the server read this run's prompts at (measured)
    window: int | None = None
    side: list[str] = field(default_factory=list)  # work beside the model's, still running
    _seq: int = 0

    def __post_init__(self) -> None:
        self.phase_since = self.started

    def apply(self, e: Event, now: float) -> None:
        match e:
            case Phase():
                self.phase, self.phase_since = e.name + (f": {e.detail}" if e.detail else ""), now
                self.counted = None
            case ServerFound():
                self.window = e.window
                self._phase("counting tokens with the server's tokenizer", now)
            case Counting():
                self.counted = (e.done, e.total)
            case Planned() if e.modules:
                self.modules, self.modules_since = (0, e.modules), now
                self._phase(f"modules ({e.modules} of at most {e.module_budget:,} tokens)", now)
            case Planned():
                self._phase("agents over one shared context", now)
            case WaveStarted():
                self.expected += max(e.requests, len(e.agents))
                if self.modules is None or self.modules[0] >= self.modules[1]:
                    self._phase("agents: " + ", ".join(e.agents), now)
            case ModuleFinished():
                self.modules = (e.done, e.total)
            case ModuleSplit() if self.modules:
                self.modules = (self.modules[0], self.modules[1] + 1)  # one module became two
            case ReduceStarted():
                self._phase("synthesis over the module results", now)
            case AgentFinished() if e.from_cache:
                self.from_cache += 1
            case RequestStarted():
                self._seq += 1
                self.in_flight[self._seq] = Flight(now, e.prompt_tokens, e.fresh_tokens)
                self.labels.setdefault(e.label, []).append(self._seq)
            case FirstToken():
                f = self._reading(e.label)
                if f is not None:
                    f.first_token = now
                    read = f.fresh_tokens
                    if read > 2048 and e.waited_s > 0:  # a real prefill, not a cache hit
                        self.prefill_rate = max(self.prefill_rate or 0.0, read / e.waited_s)
            case RequestEnded():
                key = self._key(e.label)
                if key is not None:
                    self.in_flight.pop(key, None)
                self.done += e.part != "thinking" or not e.ok
                self.failed += not e.ok
                self.completion_tokens += e.completion_tokens
                self.prompt_tokens += e.prompt_tokens
                self.cached_tokens += e.cached_tokens or 0
            case SideTask() if e.done:
                self.side = [n for n in self.side if n != e.name]
                if self.modules is not None and self.modules[0] == 0 and self.modules_since is not None:
                    # no module could finish while the pass ran (their security requests wait for it): the
                    # pace is measured from its end, or the first ETA counts the pass once per module
                    self.modules_since = max(self.modules_since, now)
            case SideTask():
                self.side.append(e.name)
            case ServerLoad():
                self.first_load = self.first_load or e
                self.kv_seen = self.kv_seen or bool(e.kv_tokens)
                self.loads.append(e)
                self.loads = [x for x in self.loads if e.at - x.at <= RATE_WINDOW_S]
            case _:
                pass

    def _phase(self, name: str, now: float) -> None:
        self.phase, self.phase_since, self.counted = name, now, None

    def _key(self, label: str) -> int | None:
        keys = [k for k in self.labels.get(label, []) if k in self.in_flight]
        return keys[0] if keys else None

    def _reading(self, label: str) -> Flight | None:
        """The request of this label in flight that has not had its first token yet."""
        return next((f for k in self.labels.get(label, []) if (f := self.in_flight.get(k)) and f.first_token is None), None)

    # -- what is shown --------------------------------------------------------------------
    def tokens_per_s(self) -> float | None:
        """Generation speed over the last readings (the server's counter), else none yet."""
        if len(self.loads) >= 2 and self.loads[-1].at > self.loads[0].at:
            return (self.loads[-1].generated - self.loads[0].generated) / (self.loads[-1].at - self.loads[0].at)
        return None

    def cache_hit_rate(self) -> float | None:
        """Prefix-cache hits over this run's prompts: the server's counters since the run began,
        else the usage the finished requests reported."""
        if self.first_load and self.loads:
            q = self.loads[-1].cache_queries - self.first_load.cache_queries
            if q > 0:
                return (self.loads[-1].cache_hits - self.first_load.cache_hits) / q
        return self.cached_tokens / self.prompt_tokens if self.prompt_tokens else None

    def prefill(self, now: float) -> tuple[float | None, float | None, int] | None:
        """While every request in flight still waits for its first token: (share read, seconds
        left, prompt tokens being read). The share comes from the server's KV cache when it tells,
        the seconds left from that share's pace or from this run's measured prefill rate."""
        flights = list(self.in_flight.values())
        if not flights or any(f.first_token is not None for f in flights):
            return None
        tokens = sum(f.prompt_tokens for f in flights)
        fresh = sum(f.fresh_tokens for f in flights)
        if fresh < PREFILL_WORTH_SHOWING:  # requests over a cached prefix: read in a moment
            return None
        since = min(f.started for f in flights)
        load = self.loads[-1] if self.loads else None
        share = left = None
        if load is not None and load.kv_tokens is not None and self.kv_seen and load.at >= since and tokens:
            share = min(1.0, load.kv_tokens / tokens)
            cached = tokens - fresh
            read = max(0.0, load.kv_tokens - cached)
            if read > 0 and fresh:
                left = (load.at - since) * max(0.0, fresh - read) / read
        elif self.prefill_rate and fresh:
            left = max(0.0, fresh / self.prefill_rate - (now - since))
        return share, left, tokens

    def status(self, now: float) -> str:
        """The one-line live status: phase, elapsed, and what is known of the work in flight."""
        parts = [f"{self.phase}", clock(now - self.started)]
        if self.counted:
            parts.append(f"{self.counted[0]:,}/{self.counted[1]:,} files counted")
        if self.modules and self.modules[0] < self.modules[1]:
            parts.append(f"modules {self.modules[0]}/{self.modules[1]}" + (f", {self.modules_left(now)}" if self.modules[0] else ""))
        if self.expected or self.done:
            flying = len(self.in_flight)
            parts.append(f"requests {self.done}/{max(self.expected, self.done + flying)}" + (f" ({flying} in flight)" if flying else ""))
        pre = self.prefill(now)
        if pre is not None:
            share, left, tokens = pre
            what = f"server reading {tokens:,} prompt tokens"
            if share is not None:
                what += f": {share:.0%}"
            if left is not None:
                what += f", ~{clock(left)} left"
            if share is None and left is None:
                what += " (no progress figure from this server)"
            parts.append(what)
        rate = self.tokens_per_s()
        if rate is not None and rate > 0:
            parts.append(f"{rate:,.0f} tok/s")
        hit = self.cache_hit_rate()
        if hit is not None:
            parts.append(f"cache {int(hit * 100)}%")  # floored: 99.7% is not "100%"
        if self.from_cache:
            parts.append(f"{self.from_cache} from the result cache")
        parts += [f"{n} running" for n in self.side]
        return " · ".join(parts)

    def modules_left(self, now: float) -> str:
        """'about M:SS left' for the modules not yet done, at the pace of those done (chunked mode)."""
        done, total = self.modules or (0, 0)
        if not done or self.modules_since is None:
            return "time left unknown"
        return f"about {clock((now - self.modules_since) / done * (total - done))} left"

    def modules_eta(self, now: float) -> str:
        """The elapsed time and what is left, for a module's line in a log."""
        done, total = self.modules or (0, 0)
        return clock(now - self.started) + (f", {self.modules_left(now)}" if done < total else "")

    def waiting_line(self, e: Waiting, now: float) -> str:
        """The plain line for a long wait (no live view): how far the server has read, when known."""
        line = describe(e)
        pre = self.prefill(now)
        if pre is not None and (pre[0] is not None or pre[1] is not None):
            share, left, _ = pre
            known = ([f"{share:.0%} read by its KV cache"] if share is not None else []) + ([f"~{clock(left)} left"] if left is not None else [])
            line += "; " + ", ".join(known)
        elif pre is not None:
            line += "; no progress figure from this server"
        return line


def clock(seconds: float) -> str:
    s = max(0, int(round(seconds)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
