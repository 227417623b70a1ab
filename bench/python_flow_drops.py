"""What the Python flow evaluator drops on a tree: every dropped candidate listed, to be checked by hand.

    .venv/bin/python bench/python_flow_drops.py /work/corpora/bandit/examples [/work/corpora/flask ...] [--markdown]

Semgrep runs once per tree with the evaluator off (``find_candidates(..., python_flow=False)``), then
``refine_python`` judges those same candidates: the tables give the Python taint candidates per family
before and after, the files Python 3 could not parse (left as Semgrep reported them) and each dropped
candidate with its line, so a person can check that none is a real flow. The trees are public code read
as text; nothing of them runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modernizer.findings.candidates import find_candidates  # noqa: E402
from modernizer.findings.candidates.engine import builtin_rules  # noqa: E402
from modernizer.findings.candidates.python_flow import INJECTION_FAMILIES, refine_python  # noqa: E402


def tree_texts(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*.py")):
        if p.is_file() and not p.is_symlink() and p.stat().st_size <= 1_000_000:
            out[p.relative_to(root).as_posix()] = p.read_text(encoding="utf-8", errors="replace")
    return out


def run(root: Path, jobs: int) -> dict:
    texts = tree_texts(root)
    t0 = time.perf_counter()
    found = find_candidates(texts, jobs=jobs, timeout_s=1800, python_flow=False)
    semgrep_s = time.perf_counter() - t0
    taint = frozenset(rid for rid, r in builtin_rules().items() if r.get("mode") == "taint" and "python" in (r.get("languages") or []))
    t1 = time.perf_counter()
    after, stats = refine_python(texts, found.candidates, taint)
    flow_s = time.perf_counter() - t1
    judged = lambda cs: Counter(c.family for c in cs if c.rule in taint and c.family in INJECTION_FAMILIES)  # noqa: E731
    kept = {(c.file, c.line_start, c.rule) for c in after}
    dropped = [c for c in found.candidates if (c.file, c.line_start, c.rule) not in kept]
    return {"root": str(root), "files": len(texts), "lines": sum(t.count("\n") + 1 for t in texts.values()),
            "before": judged(found.candidates), "after": judged(after), "evaluated": stats.files,
            "unparsed": len(stats.unparsed), "dropped": dropped, "semgrep_s": semgrep_s, "flow_s": flow_s,
            "all_before": len(found.candidates), "all_after": len(after)}


def markdown(res: dict) -> str:
    out = [f"**{res['root']}**: {res['files']} Python files, {res['lines']:,} lines; candidates {res['all_before']} -> "
           f"{res['all_after']}; files evaluated {res['evaluated']}, not parsed by Python 3 {res['unparsed']}; "
           f"Semgrep {res['semgrep_s']:.1f} s, evaluator {res['flow_s']:.2f} s", "",
           "| family | taint candidates before | after |", "|---|---:|---:|"]
    for fam in sorted(set(res["before"]) | set(res["after"])):
        out.append(f"| {fam} | {res['before'].get(fam, 0)} | {res['after'].get(fam, 0)} |")
    out.append("")
    for c in res["dropped"]:
        out.append(f"- dropped `{c.file}:{c.line_start}` {c.rule}: `{c.snippet.strip().splitlines()[0][:100] if c.snippet.strip() else ''}`")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("roots", type=Path, nargs="+")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    for root in args.roots:
        if not root.is_dir():
            sys.exit(f"{root} is not a directory")
        print(markdown(run(root.resolve(), args.jobs)))
        print()


if __name__ == "__main__":
    main()
