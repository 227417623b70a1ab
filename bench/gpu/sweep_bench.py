"""The sweep on a GPU: admission and decode of N slice requests over one cached codebase prefix,
with the request shape `modernize analyze` sends, as chat text and as token ids, against one server.

Runs on the device next to a served vLLM (bench/gpu/serve.sh). Phases, each written to --out as it ends:
  cold:   the prefix cache reset, one request with the whole codebase, max_tokens 1: the first token's
          time is one cold prefill (the physical floor of reading the code once)
  tokenize_prefix: our client tokenizing the shared prefix once (modernizer.llm.client.LLMClient.prompt_ids)
  text_N / ids_N: N security-agent slice requests at once (the real system prompt, codebase, task and
          slice note of `modernize analyze`, plan_slices over the codebase cut into N slices), each
          decoding --max-tokens tokens (ignore_eos: random weights would stop at once), as chat text
          (the server tokenizes every prompt) and as token ids to /v1/completions (our admission path)
Usage: PYTHONPATH=$REPO:/tmp/vllm-site python3 bench/gpu/sweep_bench.py --repo /tmp/django-db --out F [--n 1,4,8,16,32]
Which behaviour a figure depends on: decode figures come from dummy weights forced to decode
--max-tokens tokens; admission and prefill figures do not depend on the weights.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import urllib.request

import httpx

from modernizer.run.agents import load_agents, messages, render_task, task_inputs
from modernizer.run.analysis import AnalyzeOptions, prepare
from modernizer.llm.client import Endpoint, LLMClient
from modernizer.engine.sweep import plan_slices, slice_note
from modernizer.repo.ingest import IngestOptions

URL = "http://127.0.0.1:8000"
MODEL = "nemotron"


def reset_cache() -> bool:
    """Needs VLLM_SERVER_DEV_MODE=1 on the server (bench/gpu/serve.sh sets it)."""
    try:
        urllib.request.urlopen(urllib.request.Request(URL + "/reset_prefix_cache", method="POST"), timeout=60)
        return True
    except OSError:
        return False


async def stream(c: httpx.AsyncClient, path: str, body: dict, ignore_eos: bool = True) -> dict:
    """``ignore_eos``: off where a grammar must be allowed to end the answer (decode_mix's JSON phase)."""
    body = dict(body, model=MODEL, stream=True, temperature=0.0, ignore_eos=ignore_eos, skip_special_tokens=False,
                stream_options={"include_usage": True, "continuous_usage_stats": True})
    t0 = time.perf_counter()
    first = None
    usage = None
    async with c.stream("POST", URL + path, json=body) as r:
        if r.status_code != 200:
            return {"error": f"HTTP {r.status_code} {(await r.aread())[:300]!r}"}
        async for line in r.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            d = json.loads(line[6:])
            if d.get("usage"):
                usage = d["usage"]
                if first is None and (usage.get("completion_tokens") or 0) > 0:
                    first = time.perf_counter() - t0
    wall = time.perf_counter() - t0
    out = (usage or {}).get("completion_tokens") or 0
    return {"ttft_s": round(first or wall, 3), "wall_s": round(wall, 3), "prompt_tokens": (usage or {}).get("prompt_tokens"),
            "cached": ((usage or {}).get("prompt_tokens_details") or {}).get("cached_tokens"), "completion_tokens": out,
            "decode_tps": round(out / max(wall - (first or wall), 1e-6), 1) if out > 1 else None}


def summary(rs: list[dict], wall: float) -> dict:
    ok = [r for r in rs if "error" not in r]
    return {"n": len(rs), "errors": [r["error"] for r in rs if "error" in r][:3], "wall_s": round(wall, 2),
            "last_first_token_s": max((r["ttft_s"] for r in ok), default=None),
            "first_first_token_s": min((r["ttft_s"] for r in ok), default=None),
            "min_cached": min(((r.get("cached") or 0) for r in ok), default=None),
            "prompt_tokens": max((r.get("prompt_tokens") or 0 for r in ok), default=None),
            "summed_decode_tps": round(sum(r["decode_tps"] or 0 for r in ok), 1)}


async def main() -> None:
    global URL, MODEL
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", default="1,4,8,16,32")
    ap.add_argument("--max-tokens", type=int, default=384)
    ap.add_argument("--url", default=URL)
    a = ap.parse_args()
    URL = a.url
    res: dict = {"max_tokens": a.max_tokens}

    def save() -> None:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)

    prep = prepare(a.repo, AnalyzeOptions(no_llm=True, ingest=IngestOptions(use_git=False)))
    agents = load_agents()
    spec = agents["security"]
    base = render_task(spec, **task_inputs(agents, spec, {}))
    sizes = [(f.path, len(f.text) // 4) for f in prep.snapshot.files]
    total = sum(t for _, t in sizes)

    def requests(n: int, tag: str) -> list[list[dict[str, str]]]:
        slices = plan_slices(sizes, slice_tokens=max(1000, -(-total // n)), max_slices=n)
        while len(slices) > n:  # greedy packing can leave a small last slice: fold it in, so N is N
            slices[-2:] = [slices[-2] + slices[-1]]
        return [messages(prep.system, prep.shared_head, base + slice_note(files, k, len(slices)) + f"\n({tag})")
                for k, files in enumerate(slices, 1)]

    res["codebase_chars"] = len(prep.shared_head)
    async with httpx.AsyncClient(timeout=httpx.Timeout(1800.0)) as c, LLMClient(Endpoint(base_url=URL + "/v1")) as client:
        MODEL = (await client.probe()).model
        res["cold_is_cold"] = reset_cache()
        cold = requests(1, "cold")[0]
        res["cold"] = await stream(c, "/v1/chat/completions", {"messages": cold, "max_tokens": 1})
        print("cold", res["cold"], flush=True)
        save()
        t = time.perf_counter()
        ids0 = await client.prompt_ids(cold)
        res["tokenize_prefix_s"] = round(time.perf_counter() - t, 3)
        res["prefix_ids"] = len(ids0 or [])
        print("tokenize prefix once", res["tokenize_prefix_s"], len(ids0 or []), flush=True)
        save()
        for n in [int(x) for x in a.n.split(",")]:
            for mode in ("text", "ids"):
                reqs = requests(n, f"{mode} {n}")
                t0 = time.perf_counter()

                async def one(msgs: list[dict[str, str]]) -> dict:
                    if mode == "text":
                        return await stream(c, "/v1/chat/completions", {"messages": msgs, "max_tokens": a.max_tokens})
                    ids = await client.prompt_ids(msgs)
                    if ids is None:
                        return {"error": "prompt_ids gave None (join check failed)"}
                    return await stream(c, "/v1/completions", {"prompt": ids, "max_tokens": a.max_tokens})

                rs = await asyncio.gather(*(one(m) for m in reqs))
                res[f"{mode}_{n}"] = summary(list(rs), time.perf_counter() - t0)
                print(mode, n, res[f"{mode}_{n}"], flush=True)
                save()


if __name__ == "__main__":
    asyncio.run(main())
