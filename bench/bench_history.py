"""What the history (`analyze --history DIR`) costs a weekly job: a year of weekly runs on real trees.

For each tree, 52 weekly reports are built through the public ``build_report`` (ingest, facts,
grounding against the tree's real lines), each with security findings at real lines of the tree:
about 10 per 32K-token slice (half of the 20 one answer may carry), 5% of them fixed and 5% new
every week, and each report compared with the previous week's (as `--history` does with its kept
baseline). These findings are test data, not a model's: the history's cost depends on how many
findings a run has, not on what they say.

Timed per week, in the same process: recording the run (``record_of`` + ``store.append``), reading
the history back and computing the trend (``store.load`` + ``trend``), and, as the peer, rendering
and writing the JSON and HTML reports the run writes anyway. Also the history file's size.

    .venv/bin/python bench/bench_history.py                       # flask, osticket, tomcat-7.0.109
    .venv/bin/python bench/bench_history.py --tree NAME=PATH ...  # other trees
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from modernizer.run.assemble import build_report  # noqa: E402
from modernizer.findings.baseline import compare, present_in  # noqa: E402
from modernizer.engine.results import AgentRun, PipelineResult  # noqa: E402
from modernizer.repo.facts import compute_facts  # noqa: E402
from modernizer.fs import write_atomic  # noqa: E402
from modernizer.history import store  # noqa: E402
from modernizer.history.trend import record_of, trend  # noqa: E402
from modernizer.repo.ingest import load_snapshot  # noqa: E402
from modernizer.render import render  # noqa: E402
from modernizer.report import LLMInfo  # noqa: E402
from modernizer.findings.schemas import Finding, SecurityOutput  # noqa: E402

TREES = {"flask": "/work/corpora/flask", "osticket": "/work/corpora/osticket", "tomcat7": "/work/corpora/tomcat-7.0.109"}
WEEKS = 52
CHURN = 0.05
SEVERITY = ["critical", "high", "high", "medium", "medium", "medium", "low", "low", "info"]


def sites(snapshot, rng: random.Random, n: int) -> list[dict]:
    """``n`` findings at distinct real, non-blank lines of the tree's analysed files."""
    lines = [(f.path, i, t) for f in snapshot.files for i, t in enumerate(f.text.splitlines(), 1) if len(t.strip()) > 8]
    picked = rng.sample(lines, min(n, len(lines)))
    return [{"title": f"Finding at {path}:{n}"[:90], "category": rng.choice(["sql-injection", "xss", "path-traversal", "deprecated-api"]),
             "cwe": "", "severity": rng.choice(SEVERITY), "file": path, "line_start": n, "line_end": n,
             "snippet": text.strip()[:160], "reason": "bench data"} for path, n, text in picked]


def bench_tree(name: str, path: Path, out: Path) -> dict:
    t0 = time.perf_counter()
    snapshot = load_snapshot(path)
    facts = compute_facts(snapshot)
    prepare_s = time.perf_counter() - t0
    tokens = sum(len(f.text) for f in snapshot.files) // 4
    per_run = max(20, round(10 * math.ceil(tokens / 32_000)))
    rng = random.Random(name)
    # every site's finding is built (and grounded) once: the code does not change, so a site's finding,
    # fingerprint included, is the same every week it is reported
    pool = sites(snapshot, rng, per_run * 3)
    result = PipelineResult(runs=[AgentRun(agent="security", role="findings", id_prefix="S", output_type="SecurityOutput", status="ok",
                                           output=SecurityOutput.model_construct(
                                               findings=[Finding.model_construct(id=f"S{i}", **f) for i, f in enumerate(pool, 1)]))])
    t0 = time.perf_counter()
    base = build_report(snapshot, facts, None, result, LLMInfo(endpoint="http://127.0.0.1:8000/v1", model="bench", max_model_len=1_048_576))
    grounding_s = time.perf_counter() - t0
    built = base.findings
    current, spare = built[:per_run], built[per_run:]
    hist = out / name / "history.sqlite"
    hist.parent.mkdir(parents=True)
    present = present_in(snapshot)
    previous = None
    weeks = []
    start = datetime(2026, 1, 5, 3, 17, tzinfo=timezone.utc)
    for week in range(WEEKS):
        if week:
            k = max(1, round(CHURN * per_run))
            rng.shuffle(current)
            current = current[k:] + [spare.pop() for _ in range(min(k, len(spare)))]
        report = base.model_copy(update={"findings": list(current), "generated_at": (start + timedelta(weeks=week)).isoformat()})
        if previous is not None:
            report = compare(report, previous, "baseline.json", present=present)
        t = time.perf_counter()
        store.append(hist, record_of(report, f"{name}-week{week + 1}"))
        record_s = time.perf_counter() - t
        t = time.perf_counter()
        shown = trend(store.load(hist), source="history.sqlite")
        trend_s = time.perf_counter() - t
        report = report.model_copy(update={"history": shown})
        t = time.perf_counter()
        for fmt in ("json", "html"):
            write_atomic(out / name / f"report.{fmt}", render(report, fmt))
        reports_s = time.perf_counter() - t
        previous = report
        weeks.append({"week": week + 1, "findings": len(report.findings), "record_s": record_s, "trend_s": trend_s,
                      "reports_s": reports_s, "history_bytes": hist.stat().st_size,
                      "report_bytes": sum((out / name / f"report.{f}").stat().st_size for f in ("json", "html"))})
    last = weeks[-13:]  # the last quarter: the history at its largest
    med = lambda key: statistics.median(w[key] for w in last)  # noqa: E731
    return {"tree": name, "path": str(path), "files": len(snapshot.files), "lines": sum(f.lines for f in snapshot.files),
            "tokens": tokens, "findings_per_run": per_run, "prepare_s": prepare_s, "grounding_s": grounding_s,
            "history_bytes_after": weeks[-1]["history_bytes"], "rows": sum(w["findings"] for w in weeks),
            "median_record_s": med("record_s"), "median_trend_s": med("trend_s"), "median_reports_s": med("reports_s"),
            "report_bytes": weeks[-1]["report_bytes"], "final_trend": shown.runs[-1].model_dump(), "weeks": weeks}


def markdown(results: list[dict], command: str, commit: str, when: str) -> str:
    rows = []
    ratios = [(r["median_record_s"] + r["median_trend_s"]) / r["median_reports_s"] for r in results]
    worst = max(r["median_record_s"] + r["median_trend_s"] for r in results)
    per_row = [r["history_bytes_after"] / r["rows"] for r in results]
    for r in results:
        ratio = (r["median_record_s"] + r["median_trend_s"]) / r["median_reports_s"]
        rows.append(f"| {r['tree']} | {r['files']:,} | {r['lines']:,} | {r['tokens']:,} | {r['findings_per_run']:,} | "
                    f"{r['history_bytes_after'] / 1024:,.0f} KiB ({r['history_bytes_after'] / r['rows']:.0f} B a finding-row) | "
                    f"{r['report_bytes'] / 1024:,.0f} KiB | {r['median_record_s'] * 1000:,.0f} ms | {r['median_trend_s'] * 1000:,.0f} ms | "
                    f"{r['median_reports_s'] * 1000:,.0f} ms | {ratio:.2f} |")
    return f"""# The history's cost: a year of weekly runs

Generated by `{command}` on {when or "?"} UTC (2 cores shared with other work, Python {platform.python_version()});
modernizer at commit {commit}.

Each tree gets {WEEKS} weekly reports built through `build_report` (findings grounded against its real lines:
about 10 per 32K-token slice, {CHURN:.0%} fixed and {CHURN:.0%} new each week, each report compared with
the previous week's). The findings are bench data at real lines, not a model's: the history's cost
depends on how many findings a run has. Medians of the last 13 weeks (the history at its largest);
the peer is rendering and writing the JSON and HTML reports, which every run does anyway.

| tree | files | lines | tokens (chars/4) | findings a run | history.sqlite after {WEEKS} runs | JSON+HTML of one run | record a run | load + trend | write JSON+HTML (peer) | (record + trend) / peer |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

Reading: recording a run and computing the trend take {min(ratios):.1f} to {max(ratios):.1f} times as long as writing the
run's JSON and HTML reports, at most {worst * 1000:,.0f} ms on the largest tree; a year of runs keeps
{min(per_row):.0f} to {max(per_row):.0f} bytes a finding. Raw figures per week: `history.json`
(`python bench/bench_history.py --render` rewrites this page from it).
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", action="append", default=[], metavar="NAME=PATH")
    ap.add_argument("--render", action="store_true", help="rewrite results/history.md from results/history.json")
    args = ap.parse_args()
    res = ROOT / "bench" / "results"
    if args.render:
        data = json.loads((res / "history.json").read_text())
        (res / "history.md").write_text(markdown(data["results"], data["command"], data["commit"], data.get("when", "")))
        return
    trees = dict(t.split("=", 1) for t in args.tree) or TREES
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in trees.items():
            print(f"{name}: {path}", flush=True)
            results.append(bench_tree(name, Path(path), Path(tmp)))
            r = results[-1]
            print(f"  {r['findings_per_run']} findings a run, history {r['history_bytes_after'] / 1024:.0f} KiB, record "
                  f"{r['median_record_s'] * 1000:.0f} ms, trend {r['median_trend_s'] * 1000:.0f} ms, reports {r['median_reports_s'] * 1000:.0f} ms", flush=True)
    command = "python bench/bench_history.py" + "".join(f" --tree {t}" for t in args.tree)
    when = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M}"
    (res / "history.json").write_text(json.dumps({"command": command, "commit": commit, "when": when, "results": results}, indent=1))
    (res / "history.md").write_text(markdown(results, command, commit, when))
    print(f"wrote {res / 'history.md'}")


if __name__ == "__main__":
    main()
