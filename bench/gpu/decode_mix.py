"""Decode throughput against what shares the batch (issue 18: why a chunked run was decode-bound).

The H100 scale run decoded ~400 tok/s summed over 15 streams while two modules (two different ~300K
prefixes) were in flight; the H200 bench had measured 3,768 tok/s for 16 streams over one cached 538K
prefix. This separates the suspects on one served vLLM, all streams on warm prefixes (cached), ignore_eos:
  one_b1      1 stream over prefix A (long)
  one_b16     16 streams over prefix A: one shared prefix (vLLM may use cascade attention)
  two_b16     8 streams over A, 8 over B: two prefixes of the same length in one batch
  short_b16   16 streams over a short prefix: the MoE/weights' share without long attention
  one_b16_json  as one_b16 with a JSON schema (structured outputs' per-step bitmask), no ignore_eos
The summed rate is completion tokens / (last end - first first-token). Figures depend on the model's
shape, the GPU and vLLM, not on the weights' values (ignore_eos: every stream decodes max_tokens).

Usage (device, server up): PYTHONPATH=$REPO:/tmp/site:/tmp/vllm-site python3 bench/gpu/decode_mix.py \
    --repo /tmp/tomcat7-4m --out /tmp/results/decode_mix.json [--long 300000 --short 16384 --tokens 768]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx

import sweep_bench
from prefill_bench import code_ids
from modernizer.run.analysis import AnalyzeOptions, prepare
from modernizer.repo.ingest import IngestOptions

SCHEMA = {"type": "object", "properties": {"findings": {"type": "array", "items": {"type": "object", "properties": {
    "file": {"type": "string"}, "line": {"type": "integer"}, "title": {"type": "string"}, "detail": {"type": "string"}},
    "required": ["file", "line", "title", "detail"]}}}, "required": ["findings"]}


async def one(c: httpx.AsyncClient, prompt: list[int], n: int, schema: bool) -> dict:
    body: dict = {"prompt": prompt, "max_tokens": n}
    t0 = time.perf_counter()
    if schema:  # a grammar allows only EOS once the JSON closes: ignore_eos off (sweep_bench forces it on)
        sweep_bench_stream_body = dict(body, structured_outputs={"json": SCHEMA})
        r = await stream_free(c, sweep_bench_stream_body)
        if r.get("error"):  # older names
            r = await stream_free(c, dict(body, guided_json=SCHEMA))
    else:
        r = await sweep_bench.stream(c, "/v1/completions", body)
    r["t0"] = t0
    return r


async def stream_free(c: httpx.AsyncClient, body: dict) -> dict:
    return await sweep_bench.stream(c, "/v1/completions", body, ignore_eos=False)


async def phase(c, name: str, prompts: list[list[int]], n: int, schema: bool = False) -> dict:
    t = time.perf_counter()
    rs = await asyncio.gather(*(one(c, p, n, schema) for p in prompts))
    errors = [r["error"] for r in rs if r.get("error")]
    firsts = [r["t0"] + r["ttft_s"] for r in rs if not r.get("error")]
    ends = [r["t0"] + r["wall_s"] for r in rs if not r.get("error")]
    toks = sum(r.get("completion_tokens") or 0 for r in rs)
    span = (max(ends) - min(firsts)) if ends else 0
    out = {"phase": name, "streams": len(prompts), "completion_tokens": toks, "wall_s": round(time.perf_counter() - t, 2),
           "decode_span_s": round(span, 2), "summed_tok_s": round(toks / span, 1) if span > 0 else None,
           "per_stream_tok_s": sorted(r.get("decode_tps") or 0 for r in rs), "cached": [r.get("cached") for r in rs][:4],
           "errors": errors[:3]}
    print(f"{name:>13}: {len(prompts)} streams, {toks:,} tokens in {span:.1f} s = {out['summed_tok_s']} tok/s summed"
          f"{' ERRORS ' + str(errors[:1]) if errors else ''}", flush=True)
    return out


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--long", type=int, default=300_000)
    ap.add_argument("--short", type=int, default=16_384)
    ap.add_argument("--tokens", type=int, default=768)
    ap.add_argument("--url", default=sweep_bench.URL)
    ap.add_argument("--phase-timeout", type=float, default=90.0)
    a = ap.parse_args()
    sweep_bench.URL = url = a.url
    res: dict = {"phases": []}
    async with httpx.AsyncClient(timeout=httpx.Timeout(1800.0)) as c:
        served = (await c.get(url + "/v1/models")).json()["data"][0]
        sweep_bench.MODEL = model = served["id"]
        prep = prepare(a.repo, AnalyzeOptions(no_llm=True, ingest=IngestOptions(use_git=False)))
        ids = await code_ids(c, url, model, prep.shared_head, 2 * a.long + a.short + 4096)
        A, B = ids[:a.long], ids[a.long:2 * a.long]
        S = ids[2 * a.long:2 * a.long + a.short]
        res.update(model=model, window=served.get("max_model_len"), long=a.long, short=a.short, tokens=a.tokens)
        sweep_bench.reset_cache()
        for name, p in (("A", A), ("B", B), ("S", S)):  # warm the prefixes: one cold prefill each
            r = await one(c, p + [11], 1, False)
            res[f"prefill_{name}_s"] = r.get("ttft_s")
            print(f"prefill {name}: {len(p):,} tokens in {r.get('ttft_s')} s", flush=True)

        def tails(base: list[int], k: int, tag: int) -> list[list[int]]:
            return [base + [11, 1000 + tag * 100 + i, 13] for i in range(k)]

        n = a.tokens

        async def bounded(name: str, prompts: list[list[int]], schema: bool = False) -> None:
            """Each phase written as it ends and bounded: on vLLM 0.26 the JSON phase at a 300K prefix
            did not end in 200 s (json_probe.py: 5 tok/s for one stream there)."""
            try:
                res["phases"].append(await asyncio.wait_for(phase(c, name, prompts, n, schema), a.phase_timeout))
            except asyncio.TimeoutError:
                res["phases"].append({"phase": name, "timeout_s": a.phase_timeout})
                print(f"{name:>13}: not done in {a.phase_timeout} s", flush=True)
            with open(a.out, "w") as f:
                json.dump(res, f, indent=1)
        await bounded("one_b1", tails(A, 1, 0))
        await bounded("one_b16", tails(A, 16, 1))
        await bounded("two_b16", tails(A, 8, 2) + tails(B, 8, 3))
        await bounded("short_b16", tails(S, 16, 4))
        await bounded("one_b16_again", tails(A, 16, 6))
        await bounded("one_b16_json", tails(A, 16, 5), schema=True)


if __name__ == "__main__":
    asyncio.run(main())
