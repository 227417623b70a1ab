"""The product's request shape on one served vLLM (issue 18): chat completions, thinking on with vLLM's
thinking_token_budget, a JSON schema after the thinking, 16 streams over one short prompt; each variant
drops one of them, so the decode cost of each shows (summed completion tokens / span). Bounded phases."""
import argparse, asyncio, json, time
import httpx
import sweep_bench
from decode_mix import SCHEMA


async def one(c, body):
    """One streamed chat request (sweep_bench.stream: ignore_eos only where the variant says so):
    absolute first-token and end times, so a phase's span covers every stream."""
    t0 = time.perf_counter()
    r = await sweep_bench.stream(c, "/v1/chat/completions", body, ignore_eos=bool(body.get("ignore_eos")))
    if r.get("error"):
        return r
    return {"first": t0 + r["ttft_s"] if r.get("completion_tokens") else None, "end": t0 + r["wall_s"],
            "tokens": r.get("completion_tokens") or 0}


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--url", default=sweep_bench.URL)
    ap.add_argument("--timeout", type=float, default=45)
    ap.add_argument("--lines", type=int, default=600, help="lines of code in the prompt (~14 tokens each: 22000 for ~300K)")
    a = ap.parse_args()
    sweep_bench.URL = a.url
    res = []
    async with httpx.AsyncClient(timeout=httpx.Timeout(600.0)) as c:
        model = sweep_bench.MODEL = (await c.get(sweep_bench.URL + "/v1/models")).json()["data"][0]["id"]
        code = "\n".join(f"int f{i}(int x) {{ return x * {i} + {i % 7}; }}" for i in range(a.lines))
        base = {"model": model, "stream": True, "temperature": 0.0, "max_tokens": 384,
                "stream_options": {"include_usage": True, "continuous_usage_stats": True}}
        variants = {
            "product": dict(chat_template_kwargs={"enable_thinking": True}, thinking_token_budget=256,
                            response_format={"type": "json_schema", "json_schema": {"name": "out", "schema": SCHEMA}}),
            "no_budget": dict(chat_template_kwargs={"enable_thinking": True},
                              response_format={"type": "json_schema", "json_schema": {"name": "out", "schema": SCHEMA}}),
            "no_schema": dict(chat_template_kwargs={"enable_thinking": True}, thinking_token_budget=256),
            "no_think_schema": dict(chat_template_kwargs={"enable_thinking": False},
                                    response_format={"type": "json_schema", "json_schema": {"name": "out", "schema": SCHEMA}}),
            "plain": dict(chat_template_kwargs={"enable_thinking": False}, ignore_eos=True),
        }
        warm = dict(base, max_tokens=1, chat_template_kwargs={"enable_thinking": False},
                    messages=[{"role": "system", "content": "Review this code."}, {"role": "user", "content": code}])
        await one(c, warm)  # the long prompt read once: the variants decode from the cache
        for k, (name, extra) in enumerate(variants.items()):
            bodies = [dict(base, **extra, messages=[{"role": "system", "content": "Review this code."},
                                                    {"role": "user", "content": code + f"\nTask {k}.{i}: list findings."}]) for i in range(16)]
            t0 = time.perf_counter()
            try:
                rs = await asyncio.wait_for(asyncio.gather(*(one(c, b) for b in bodies)), a.timeout)
                ok = [r for r in rs if "error" not in r and r["first"]]
                toks = sum(r["tokens"] for r in ok)
                span = max(r["end"] for r in ok) - min(r["first"] for r in ok) if ok else 0
                row = {"variant": name, "tokens": toks, "span_s": round(span, 2), "tok_s": round(toks / span, 1) if span else None,
                       "errors": [r["error"] for r in rs if "error" in r][:1]}
            except asyncio.TimeoutError:
                row = {"variant": name, "timeout_s": a.timeout}
            row["elapsed_s"] = round(time.perf_counter() - t0, 2)
            print(row, flush=True)
            res.append(row)
            json.dump(res, open(a.out, "w"), indent=1)


if __name__ == "__main__":
    asyncio.run(main())
