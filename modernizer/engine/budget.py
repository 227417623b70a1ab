"""Every window rule in one place: what an answer may take, what the prompt may take, how large
a module may be, and how many findings fit a reduce prompt.

Pure arithmetic, except ``fit_count``, which asks the server's tokenizer (exact counts decide
near the window).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pydantic import BaseModel

from modernizer.run.agents import Agents, AgentSpec
from modernizer.run.context import Budget, TokenPlan
from modernizer.errors import ContextOverflow
from modernizer.repo.tokens import TokenSource

MIN_OUTPUT_TOKENS = 256
MODULE_CONTEXT_ALLOWANCE = 800  # tokens for a module's computed context block (imports, users, cycles)
MODULE_FILL = 0.9  # modules are planned to 90% of their room: counts by file do not add up exactly


def reserve(agents: Agents) -> tuple[int, int]:
    """(output reserved for the longest codebase answer, room for the earlier agents' outputs a
    codebase agent reads) in single-context mode."""
    code = agents.codebase()
    reserved = max(s.max_tokens for s in code)
    inputs = max(sum(agents[n].max_tokens for n in agents.needs_of(s)) for s in code)
    return reserved, inputs


def make_budget(window: int, reserved_output: int, overhead: int, codebase_tokens: int, source: TokenSource) -> Budget:
    available = max(window - reserved_output - overhead, 0)
    return Budget(window=window, reserved_output=reserved_output, overhead=overhead, available=available,
                  codebase_tokens=codebase_tokens, fits=codebase_tokens <= available, source=source)


def check_fits(plan: TokenPlan) -> None:
    """ContextOverflow (exit 4) naming the overage and the largest directories, when the codebase
    does not fit one context."""
    b = plan.budget
    if b is None or b.fits:
        return
    over = b.codebase_tokens - b.available
    top = sorted((d for d in plan.by_directory if d.path != "." and d.path.count("/") <= 1), key=lambda d: -d.tokens)[:5]
    dirs = ", ".join(f"{d.path} ({d.tokens:,} tokens)" for d in top) or "(no subdirectories)"
    exact = "exact" if b.source.exact else "estimated"
    raise ContextOverflow(
        f"the codebase is {b.codebase_tokens:,} tokens ({exact}) but the window leaves {b.available:,} "
        f"({b.window:,} window - {b.reserved_output:,} reserved output - {b.overhead:,} prompt overhead): "
        f"{over:,} tokens over. Largest directories: {dirs}",
        "analyse a subdirectory, add --exclude patterns, or serve the model with a larger --max-model-len",
    )


def map_reserve(agents: Agents, window: int) -> int:
    """The room a module's map answers want: the longest map answer, at most a quarter of the
    window, so that small windows still leave room for code."""
    return min(max(s.max_tokens for s in map_agents(agents)), window // 4)


def map_agents(agents: Agents):
    """The agents asked once per module in chunked mode: codebase agents that need no earlier answer."""
    return [s for s in agents.codebase() if not agents.needs_of(s)]


def thinking_of(policy: str, spec: AgentSpec) -> tuple[bool, int]:
    """(think?, budget) for an agent under the run's policy (``--thinking``: agents, on, off)."""
    on = spec.thinking if policy == "agents" else policy == "on"
    return on, spec.thinking_budget


def map_answer_tokens(specs, thinking_of) -> int:  # noqa: ANN001 - AgentSpecs and Run.thinking_of
    """The longest answer a map request may write, its thinking budget included: what each request
    in flight may add to the KV pool."""
    def longest(s) -> int:  # noqa: ANN001
        on, budget_ = thinking_of(s)
        return s.max_tokens + (budget_ if on else 0)
    return max((longest(s) for s in specs), default=MIN_OUTPUT_TOKENS)


def module_budget(window: int, agents: Agents, task_tokens: int) -> tuple[int, int]:
    """(tokens of code per module, prompt overhead per module request)."""
    overhead = task_tokens + MODULE_CONTEXT_ALLOWANCE
    return int((window - map_reserve(agents, window) - overhead) * MODULE_FILL), overhead


def task_tokens(budget: Budget, agents: Agents) -> int:
    """The longest codebase task's size, worked back from a single-context budget's overhead."""
    return budget.overhead - reserve(agents)[1]


def room(window: int, prompt_tokens: int) -> int:
    """``max_tokens`` for a request of ``prompt_tokens``: what the window leaves, at least a little."""
    return max(MIN_OUTPUT_TOKENS, window - prompt_tokens)


def reduce_reserve(agents: Agents, window: int) -> int:
    """Output reserved for the reduce steps (synthesis, plan, verdicts), at most a quarter of the window."""
    reduce = agents.with_role("synthesis") + [s for s in agents.codebase() if agents.needs_of(s)]
    return min(max(s.max_tokens for s in reduce), window // 4)


async def fit_count(count: Callable[[list[dict[str, str]]], Awaitable[int]], window: int, reserve_tokens: int, most: int,
                    build: Callable[[int], list[dict[str, str]]]) -> tuple[int, list[dict[str, str]], int]:
    """The largest n <= most for which the request ``build(n)`` leaves ``reserve_tokens`` of the
    window free, with that request and its size in tokens.

    Counted by the server's own tokenizer (``count``); each miss cuts n in proportion to the
    overshoot, so a few calls settle it. 0 when even the empty version does not fit (the request
    then fails with the server's own message, which names the sizes)."""
    n = most
    while True:
        msgs = build(n)
        used = await count(msgs)
        if used + reserve_tokens <= window or n == 0:
            return n, msgs, used
        n = max(0, min(n - 1, int(n * (window - reserve_tokens) / used)))


class ModuleSize(BaseModel):
    """How large chunked mode's modules are planned, and why (``--plan`` and the report say it)."""

    tokens: int
    reason: str
    window_tokens: int  # the largest module the window allows
    pool_tokens: int | None = None


def module_size(window_room: int, pool_tokens: int | None, per_module_extra: int, asked: int | str = "auto") -> ModuleSize:
    """Module size is a throughput choice as well as a context one. The largest module the window
    allows may fill the server's KV pool alone: then each module's prefill runs with nothing beside
    it, and no module's slices decode while the next one is read. So, unless asked otherwise
    (``--module-tokens N`` or ``max``), modules are sized so that two fit the pool at once, with
    every request they may have in flight (``per_module_extra``: the task and module context, each
    request's own suffix and longest answer); never below a quarter of the window's room."""
    def size(tokens: int, reason: str) -> ModuleSize:
        return ModuleSize(tokens=max(1, tokens), reason=reason, window_tokens=window_room, pool_tokens=pool_tokens)

    if asked == "max":
        return size(window_room, "the largest the window allows (--module-tokens max)")
    if isinstance(asked, int):
        return size(min(asked, window_room), f"--module-tokens {asked:,}" + (
            f", capped at the {window_room:,} the window allows" if asked > window_room else ""))
    if pool_tokens is None:
        return size(window_room, "the largest the window allows (the server's KV pool is not known, so modules are not sized for it)")
    two = int((pool_tokens // 2 - per_module_extra) * MODULE_FILL)
    if two >= window_room:
        held = max(1, pool_tokens // (window_room + per_module_extra))
        return size(window_room, f"the largest the window allows: the server's {pool_tokens:,}-token KV pool holds "
                                 f"{held} such module{'s' if held != 1 else ''} with their requests at once")
    return size(max(two, window_room // 4),
                f"two modules at once in the server's {pool_tokens:,}-token KV pool (one reads its code while the other's "
                f"slices answer), not the {window_room:,} the window allows, which would fill the pool alone; "
                "--module-tokens max asks for the largest")
