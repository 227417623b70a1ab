"""Semgrep time of the candidates pass on a few trees, for before/after comparisons of the rules.

    PYTHONPATH=<checkout> .venv/bin/python bench/time_candidates_java.py TREE... [--runs 2]

Each tree: every text file (no .git), find_candidates with jobs=2, the best wall time of --runs runs.
``--flow-split``: Semgrep alone (find_candidates(java_flow=False)), then the Java flow evaluator's own
time on that result (java_flow.refine_java), with the candidates it dropped and added."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def read_tree(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            p = Path(dirpath) / name
            if p.is_file() and not p.is_symlink() and p.stat().st_size < 3_000_000:
                try:
                    out[p.relative_to(root).as_posix()] = p.read_text(encoding="utf-8")
                except (UnicodeDecodeError, OSError):
                    pass
    return out


def main() -> int:
    from modernizer.findings.candidates import find_candidates
    import modernizer
    ap = argparse.ArgumentParser()
    ap.add_argument("trees", nargs="+", type=Path)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--flow-split", action="store_true", help="Semgrep alone, then the Java flow evaluator's own time")
    a = ap.parse_args()
    print(f"modernizer from {Path(modernizer.__file__).parent}")
    for t in a.trees:
        texts = read_tree(t)
        kloc = sum(x.count("\n") for x in texts.values()) / 1000
        best, cs = None, None
        if a.flow_split:
            from modernizer.findings.candidates import builtin_rules
            from modernizer.findings.candidates.java_flow import refine_java
            taint = frozenset(r for r, d in builtin_rules().items() if d.get("mode") == "taint" and "java" in d.get("languages", []))
            t0 = time.perf_counter()
            cs = find_candidates(texts, jobs=2, timeout_s=900, java_flow=False)
            semgrep_s = time.perf_counter() - t0
            flow = None
            for _ in range(a.runs):
                t1 = time.perf_counter()
                cands, stats = refine_java(texts, cs.candidates, taint)
                dt = time.perf_counter() - t1
                flow = dt if flow is None else min(flow, dt)
            print(f"{t.name}: {len(texts)} files, {kloc:.1f} kloc, semgrep alone {semgrep_s:.1f} s, {len(cs.candidates)} candidates; "
                  f"flow evaluator best {flow:.2f} s on {stats.files} files ({len(stats.unparsed)} unparsed), "
                  f"{len(stats.dropped)} dropped, {stats.added} added -> {len(cands)} candidates")
            continue
        for _ in range(a.runs):
            t0 = time.perf_counter()
            cs = find_candidates(texts, jobs=2, timeout_s=900)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        print(f"{t.name}: {len(texts)} files, {kloc:.1f} kloc, {len(cs.candidates)} candidates, {len(cs.errors)} errors, best {best:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
