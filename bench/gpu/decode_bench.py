"""Decode and prefill figures for one running vLLM server (the one serve.sh started).

Steps (each a streamed /v1/chat/completions with ignore_eos, temperature 0, skip_special_tokens
false so that every generated token shows up in the stream; continuous usage stats give the token
count at each chunk, so decode speed is (tokens after the first) / (time after the first)):
  short_b1 / short_b4   decode after a ~300-token prompt, 1 and 4 streams
  cold                  the codebase prompt, max_tokens 1: cold prefill time (TTFT)
  warm                  same codebase, another task: TTFT and cached tokens from the prefix cache
  long_probe, long_b1   decode after the codebase (warm prefix), 1 stream; N sized from the probe
  long_b2               2 streams on the same codebase prefix (analyzer + security in parallel)
  mid_cold, mid_b1      (--mid) the first quarter of the codebase: decode time vs context length
  profile               (--profile) torch profiler around a long-context decode; top kernels
Prefix-cache counters come from /metrics. Writes JSON to --out.
"""
import argparse
import asyncio
import json
import os
import re
import time

import httpx

URL = os.environ.get("BENCH_URL", "http://127.0.0.1:8000")


async def metrics(c):
    t = (await c.get(URL + "/metrics")).text
    def get(name):
        return sum(float(x) for x in re.findall(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+]+)$", t, re.M))
    return {"queries": get("vllm:prefix_cache_queries_total"), "hits": get("vllm:prefix_cache_hits_total")}


async def chat(c, messages, max_tokens, skip_special_default=False):
    body = {"model": "nemotron", "messages": messages, "max_tokens": max_tokens, "ignore_eos": True,
            "temperature": 0.0, "stream": True, "skip_special_tokens": False,
            "stream_options": {"include_usage": True, "continuous_usage_stats": True}}
    if skip_special_default:  # vLLM's default skip_special_tokens=True (what ordinary clients send)
        del body["skip_special_tokens"]
    t0 = time.perf_counter(); marks = []; usage = None; text = []
    async with c.stream("POST", URL + "/v1/chat/completions", json=body) as r:
        if r.status_code != 200:
            raise RuntimeError(f"HTTP {r.status_code}: {(await r.aread())[:300]!r}")
        async for line in r.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            d = json.loads(line[6:])
            for ch in d.get("choices") or []:
                text.append((ch.get("delta") or {}).get("content") or "")
            if d.get("usage"):
                usage = d["usage"]
                n = usage.get("completion_tokens") or 0
                if n and (not marks or marks[-1][1] != n):
                    marks.append((time.perf_counter() - t0, n))
    wall = time.perf_counter() - t0
    n = (usage or {}).get("completion_tokens", 0)
    ttft = marks[0][0] if marks else wall
    rate = None
    if len(marks) >= 2 and marks[-1][0] > marks[0][0]:
        rate = (marks[-1][1] - marks[0][1]) / (marks[-1][0] - marks[0][0])
    return {"wall_s": round(wall, 3), "ttft_s": round(ttft, 3), "prompt_tokens": (usage or {}).get("prompt_tokens"),
            "cached_tokens": ((usage or {}).get("prompt_tokens_details") or {}).get("cached_tokens"),
            "completion_tokens": n, "decode_tok_s": rate and round(rate, 1), "chunks": len(marks),
            "text_head": "".join(text)[:120]}


def msgs(text):
    return [{"role": "system", "content": "You are an expert software engineer."}, {"role": "user", "content": text}]


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--codebase", required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mid", action="store_true")
    ap.add_argument("--profile", default="", help="profiler dir (server started with --profiler-config)")
    ap.add_argument("--long-seconds", type=float, default=10.0, help="target seconds for the long decode")
    a = ap.parse_args()
    code = open(a.codebase).read()
    res = {"label": a.label}

    def save():
        json.dump(res, open(a.out, "w"), indent=1)

    async with httpx.AsyncClient(timeout=httpx.Timeout(1200.0)) as c:
        m0 = await metrics(c)
        res["short_b1"] = await chat(c, msgs("write a long story about a lighthouse " * 30), 256)
        res["short_b1"]["decode_tok_s_wall"] = round(255 / res["short_b1"]["wall_s"], 1)
        print("short_b1", res["short_b1"], flush=True)
        rs = await asyncio.gather(*[chat(c, msgs(f"story {i} about the sea " * 40), 256) for i in range(4)])
        res["short_b4"] = {"each": rs, "sum_tok_s": round(sum(r["decode_tok_s"] or 0 for r in rs), 1)}
        print("short_b4", res["short_b4"]["sum_tok_s"], flush=True)
        save()
        res["cold"] = await chat(c, msgs(f"CODEBASE:\n{code}\n\nTASK: say ok"), 1)
        print("cold", res["cold"], flush=True)
        res["warm"] = await chat(c, msgs(f"CODEBASE:\n{code}\n\nTASK: say ok again"), 1)
        print("warm", res["warm"], flush=True)
        save()
        res["long_probe"] = await chat(c, msgs(f"CODEBASE:\n{code}\n\nTASK: write"), 24)
        r0 = res["long_probe"]["decode_tok_s"] or 5.0
        n = int(max(24, min(1024, r0 * a.long_seconds)))
        print("long_probe", res["long_probe"], "-> N", n, flush=True)
        res["long_b1"] = await chat(c, msgs(f"CODEBASE:\n{code}\n\nTASK: write more"), n)
        # the same request shape with max_tokens 1 costs res["warm"]["wall_s"]: the difference is pure decode
        res["long_b1"]["decode_tok_s_wall"] = round((n - 1) / max(res["long_b1"]["wall_s"] - res["warm"]["wall_s"], 1e-6), 1)
        print("long_b1", res["long_b1"], flush=True)
        save()
        rs = await asyncio.gather(*[chat(c, msgs(f"CODEBASE:\n{code}\n\nTASK: agent {i}"), n) for i in range(2)])
        for r in rs:
            r["decode_tok_s_wall"] = round((n - 1) / max(r["wall_s"] - res["warm"]["wall_s"], 1e-6), 1)
        res["long_b2"] = {"each": rs, "sum_tok_s": round(sum(r["decode_tok_s"] or 0 for r in rs), 1),
                          "sum_tok_s_wall": round(sum(r["decode_tok_s_wall"] for r in rs), 1)}
        print("long_b2", res["long_b2"]["sum_tok_s"], res["long_b2"]["sum_tok_s_wall"], [r["decode_tok_s"] for r in rs], flush=True)
        save()
        # the same warm long-context request with vLLM's default skip_special_tokens=True: with random weights
        # the model emits special tokens, and the detokenizer then re-decodes the whole prompt every step
        res["long_skipdefault"] = await chat(c, msgs(f"CODEBASE:\n{code}\n\nTASK: write more"), 12, skip_special_default=True)
        res["long_skipdefault"]["decode_tok_s_wall"] = round(11 / max(res["long_skipdefault"]["wall_s"] - res["warm"]["wall_s"], 1e-6), 2)
        print("long_skipdefault", res["long_skipdefault"], flush=True)
        t = time.perf_counter()
        r = await c.post(URL + "/tokenize", json={"model": "nemotron", "messages": msgs(f"CODEBASE:\n{code}\n\nTASK: say ok"),
                                                  "add_generation_prompt": True})
        res["tokenize_s"] = round(time.perf_counter() - t, 3)
        res["tokenize_count"] = r.json().get("count")
        print("tokenize", res["tokenize_s"], res["tokenize_count"], flush=True)
        save()
        if a.mid:
            q = code[: len(code) // 4]
            res["mid_cold"] = await chat(c, msgs(f"MID CODEBASE:\n{q}\n\nTASK: say ok"), 1)
            res["mid_warm"] = await chat(c, msgs(f"MID CODEBASE:\n{q}\n\nTASK: say ok again"), 1)
            res["mid_b1"] = await chat(c, msgs(f"MID CODEBASE:\n{q}\n\nTASK: write"), n)
            res["mid_b1"]["decode_tok_s_wall"] = round((n - 1) / max(res["mid_b1"]["wall_s"] - res["mid_warm"]["wall_s"], 1e-6), 1)
            res["mid_skipdefault"] = await chat(c, msgs(f"MID CODEBASE:\n{q}\n\nTASK: write more"), 12, skip_special_default=True)
            res["mid_skipdefault"]["decode_tok_s_wall"] = round(11 / max(res["mid_skipdefault"]["wall_s"] - res["mid_warm"]["wall_s"], 1e-6), 2)
            print("mid", res["mid_cold"], res["mid_b1"], flush=True)
            save()
        m1 = await metrics(c)
        res["prefix_cache"] = {k: m1[k] - m0[k] for k in m0}
        if a.profile:
            await c.post(URL + "/start_profile")
            res["profiled"] = await chat(c, msgs(f"CODEBASE:\n{code}\n\nTASK: profile"), 24)
            await c.post(URL + "/stop_profile")
            print("profiled", res["profiled"], flush=True)
            await asyncio.sleep(5)
        save()


if __name__ == "__main__":
    asyncio.run(main())
