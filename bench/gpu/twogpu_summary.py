"""The two-GPU bench's table (twogpu.sh), from /tmp/results or a folder given as the first argument.

Per chunked arm: wall time, modules and module throughput, requests, the prefix-cache hit rate the
server counted over the run (the report's ``prefix_cache``), failures, and the ratio of each arm's
wall time to the one-GPU arm measured on the same machine. Then the TP=2 single-context figures."""

from __future__ import annotations

import glob
import os
import re

from resultfiles import R, load  # noqa: E402  (beside this script)


def wall(tag: str) -> float | None:
    try:
        text = open(os.path.join(R, f"analyze_{tag}.wall")).read()
    except OSError:
        return None
    m = re.search(r"wall_s ([\d.]+)", text)
    return float(m.group(1)) if m else None


def arm(tag: str) -> dict | None:
    # on the device: analyze_TAG/<report>.json; kept in bench/results/gpu/: analyze_TAG.json (the report less its findings)
    files = glob.glob(os.path.join(R, f"analyze_{tag}", "*.json")) or glob.glob(os.path.join(R, f"analyze_{tag}.json"))
    rep = load(files[0]) if files else None
    if not rep:
        return None
    modules = (rep.get("modules") or {}).get("modules") or []
    pc = rep.get("prefix_cache") or {}
    hits, queries = pc.get("hits"), pc.get("queries")
    agents_s = (rep.get("timings") or {}).get("agents_s")
    failed = [f"{a['agent']}{' in ' + a['subject'] if a.get('subject') else ''}" for a in rep.get("agents", []) if a["status"] != "ok"]
    return {"tag": tag, "wall_s": wall(tag), "agents_s": agents_s, "tokens": (rep.get("tokens") or {}).get("total_tokens") or rep.get("tokens_total"),
            "modules": len(modules), "modules_per_min": round(len(modules) / agents_s * 60, 2) if agents_s and modules else None,
            "requests": (rep.get("summary") or {}).get("model_requests"),
            "prefix_hit_rate": round(hits / queries, 3) if hits is not None and queries else None, "failed": failed}


rows = [a for a in (arm(t) for t in ("chunked_one", "chunked_tp2", "chunked_dp2")) if a]
base = next((a["wall_s"] for a in rows if a["tag"] == "chunked_one"), None)
print(f"{'arm':<12} {'wall s':>8} {'agents s':>9} {'tokens':>10} {'modules':>7} {'mod/min':>8} {'requests':>8} {'prefix hit':>10} {'vs one GPU':>10}  failed")
for a in rows:
    ratio = f"{base / a['wall_s']:.2f}x" if base and a["wall_s"] else "-"
    print(f"{a['tag']:<12} {a['wall_s']!s:>8} {a['agents_s']!s:>9} {a['tokens']!s:>10} {a['modules']:>7} {a['modules_per_min']!s:>8} "
          f"{a['requests']!s:>8} {a['prefix_hit_rate']!s:>10} {ratio:>10}  {', '.join(a['failed'][:6]) or '-'}")
b = load(os.path.join(R, "tp2single_bench.json")) or {}
if b:
    print(f"TP=2, one context: cold prefill {(b.get('cold') or {}).get('ttft_s')} s for {(b.get('cold') or {}).get('prompt_tokens')} tokens; "
          + "; ".join(f"ids_{n}: last first token {(b.get(f'ids_{n}') or {}).get('last_first_token_s')} s, "
                      f"summed decode {(b.get(f'ids_{n}') or {}).get('summed_decode_tps')} tok/s" for n in (1, 16) if b.get(f"ids_{n}")))
single = arm("single_tp2")
if single:
    print(f"TP=2 whole analyze of django/db in one context: {single['wall_s']} s, {single['requests']} requests, "
          f"prefix hit {single['prefix_hit_rate']}, failed {single['failed'] or '-'}")
