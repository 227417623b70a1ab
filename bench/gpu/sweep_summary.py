"""The sweep bench's table, from /tmp/results (sweep.sh) or a folder given as the first argument."""

from __future__ import annotations

import glob
import os

from resultfiles import R, load  # noqa: E402  (beside this script)


b = load(os.path.join(R, "sweep_bench.json")) or {}
cold = (b.get("cold") or {}).get("ttft_s")
print(f"cold prefill (one request, cache reset={b.get('cold_is_cold')}): {cold} s, {(b.get('cold') or {}).get('prompt_tokens')} tokens")
print(f"prefix tokenized once: {b.get('tokenize_prefix_s')} s ({b.get('prefix_ids')} ids)")
print(f"{'N':>3} | {'text: last 1st tok':>18} {'wall':>6} | {'ids: last 1st tok':>17} {'wall':>6} | {'summed tok/s (ids)':>18} | min cached")
for n in (1, 4, 8, 16, 32):
    t, i = b.get(f"text_{n}"), b.get(f"ids_{n}")
    if not t and not i:
        continue
    t, i = t or {}, i or {}
    print(f"{n:>3} | {t.get('last_first_token_s')!s:>18} {t.get('wall_s')!s:>6} | {i.get('last_first_token_s')!s:>17} "
          f"{i.get('wall_s')!s:>6} | {i.get('summed_decode_tps')!s:>18} | {i.get('min_cached')} {(i.get('errors') or t.get('errors') or '')}")
for tag in ("ids", "text", "ids_s64k", "ids_c16"):
    files = glob.glob(os.path.join(R, f"analyze_{tag}", "*.json"))
    wall = open(os.path.join(R, f"analyze_{tag}.wall")).read().strip() if os.path.exists(os.path.join(R, f"analyze_{tag}.wall")) else "-"
    if not files:
        print(f"analyze {tag}: no report ({wall})")
        continue
    rep = load(files[0]) or {}
    t = rep.get("timings", {})
    sweep = rep.get("sweep", [])
    slices = {}
    for s in sweep:
        slices.setdefault(s["agent"], 0)
        slices[s["agent"]] += 1
    agents = ", ".join(f"{a['agent']} {a['status']} {a['requests']}r/{a.get('token_id_requests', 0)}ids "
                       f"{a['wall_s']}s hit {a.get('cache_hit_rate')}" for a in rep.get("agents", []))
    capacity = slices.get("security", 1) * 20 + slices.get("analyzer", 1) * 15
    total = t.get("total_s")
    ratio = round(total / cold, 2) if total and cold else None
    print(f"analyze {tag}: {wall}; timings {t}; tokens {rep.get('tokens', {}).get('total_tokens')}; slices {slices}; "
          f"findings capacity {capacity}; whole run / cold prefill = {ratio}")
    print(f"   agents: {agents}")
