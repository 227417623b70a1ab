"""The product's own client on a served vLLM (issue 18): N concurrent thinking, schema-constrained
answers over one long shared prefix (token ids, as `modernize analyze` sends a module's slices),
once as one request each (vLLM's thinking_token_budget, the schema from the start) and once as
thinking then answer (two requests, modernizer/llm/thinkapart.py). Reports wall, summed decode
tokens per second of wall, and thinking/answer tokens. Bounded phases; the prefix is read once first.

    python3 bench/gpu/apart_probe.py --url http://127.0.0.1:8000/v1 --lines 22000 --out apart.json
"""
import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from modernizer.llm.client import Endpoint, LLMClient  # noqa: E402
from modernizer.run.agents import messages  # noqa: E402

SCHEMA = {"type": "object", "additionalProperties": False, "required": ["findings"], "properties": {"findings": {
    "type": "array", "items": {"type": "object", "additionalProperties": False, "required": ["file", "line", "text"],
                               "properties": {"file": {"type": "string"}, "line": {"type": "integer"}, "text": {"type": "string"}}}}}}


async def phase(client: LLMClient, code: str, tag: str, n: int, budget: int, answer: int, apart: bool) -> dict:
    if not apart:
        async def never(*_a, **_k):
            return False
        client.think_apart_applies = never  # the one-request form, as before thinkapart.py
    else:
        client.__dict__.pop("think_apart_applies", None)
    t0 = time.perf_counter()
    comps = await asyncio.gather(*(client.chat(messages("You review code.", code, f"Task {tag}.{i}: list the findings as JSON."),
                                               max_tokens=answer, schema=SCHEMA, thinking=True, thinking_budget=budget,
                                               label=f"{tag}{i}") for i in range(n)), return_exceptions=True)
    wall = time.perf_counter() - t0
    ok = [c for c in comps if not isinstance(c, BaseException)]
    toks = sum(c.usage.completion_tokens for c in ok)
    return {"variant": tag, "apart": apart, "streams": n, "ok": len(ok), "wall_s": round(wall, 2),
            "completion_tokens": toks, "tok_s_of_wall": round(toks / wall, 1),
            "thinking_tokens": sum(c.thinking_tokens for c in ok), "requests": sum(c.requests for c in ok),
            "finish": sorted({str(c.finish_reason) for c in ok}),
            "errors": [f"{type(c).__name__}: {c}"[:300] for c in comps if isinstance(c, BaseException)][:2]}


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--url", default="http://127.0.0.1:8000/v1")
    ap.add_argument("--lines", type=int, default=22000, help="lines of code in the shared prefix (~14 tokens each: 22000 for ~300K)")
    ap.add_argument("--streams", type=int, default=16)
    ap.add_argument("--budget", type=int, default=256)
    ap.add_argument("--answer", type=int, default=384)
    ap.add_argument("--timeout", type=float, default=150)
    ap.add_argument("--order", default="apart,one")
    a = ap.parse_args()
    code = "\n".join(f"int f{i}(int x) {{ return x * {i} + {i % 7}; }}" for i in range(a.lines))
    res: list[dict] = []
    async with LLMClient(Endpoint(base_url=a.url, token_ids_min_chars=10_000, first_token_timeout=600)) as client:
        await client.probe()
        t0 = time.perf_counter()
        warm = await client.chat(messages("You review code.", code, "warm"), max_tokens=1, thinking=False)
        res.append({"variant": "warm", "prompt_tokens": warm.usage.prompt_tokens, "wall_s": round(time.perf_counter() - t0, 2)})
        print(res[-1], flush=True)
        for name in a.order.split(","):
            try:
                row = await asyncio.wait_for(phase(client, code, name, a.streams, a.budget, a.answer, name == "apart"), a.timeout)
            except asyncio.TimeoutError:
                row = {"variant": name, "timeout_s": a.timeout}
            print(row, flush=True)
            res.append(row)
            Path(a.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
