"""Chunked mode's scheduler (modernizer/engine/schedule.py): modules admitted by the server's KV
pool, one module reading its code at a time, a module's slices together, and module sizes chosen
for the pool. Engine logic on the schema-driven test model; the pool is what the model's /metrics
says, as vLLM's ``cache_config_info`` does."""

from __future__ import annotations

import asyncio
import re

from conftest import HOTEL
from modernizer.run.analysis import AnalyzeOptions, analyze
from modernizer.engine.schedule import ModulePool, SchedulerStats
from modernizer.repo.ingest import load_snapshot
from support.schema_model import SchemaModel


def pool_metrics(tokens: int) -> str:
    return (f'vllm:cache_config_info{{block_size="16",cache_dtype="auto",enable_prefix_caching="True",engine="0",'
            f'kv_cache_size_tokens="{tokens}"}} 1.0\n')


class Watched(SchemaModel):
    """The test model, recording which module each request in flight reads (its MODULE line)."""

    def __init__(self, **kw) -> None:
        snap = load_snapshot(HOTEL)
        super().__init__(files={f.path: f.text.splitlines() for f in snap.files}, delay=0.05, **kw)
        self.flying: dict[str, int] = {}
        self.peak_same_module = 0
        self.peak_modules = 0

    async def chat(self, messages, **kw):  # noqa: ANN001, ANN003
        m = re.search(r"MODULE (m\d+[a-z]*)", messages[1]["content"])
        key = m.group(1) if m else "reduce"
        self.flying[key] = self.flying.get(key, 0) + 1
        self.peak_same_module = max(self.peak_same_module, self.flying[key])
        self.peak_modules = max(self.peak_modules, sum(1 for k, v in self.flying.items() if v and k != "reduce"))
        try:
            return await super().chat(messages, **kw)
        finally:
            self.flying[key] -= 1


def run(model: SchemaModel, **opts):
    said = []
    report = asyncio.run(analyze(HOTEL, AnalyzeOptions(use_cache=False, mode="modules", **opts), events=said.append,
                                 client_factory=lambda ep: model))
    return report, said


def overlapping(intervals: list[tuple[float, float, int]]) -> int:
    """The largest sum of weights of intervals open at one moment."""
    points = sorted([(a, w) for a, _b, w in intervals] + [(b, -w) for _a, b, w in intervals], key=lambda p: (p[0], p[1]))
    now = peak = 0
    for _t, w in points:
        now += w
        peak = max(peak, now)
    return peak


def test_modules_are_admitted_by_the_kv_pool_one_prefill_at_a_time_and_their_slices_run_together():
    model = Watched(window=24_000)
    model.metrics = pool_metrics(150_000)  # two or three modules with all their requests
    report, said = run(model, window=24_000, slice_tokens=2_000, concurrency=8, module_tokens=8_000)
    mods = report.modules
    assert mods.pool_tokens == 150_000 and len(mods.modules) >= 4
    timings = [m.timing for m in mods.modules]
    assert all(t is not None and t.reserved_tokens > 0 and t.requests >= 2 for t in timings)
    # what the admitted modules held of the pool at once never exceeded it (a module alone may)
    held = overlapping([(t.admitted_s, t.finished_s, t.reserved_tokens) for t in timings])
    assert held <= 150_000
    assert mods.peak_modules_in_flight >= 2  # the pool held more than one: the next was read while others answered
    # one module read its code at a time: the leads' prefills (admission to first token) never overlap
    assert overlapping([(t.admitted_s, t.first_token_s, 1) for t in timings]) == 1
    # the slices of a module ran together (not one per agent), within --concurrency
    assert model.peak_same_module > 2 and 2 < mods.peak_requests_in_flight <= 8
    # later modules waited for room, and the report says how long
    assert max(t.queued_s for t in timings) > 0
    assert any(getattr(e, "module_reason", "") == "--module-tokens 8,000" for e in said)
    from modernizer.render import render
    page = render(report, "html")
    assert (f"Module size: --module-tokens 8,000. Modules were admitted by the server's 150,000-token KV pool, one reading "
            f"its code at a time: at most {mods.peak_modules_in_flight} modules and {mods.peak_requests_in_flight} requests") in page


def test_a_pool_that_holds_one_module_runs_modules_one_after_another():
    model = Watched(window=24_000)
    model.metrics = pool_metrics(21_000)  # one module and its requests at most
    report, _ = run(model, window=24_000, slice_tokens=2_000, concurrency=8, module_tokens=8_000)
    assert model.peak_modules == 1 and report.modules.peak_modules_in_flight == 1
    t = [m.timing for m in report.modules.modules]
    assert overlapping([(x.admitted_s, x.finished_s, 1) for x in t]) == 1


def test_module_size_auto_fits_two_modules_in_the_pool_and_max_takes_the_window():
    small = Watched(window=24_000)
    small.metrics = pool_metrics(40_000)
    auto, said = run(small, window=24_000, concurrency=2)
    mods = auto.modules
    assert mods.target_tokens < 19_000  # below what the window allows
    assert "two modules at once in the server's 40,000-token KV pool" in mods.target_reason
    assert "--module-tokens max asks for the largest" in mods.target_reason
    assert any(getattr(e, "module_reason", "").startswith("two modules at once") for e in said)
    big = Watched(window=24_000)
    big.metrics = pool_metrics(40_000)
    largest, _ = run(big, window=24_000, concurrency=2, module_tokens="max")
    assert largest.modules.target_tokens > mods.target_tokens
    assert largest.modules.target_reason == "the largest the window allows (--module-tokens max)"
    assert len(largest.modules.modules) < len(mods.modules)
    roomy = Watched(window=24_000)
    roomy.metrics = pool_metrics(2_000_000)
    wide, _ = run(roomy, window=24_000, concurrency=2)
    assert wide.modules.target_tokens == largest.modules.target_tokens
    assert re.search(r"the largest the window allows: the server's 2,000,000-token KV pool holds \d+ such modules", wide.modules.target_reason)


def test_without_a_known_pool_modules_are_bounded_by_concurrency_and_the_report_says_unknown():
    model = Watched(window=24_000)  # no /metrics
    report, _ = run(model, window=24_000, slice_tokens=2_000, concurrency=4, module_tokens=8_000)
    assert report.modules.pool_tokens is None
    assert report.modules.peak_modules_in_flight <= 2  # 4 requests, two map agents a module
    assert "KV pool is not known" not in report.modules.target_reason  # asked size wins
    unsized = Watched(window=24_000)
    r2, _ = run(unsized, window=24_000, concurrency=4)
    assert "the server's KV pool is not known" in r2.modules.target_reason


def test_the_pool_is_first_come_first_served_and_a_cancelled_wait_gives_its_place_back():
    async def go():
        stats = SchedulerStats()
        pool = ModulePool(100, 4, stats)
        order: list[str] = []

        async def module(name: str, tokens: int, hold: float) -> None:
            async with pool.admit(tokens) as adm:
                order.append(f"in {name}")
                adm.prefilled()
                await asyncio.sleep(hold)
            order.append(f"out {name}")

        a = asyncio.create_task(module("a", 60, 0.2))
        await asyncio.sleep(0.01)
        b = asyncio.create_task(module("b", 60, 0.01))  # does not fit beside a
        await asyncio.sleep(0.01)
        c = asyncio.create_task(module("c", 30, 0.01))  # would fit, but b came first
        await asyncio.sleep(0.05)
        assert order == ["in a"]
        b.cancel()
        await asyncio.sleep(0.05)
        assert order == ["in a", "in c", "out c"]  # b gave its place back
        await a
        async def alone() -> int:  # larger than the pool: admitted at once, alone (waiting would never end)
            async with pool.admit(500):
                return pool.modules
        assert await asyncio.wait_for(alone(), timeout=10) == 1
        assert pool.reserved == 0 and pool.modules == 0 and stats.peak_modules_in_flight == 2

    asyncio.run(go())


def test_a_modules_requests_are_built_only_as_it_nears_admission():
    """Request texts (a megabyte each at a 300K-token module) are not built for every module at the
    start: at most PREPARED_AHEAD modules are counted ahead of those admitted."""
    from modernizer.engine.chunked import PREPARED_AHEAD

    class Counting(Watched):
        def __init__(self, **kw) -> None:
            super().__init__(**kw)
            self.counted: list[str] = []
            self.finished = 0
            self.ahead_peak = 0

        async def tokenize_messages(self, messages):  # noqa: ANN001
            m = re.search(r"MODULE (m\d+[a-z]*)", messages[1]["content"])
            if m and m.group(1) not in self.counted:
                self.counted.append(m.group(1))
            # counted, not yet finished: the admitted module(s) and those prepared ahead
            self.ahead_peak = max(self.ahead_peak, len(self.counted) - self.finished)
            return await super().tokenize_messages(messages)

        async def chat(self, messages, **kw):  # noqa: ANN001, ANN003
            return await super().chat(messages, **kw)

    model = Counting(window=24_000)
    model.metrics = pool_metrics(21_000)  # one module at a time

    def seen(e) -> None:  # noqa: ANN001
        if type(e).__name__ == "ModuleFinished":
            model.finished += 1
    report = asyncio.run(analyze(HOTEL, AnalyzeOptions(use_cache=False, mode="modules", window=24_000, slice_tokens=2_000,
                                                       concurrency=8, module_tokens=4_000),
                                 events=seen, client_factory=lambda ep: model))
    assert len(report.modules.modules) > PREPARED_AHEAD + 2
    assert model.ahead_peak <= 1 + PREPARED_AHEAD  # one admitted (the pool holds one) and those prepared ahead
