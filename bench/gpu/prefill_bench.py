"""Cold prefill time against prompt length on one served vLLM (issue 18: module size is a throughput choice).

Attention's share of a prefill grows with the prompt's length, so tokens/s falls as a prompt grows; the
scale bench's summary (scale_summary.py) interpolates these points to price each module's cold prefill,
the floor a chunked run is compared with. Prompts are real code: the codebase as modernizer renders it
(the shared head), tokenized once by the server's /tokenize, cut to each length. Every request starts
from an empty prefix cache (POST /reset_prefix_cache, VLLM_SERVER_DEV_MODE=1) and with its own leading
line, so no length reads another's cached blocks; the server's cached_tokens count is kept as the proof.
One token is generated (max_tokens 1): the request's first-token time is the prefill.

Usage (on the device, the server up): PYTHONPATH=$REPO:/tmp/site:/tmp/vllm-site python3 bench/gpu/prefill_bench.py \
    --repo /tmp/tomcat7-4m --out /tmp/results/prefill_bench.json [--lengths 32768,65536,131072,262144,524288,max]
"max" is the served window less a few tokens. Each point is written to --out as it ends. These figures do
not depend on the weights (dummy or real: the same arithmetic), only on the model's shape and the GPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx

import sweep_bench  # beside this script: its stream() and reset_cache()
from modernizer.run.analysis import AnalyzeOptions, prepare
from modernizer.repo.ingest import IngestOptions


async def tokenize(c: httpx.AsyncClient, url: str, model: str, text: str) -> list[int]:
    r = await c.post(url + "/tokenize", json={"model": model, "prompt": text, "add_special_tokens": False})
    r.raise_for_status()
    return r.json()["tokens"]


async def code_ids(c: httpx.AsyncClient, url: str, model: str, text: str, want: int) -> list[int]:
    """WANT tokens of TEXT, tokenized in pieces of whole lines (no piece near the window: the server may
    refuse a prompt longer than it serves); a join between pieces changes nothing a prefill measures."""
    ids: list[int] = []
    pos = 0
    while len(ids) < want and pos < len(text):
        end = text.find("\n", pos + 400_000)
        end = len(text) if end < 0 else end + 1
        ids += await tokenize(c, url, model, text[pos:end])
        pos = end
    return ids


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True, help="a codebase larger than the window (its rendered text is cut)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--lengths", default="32768,65536,131072,262144,524288,max")
    ap.add_argument("--url", default=sweep_bench.URL)
    a = ap.parse_args()
    sweep_bench.URL = url = a.url
    res: dict = {"points": []}

    def save() -> None:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)

    async with httpx.AsyncClient(timeout=httpx.Timeout(1800.0)) as c:
        served = (await c.get(url + "/v1/models")).json()["data"][0]
        model, window = served["id"], served.get("max_model_len")
        sweep_bench.MODEL = model
        prep = prepare(a.repo, AnalyzeOptions(no_llm=True, ingest=IngestOptions(use_git=False)))
        t = time.perf_counter()
        ids = await code_ids(c, url, model, prep.shared_head, (window or 1_048_576) + 1024)
        res.update(model=model, window=window, code_tokens=len(ids), tokenize_s=round(time.perf_counter() - t, 2))
        print(f"code: {len(ids):,} tokens (tokenized in {res['tokenize_s']} s); window {window}", flush=True)
        save()
        lengths = []
        for x in a.lengths.split(","):
            n = (window or 0) - 64 if x == "max" else int(x)
            if 0 < n <= min(len(ids), (window or n + 1) - 1):
                lengths.append(n)
            else:
                print(f"length {x} skipped: the window is {window}, the codebase {len(ids):,} tokens", flush=True)
        # a first small request, not kept: the first prefill after start-up pays one-time set-up
        sweep_bench.reset_cache()
        await sweep_bench.stream(c, "/v1/completions", {"prompt": ids[:4096], "max_tokens": 1})
        for k, n in enumerate(lengths):
            head = await tokenize(c, url, model, f"// prefill bench {k}: {n} tokens, {time.time()}\n")
            start = (k * 7919) % max(1, len(ids) - n)  # another stretch of the code for every length
            prompt = head + ids[start:start + n - len(head)]
            cold = sweep_bench.reset_cache()
            r = await sweep_bench.stream(c, "/v1/completions", {"prompt": prompt, "max_tokens": 1})
            point = {"tokens": r.get("prompt_tokens") or len(prompt), "s": r.get("ttft_s"), "cached": r.get("cached"),
                     "cache_reset": cold, "error": r.get("error")}
            if point["s"]:
                point["tok_s"] = round(point["tokens"] / point["s"], 1)
            res["points"].append(point)
            print(f"prefill {point['tokens']:>9,} tokens: {point['s']} s, {point.get('tok_s')} tok/s, "
                  f"cached {point['cached']}{' ERROR ' + str(point['error']) if point['error'] else ''}", flush=True)
            save()


if __name__ == "__main__":
    asyncio.run(main())
