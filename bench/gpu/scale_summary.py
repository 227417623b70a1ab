"""The scale bench's table (scale.sh, issue 18), from /tmp/results or a folder given as the first argument.

Prints the server (profile, window, KV pool), the cold prefill against prompt length (prefill_bench.py),
then per analyze run (chunked: the ~4.7M-token tree; single: the ~0.97M one): wall, requests, prefix-cache
hit rate, peak modules and requests in flight, and per module: tokens, time queued before admission,
prefill (first token - admitted), slices and answers (finished - first token), requests, and its cold
prefill priced from the prefill curve; "stall s" is prefill less cold: how long an admitted module waited
on others past its own read (queued is the pipeline: N modules through a pool that holds a few). The floor is the sum of the modules' cold prefills (one context:
the codebase's); wall / floor says how far the run is from reading the code once at the GPU's speed.

Report fields that a build lacks print "-": modules.modules[i].timing {queued_s, admitted_s,
first_token_s, finished_s, requests} (seconds since the agents started), modules.pool_tokens,
modules.peak_modules_in_flight, modules.peak_requests_in_flight, modules.target_tokens."""

from __future__ import annotations

import glob
import os
import re

from resultfiles import R, load  # noqa: E402  (beside this script)


def text(name: str) -> str:
    try:
        with open(os.path.join(R, name), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def num(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, dict):  # e.g. a planned size with its reason
        return ", ".join(f"{k} {num(v)}" for k, v in x.items())
    if isinstance(x, float):
        return f"{x:,.1f}" if abs(x) >= 10 else f"{x:.2f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def curve() -> list[tuple[int, float]]:
    d = load(os.path.join(R, "prefill_bench.json")) or {}
    return sorted((p["tokens"], p["s"]) for p in d.get("points", []) if p.get("tokens") and p.get("s") and not p.get("error"))


def cold_prefill(tokens: int | None, pts: list[tuple[int, float]]) -> float | None:
    """Seconds to prefill TOKENS from an empty cache: piecewise linear in the measured points; below the
    first, proportional; beyond the last, the last segment's slope (the cost per token still growing)."""
    if not tokens or not pts:
        return None
    if tokens <= pts[0][0]:
        return pts[0][1] * tokens / pts[0][0]
    for (l0, s0), (l1, s1) in zip(pts, pts[1:]):
        if tokens <= l1:
            return s0 + (s1 - s0) * (tokens - l0) / (l1 - l0)
    if len(pts) == 1:
        return pts[0][1] * tokens / pts[0][0]
    (l0, s0), (l1, s1) = pts[-2], pts[-1]
    return s1 + (s1 - s0) / (l1 - l0) * (tokens - l1)


def attempts(tag: str) -> tuple[float | None, int, str]:
    """The run's wall (its attempts summed: a resumed run repeats the work its last attempt lost), how many, the
    last rc. An attempt killed before it could write its line counts until the next one started."""
    walls: list[float] = []
    rc = "-"
    started: float | None = None
    for line in (text(f"analyze_{tag}.attempts") or text(f"analyze_{tag}.wall")).splitlines():
        m = re.match(r"(\d+) start", line)
        if m:
            if started is not None:
                walls.append(int(m.group(1)) - started)
            started = int(m.group(1))
            continue
        m = re.search(r"rc (\S+) wall_s ([\d.]+)", line)
        if m:
            walls.append(float(m.group(2)))
            rc, started = m.group(1), None
    return (round(sum(walls), 1) if walls else None), len(walls), rc


def overlap(ms: list[dict]) -> int | None:
    """Most modules between admitted and finished at one time, from their timings (None without them)."""
    spans = [((m.get("timing") or {}).get("admitted_s"), (m.get("timing") or {}).get("finished_s")) for m in ms]
    spans = [(a, e) for a, e in spans if a is not None and e is not None]
    if not spans:
        return None
    edges = sorted([(a, 1) for a, _ in spans] + [(e, -1) for _, e in spans], key=lambda t: (t[0], t[1]))
    peak = cur = 0
    for _, d in edges:
        cur += d
        peak = max(peak, cur)
    return peak


def report(tag: str) -> dict | None:
    files = glob.glob(os.path.join(R, f"analyze_{tag}", "*.json")) or glob.glob(os.path.join(R, f"analyze_{tag}.json"))
    return load(sorted(files)[-1]) if files else None


def server() -> None:
    facts = text("scale_server_facts.txt") + text("scale_serve.txt")
    served = re.search(r"profile (\S+), pid \d+, window ([\d,]+)", facts)
    pool = re.findall(r"GPU KV cache size: ([\d,]+) tokens", facts)
    start = re.search(r"serve_s (\d+)", facts)
    conc = re.findall(r"Maximum concurrency for ([\d,]+) tokens per request: ([\d.]+)x", facts)
    load_gib = re.findall(r"Model loading took ([\d.]+) GiB", facts)
    print(f"server: profile {served.group(1) if served else '-'}, window {served.group(2) if served else '-'}, "
          f"KV pool {pool[-1] if pool else '-'} tokens, weights {load_gib[-1] + ' GiB' if load_gib else '-'}, "
          f"concurrency {conc[-1][1] + 'x at ' + conc[-1][0] if conc else '-'}, healthy after {start.group(1) + ' s' if start else '-'}"
          + ("  (the bench retried at vLLM's estimate)" if "the bench's retry" in facts else ""))


def prefill_table(pts: list[tuple[int, float]]) -> None:
    d = load(os.path.join(R, "prefill_bench.json")) or {}
    if not d.get("points"):
        print("prefill vs length: not measured")
        return
    print(f"\ncold prefill vs length (window {num(d.get('window'))}; code tokenized in {num(d.get('tokenize_s'))} s)")
    print(f"{'tokens':>10} {'s':>8} {'tok/s':>9} {'cached':>7}")
    for p in d["points"]:
        print(f"{num(p.get('tokens')):>10} {num(p.get('s')):>8} {num(p.get('tok_s')):>9} {num(p.get('cached')):>7}"
              + (f"  error {p['error']}" if p.get("error") else ""))


def run(tag: str, what: str, pts: list[tuple[int, float]]) -> None:
    wall, n, rc = attempts(tag)
    rep = report(tag)
    print(f"\n== {what} (analyze_{tag}) ==")
    if not rep:
        print(f"no report yet ({n} attempt(s), last rc {rc})")
        return
    mods = rep.get("modules") or {}
    ms = mods.get("modules") or []
    pc = rep.get("prefix_cache") or {}
    hit = round(pc["hits"] / pc["queries"], 3) if pc.get("queries") and pc.get("hits") is not None else None
    agents_s = (rep.get("timings") or {}).get("agents_s")
    total = (rep.get("tokens") or {}).get("total_tokens") or rep.get("tokens_total")
    failed = [f"{a['agent']}{' in ' + a['subject'] if a.get('subject') else ''}" for a in rep.get("agents", []) if a.get("status") not in ("ok", None)]
    failed += [f"{m.get('id')}: {', '.join(m.get('errors') or {})}" for m in ms if m.get("errors")]
    print(f"mode {rep.get('mode')}, code {num(total)} tokens, window {num((rep.get('llm') or {}).get('max_model_len'))}; "
          f"wall {num(wall)} s over {n} attempt(s) (last rc {rc}), agents {num(agents_s)} s")
    print(f"requests {num((rep.get('summary') or {}).get('model_requests'))}, prefix-cache hit rate {num(hit)}, "
          f"peak in flight: {num(mods.get('peak_modules_in_flight'))} modules (from the timings: {num(overlap(ms))}), {num(mods.get('peak_requests_in_flight'))} requests; "
          f"pool {num(mods.get('pool_tokens'))} tokens; module size {num(mods.get('target_tokens'))}")
    if rep.get("mode") != "modules":
        floor = cold_prefill(total, pts)
    else:
        print(f"{'module':<7} {'tokens':>9} {'prompt':>9} {'queued s':>9} {'prefill s':>9} {'cold s':>7} {'stall s':>7} "
              f"{'answers s':>9} {'requests':>8} {'waits>computes':>14}  agents")
        floor = 0.0 if pts else None
        for m in ms:
            t = m.get("timing") or {}
            q, a, f, e = (t.get(k) for k in ("queued_s", "admitted_s", "first_token_s", "finished_s"))
            queued = a - q if a is not None and q is not None else None
            prefill = f - a if f is not None and a is not None else None
            answers = e - f if e is not None and f is not None else None
            computes = e - a if e is not None and a is not None else None
            cold = cold_prefill(m.get("prompt_tokens") or m.get("tokens"), pts)
            floor = floor + cold if floor is not None and cold is not None else None
            waits = "-" if queued is None or computes is None else ("YES" if queued > computes else "no")
            stall = max(0.0, prefill - cold) if prefill is not None and cold is not None else None
            print(f"{m.get('id', '-'):<7} {num(m.get('tokens')):>9} {num(m.get('prompt_tokens')):>9} {num(queued):>9} {num(prefill):>9} "
                  f"{num(cold):>7} {num(stall):>7} {num(answers):>9} {num(t.get('requests')):>8} {waits:>14}  "
                  + ", ".join(f"{k} {v}" for k, v in (m.get("agents") or {}).items()))
    print("agents: " + "; ".join(f"{a.get('agent')} {num(a.get('requests'))} req, {num(a.get('wall_s'))} s, first token {num(a.get('ttft_s'))}{' s' if a.get('ttft_s') is not None else ''}, "
                                 f"{num(a.get('completion_tokens'))} out ({num(a.get('thinking_tokens'))} thinking), {a.get('status')}"
                                 for a in rep.get("agents", [])))
    ratio = f"{wall / floor:.2f}x" if wall and floor else "-"
    ratio_agents = f"{agents_s / floor:.2f}x" if agents_s and floor else "-"
    what = "the modules' cold prefills summed" if rep.get("mode") == "modules" else "the codebase's cold prefill"
    print(f"floor ({what}): "
          f"{num(floor)} s; wall / floor {ratio}, agents / floor {ratio_agents}")
    print(f"failed: {', '.join(failed[:8]) or '-'}")


pts = curve()
server()
prefill_table(pts)
run("chunked", "4.7M-token tree, chunked (Tomcat 7.0.109)", pts)
run("single", "0.97M-token tree, one context where the window holds it (Ant 1.9.16 core)", pts)
