"""Structured outputs' decode cost on one served vLLM (issue 18: the scale run decoded ~230 tok/s over 15
streams of one module while 16 plain streams over a 300K prefix decoded 1,633 tok/s; decode_mix's JSON
phase did not finish). 16 streams over a short prefix, 256 tokens, each phase bounded by --timeout:
plain, a JSON schema (structured_outputs), json_object, and one stream with the schema."""
import argparse, asyncio, json, time
import httpx
import sweep_bench
from decode_mix import SCHEMA, phase, stream_free


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--url", default=sweep_bench.URL)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--prefix", type=int, default=8000, help="prompt length (synthetic ids: attention's cost is the same)")
    a = ap.parse_args()
    sweep_bench.URL = a.url
    res = {"phases": []}
    async with httpx.AsyncClient(timeout=httpx.Timeout(600.0)) as c:
        sweep_bench.MODEL = (await c.get(sweep_bench.URL + "/v1/models")).json()["data"][0]["id"]
        S = [1000 + i % 59000 for i in range(a.prefix)]
        await stream_free(c, {"prompt": S + [11], "max_tokens": 1})  # prefill once: the phases read it from the cache

        def tails(k, tag):
            return [S + [11, 500 + tag * 50 + i, 13] for i in range(k)]

        async def bounded(name, coro):
            t = time.perf_counter()
            try:
                r = await asyncio.wait_for(coro, a.timeout)
            except asyncio.TimeoutError:
                r = {"phase": name, "timeout_s": a.timeout}
                print(f"{name}: not done in {a.timeout} s", flush=True)
            r["elapsed_s"] = round(time.perf_counter() - t, 2)
            res["phases"].append(r)
            json.dump(res, open(a.out, "w"), indent=1)

        n = a.tokens
        await bounded("plain_b16", phase(c, "plain_b16", tails(16, 0), n))
        await bounded("schema_b1", phase(c, "schema_b1", tails(1, 1), n, schema=True))
        await bounded("schema_b16", phase(c, "schema_b16", tails(16, 2), n, schema=True))
        body = {"response_format": {"type": "json_object"}}
        t0 = time.perf_counter()
        rs = await asyncio.wait_for(asyncio.gather(*(stream_free(c, dict(body, prompt=p, max_tokens=n)) for p in tails(16, 3))), a.timeout)
        toks = sum(r.get("completion_tokens") or 0 for r in rs)
        print(f"json_object_b16: {toks} tokens in {time.perf_counter() - t0:.1f} s, errors {[r.get('error') for r in rs if r.get('error')][:1]}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
