"""What the static pass costs on unlabelled public code: candidates per 1,000 lines of the files of some kinds.

    .venv/bin/python bench/candidates_cost.py --ext .jsp,.jspf,.jspx,.tag /work/corpora/jspwiki /work/corpora/tomcat-7.0.109
    .venv/bin/python bench/candidates_cost.py --ext .html,.tpl,.twig,.j2 /work/corpora/web2py /work/corpora/flask ...
    ... [--json OUT.json]

The labelled corpora (bench/labelled_web.py) say what a rule finds and flags wrongly on test files; this
says how many candidates real pages and templates give, rule by rule: each one is a lead the security
agent spends tokens on. The trees are read as text (nothing runs) and scanned with ``find_candidates``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modernizer.findings.candidates import find_candidates  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trees", nargs="+", type=Path)
    ap.add_argument("--ext", required=True, help="comma-separated file name endings, e.g. .jsp,.tag")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    exts = tuple(e.strip() for e in args.ext.split(",") if e.strip())
    texts = {}
    for tree in args.trees:
        if not tree.is_dir():
            sys.exit(f"{tree} is not a directory: fetch the corpus first")
        for p in sorted(tree.rglob("*")):
            if p.is_file() and p.name.endswith(exts):
                texts[f"{tree.name}/{p.relative_to(tree).as_posix()}"] = p.read_text(encoding="utf-8", errors="replace")
    t0 = time.perf_counter()
    cs = find_candidates(texts, jobs=2, timeout_s=900)
    lines = sum(t.count("\n") + 1 for t in texts.values())
    out = {"trees": [t.name for t in args.trees], "ext": list(exts), "files": len(texts), "lines": lines,
           "candidates": len(cs.candidates), "per_kloc": round(1000 * len(cs.candidates) / max(1, lines), 2),
           "by_rule": dict(sorted(Counter(c.rule for c in cs.candidates).items())), "errors": len(cs.errors),
           "engine": f"{cs.engine} {cs.engine_version}", "rules": cs.rules, "seconds": round(time.perf_counter() - t0, 1)}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
