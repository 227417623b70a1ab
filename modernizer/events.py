"""What a run tells the person watching it, as data: the engine and the client emit these, a
terminal (or a test) decides how to show them. ``describe`` gives the plain one-line form, used
when the output is not a terminal and by the default renderer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field


class Loaded(BaseModel):
    kind: Literal["loaded"] = "loaded"
    files: int
    lines: int
    skipped: int
    cycles: int
    cycles_truncated: bool = False  # ``cycles`` is the bound of the listed cycles, not their number


class ServerFound(BaseModel):
    kind: Literal["server"] = "server"
    url: str
    model: str
    window: int


class Planned(BaseModel):
    kind: Literal["planned"] = "planned"
    tokens: int
    window: int
    modules: int = 0
    module_budget: int = 0
    cross_edges: int = 0
    fits: bool = False  # chunked although the codebase fits (--mode modules)
    module_reason: str = ""  # why modules are this size (engine/budget.py's module_size)


class WaveStarted(BaseModel):
    kind: Literal["wave"] = "wave"
    agents: list[str]
    requests: int = Field(default=0, description="requests in the wave: a swept agent sends one per slice, a batched one per batch")


class AgentFinished(BaseModel):
    kind: Literal["agent"] = "agent"
    agent: str
    status: str
    prompt_tokens: int = 0
    cached_tokens: int | None = None
    completion_tokens: int = 0
    thinking_tokens: int = 0
    wall_s: float = 0.0
    from_cache: bool = False
    error: str | None = None
    requests: int = 1


class FollowupsFinished(BaseModel):
    kind: Literal["followups"] = "followups"
    ok: int
    total: int


class ModuleFinished(BaseModel):
    kind: Literal["module"] = "module"
    done: int
    total: int
    id: str
    name: str
    agents: list[AgentFinished]


class ModuleSplit(BaseModel):
    kind: Literal["split"] = "split"
    id: str
    name: str
    counted: int | None = None
    planned: int
    window: int
    rejected: bool = False


class ReduceStarted(BaseModel):
    kind: Literal["reduce"] = "reduce"
    shown: int
    total: int


class Waiting(BaseModel):
    kind: Literal["waiting"] = "waiting"
    label: str
    prompt_tokens: int
    waited_s: float
    deadline_s: float = Field(description="seconds without any sign of work from the server after which the wait is given up")
    ahead: int = Field(default=0, description="this run's requests sent earlier that still wait for their first token")
    server_running: int | None = Field(default=None, description="requests the server runs (None: it shows no /metrics)")
    server_waiting: int | None = Field(default=None, description="requests in the server's queue")
    quiet_s: float | None = Field(default=None, description="seconds since the server's counters last moved (None: no /metrics)")


class Note(BaseModel):
    kind: Literal["note"] = "note"
    text: str


# What a live view needs beyond the lines above: these print nothing in plain mode (``describe``
# gives ""), a terminal folds them into its status line (modernizer/run/progress.py).

class Phase(BaseModel):
    """A step of the run begins: loading, counting, agents, synthesis, reports."""

    kind: Literal["phase"] = "phase"
    name: str
    detail: str = ""


class SideTask(BaseModel):
    """Work beside the model's (the candidates pass): started, then done with what it found."""

    kind: Literal["side"] = "side"
    name: str
    done: bool = False
    detail: str = ""


class Counting(BaseModel):
    """The server's tokenizer has counted ``done`` of ``total`` files (the first run on a large tree
    spends tens of seconds here)."""

    kind: Literal["counting"] = "counting"
    done: int
    total: int


class RequestStarted(BaseModel):
    kind: Literal["request"] = "request"
    label: str
    prompt_tokens: int
    fresh_tokens: int = Field(description="what of the prompt the server is not expected to have in its prefix cache")


class FirstToken(BaseModel):
    kind: Literal["first_token"] = "first_token"
    label: str
    waited_s: float


class RequestEnded(BaseModel):
    kind: Literal["request_end"] = "request_end"
    label: str
    ok: bool
    part: Literal["whole", "thinking", "answer"] = Field(default="whole", description=(
        "a request on its own, or the thinking or the answer of one sent as two (llm/thinkapart.py): the "
        "thinking's end is not a request done"))
    prompt_tokens: int = 0
    cached_tokens: int | None = None
    completion_tokens: int = 0
    wall_s: float = 0.0


class ServerLoad(BaseModel):
    """One reading of vLLM's /metrics during the run (modernizer/llm/metrics.py ``load``)."""

    kind: Literal["load"] = "load"
    at: float = Field(description="time.perf_counter() of the reading")
    running: int = 0
    waiting: int = 0
    kv_tokens: int | None = Field(default=None, description="tokens held in the KV cache by running requests, when the "
                                  "server says its cache size: during a prefill it grows as the prompt is read")
    generated: float = 0.0
    cache_hits: float = 0.0
    cache_queries: float = 0.0


Event = (Loaded | ServerFound | Planned | WaveStarted | AgentFinished | FollowupsFinished | ModuleFinished | ModuleSplit
         | ReduceStarted | Waiting | Note | Phase | SideTask | Counting | RequestStarted | FirstToken | RequestEnded | ServerLoad)
Events = Callable[[Event], None]


def ignore(_event: Event) -> None:
    return None


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _agent(a: AgentFinished) -> str:
    if a.from_cache:
        return f"{a.agent} {a.status} (cached)"
    if a.status != "ok":
        return f"{a.agent} {a.status} ({a.error})" if a.error else f"{a.agent} {a.status}"
    return f"{a.agent} {a.status} {a.completion_tokens / max(a.wall_s, 1e-3):.0f} tok/s"


def _queue(e: Waiting) -> str:
    """Where a waiting request stands: queued behind others, and when it would be given up."""
    ahead = f"; queued: {_n(e.ahead, 'prefill')} of this run ahead of it" if e.ahead else ""
    server = (f"; server: {e.server_running} running, {e.server_waiting} waiting" if e.server_running is not None else "")
    if e.quiet_s is None:
        return f"{ahead}{server}, gives up after {e.deadline_s:.0f}s"
    moving = "the server is working" if e.quiet_s < 10 else f"the server has shown no sign of work for {e.quiet_s:.0f}s"
    return f"{ahead}{server}; {moving}: gives up only after {e.deadline_s:.0f}s without any"


def describe(e: Event) -> str:
    """One plain line for an event."""
    match e:
        case Loaded():
            cycles = (f"{e.cycles} file cycles listed (list truncated at {e.cycles}: there are more)" if e.cycles_truncated
                      else _n(e.cycles, "file cycle"))
            return f"loaded {_n(e.files, 'file')} ({e.lines:,} lines), skipped {e.skipped:,}; {cycles}"
        case ServerFound():
            return f"server {e.url}: model {e.model}, window {e.window:,} tokens"
        case Planned() if e.modules:
            where = (f"fits the {e.window:,}-token window, but --mode modules asked for chunks" if e.fits
                     else f"over the {e.window:,}-token window with room to answer")
            return (f"codebase prompt: {e.tokens:,} tokens, {where}: {_n(e.modules, 'module')} of at most "
                    f"{e.module_budget:,} tokens, {_n(e.cross_edges, 'cross-module edge')}"
                    + (f"; module size: {e.module_reason}" if e.module_reason else ""))
        case Planned():
            return f"codebase prompt: {e.tokens:,} tokens (exact), fits the window: one shared context"
        case WaveStarted() if e.requests > len(e.agents):
            return f"agents: {', '.join(e.agents)} ({e.requests} requests over the cached codebase: slices and batches)"
        case WaveStarted():
            return f"agents: {', '.join(e.agents)}"
        case AgentFinished() if e.from_cache:
            return f"  {e.agent}: {e.status}, from the result cache (no request: the answer of an earlier run on the same code)"
        case AgentFinished():
            tail = f" in {e.requests} requests" if e.requests > 1 else ""
            thought = f" ({e.thinking_tokens} thinking)" if e.thinking_tokens else ""
            return (f"  {e.agent}: {e.status} ({e.prompt_tokens:,} prompt, {e.cached_tokens or 0:,} cached, {e.completion_tokens:,} out{thought}, "
                    f"{e.wall_s:.1f}s){tail}" + (f": {e.error}" if e.error and e.status != "ok" else ""))
        case FollowupsFinished():
            return f"plan details: {e.ok}/{e.total} ok"
        case ModuleFinished():
            hits = sum(a.from_cache for a in e.agents)
            return (f"module {e.done}/{e.total} {e.id} {e.name}: " + ", ".join(_agent(a) for a in e.agents)
                    + (f"; {hits} from cache" if hits else ""))
        case ModuleSplit() if e.rejected:
            return f"module {e.id} {e.name}: the server rejected it as too long; split in two and asked again"
        case ModuleSplit():
            return (f"module {e.id} {e.name}: {e.counted:,} tokens by the server's count (planned {e.planned:,}); over the "
                    f"{e.window:,}-token window with room to answer, so it is split in two")
        case ReduceStarted() if e.total == 0:
            return "synthesis over the module results (the modules reported no findings)"
        case ReduceStarted() if e.shown >= e.total:
            return f"synthesis over the module results (all {e.total} findings in its digest)"
        case ReduceStarted():
            return f"synthesis over the module results ({e.shown} of {e.total} findings in its digest, the most severe first)"
        case Waiting():
            return (f"waiting for the first token of {e.label}: the server is reading a {e.prompt_tokens:,}-token prompt "
                    f"({e.waited_s:.0f}s so far{_queue(e)})")
        case Note():
            return e.text
        case SideTask() if e.done:
            return f"{e.name}: {e.detail}"
        case Phase() | SideTask() | Counting() | RequestStarted() | FirstToken() | RequestEnded() | ServerLoad():
            return ""
    return str(e)
