"""Semgrep time of the candidates pass on a few trees, for before/after comparisons of the rules.

    PYTHONPATH=<checkout> .venv/bin/python bench/time_candidates_java.py TREE... [--runs 2]

Each tree: every text file (no .git), find_candidates with jobs=2, the best wall time of --runs runs."""

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
    from modernizer.candidates import find_candidates
    import modernizer
    ap = argparse.ArgumentParser()
    ap.add_argument("trees", nargs="+", type=Path)
    ap.add_argument("--runs", type=int, default=2)
    a = ap.parse_args()
    print(f"modernizer from {Path(modernizer.__file__).parent}")
    for t in a.trees:
        texts = read_tree(t)
        kloc = sum(x.count("\n") for x in texts.values()) / 1000
        best, cs = None, None
        for _ in range(a.runs):
            t0 = time.perf_counter()
            cs = find_candidates(texts, jobs=2, timeout_s=900)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        print(f"{t.name}: {len(texts)} files, {kloc:.1f} kloc, {len(cs.candidates)} candidates, {len(cs.errors)} errors, best {best:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
