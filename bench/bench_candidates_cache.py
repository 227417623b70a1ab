"""The candidates pass's per-file cache (issue 20, point 1): `analyze --no-llm` cold, re-run unchanged,
re-run after one file changed, with one checkout's code (main's or this branch's).

    python bench/bench_candidates_cache.py --checkout /work/main --tree /work/corpora/osticket --label main
    python bench/bench_candidates_cache.py --checkout . --tree /work/corpora/osticket --label branch

The tree is copied to a scratch folder first (the "touched" file is edited there, never in the corpus),
the per-user cache lives in a fresh scratch folder ($MODERNIZE_CACHE_HOME), and each run is its own
process (`python -m modernizer.cli analyze COPY --no-llm -o OUT`). Per run it prints one JSON line:
wall seconds, the Semgrep seconds the report records (this run's scan; 0 when nothing was scanned),
whether the result came from the cache, the files Semgrep scanned and the parse-error count. Append
the lines to bench/results/candidates-cache.jsonl with ``>>``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOURCE = (".php", ".java", ".py", ".jsp", ".js", ".inc")


def one_run(python: str, checkout: Path, tree: Path, out: Path, env: dict[str, str]) -> dict:
    t0 = time.perf_counter()
    p = subprocess.run([python, "-m", "modernizer.cli", "analyze", str(tree), "--no-llm", "-o", str(out)],
                       cwd=checkout, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"analyze failed ({p.returncode}): {p.stderr[-800:]}")
    report = max(out.glob("*.json"), key=lambda f: f.stat().st_mtime)
    data = json.loads(report.read_text())
    c = data.get("candidates") or {}
    summary = [ln for ln in p.stdout.splitlines() + p.stderr.splitlines() if "candidates" in ln.lower()]
    return {"wall_s": round(wall, 2), "semgrep_s": c.get("seconds"), "from_cache": c.get("from_cache"),
            "files_scanned": c.get("files_scanned"), "files_from_cache": c.get("files_from_cache"),
            "sites": len(c.get("items") or []), "errors": len(c.get("errors") or []), "terminal": summary[-2:]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkout", type=Path, required=True)
    ap.add_argument("--tree", type=Path, required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--python", default="/work/main/.venv/bin/python")
    a = ap.parse_args()
    checkout = a.checkout.resolve()
    with tempfile.TemporaryDirectory(prefix="bench-cc-") as tmp:
        work = Path(tmp) / a.tree.name
        shutil.copytree(a.tree, work, symlinks=True)
        env = {**os.environ, "PYTHONPATH": str(checkout), "MODERNIZE_CACHE_HOME": str(Path(tmp) / "cache"),
               "MODERNIZE_DATA_HOME": str(Path(tmp) / "data")}
        out = Path(tmp) / "out"
        victim = sorted(p for p in work.rglob("*") if p.is_file() and p.suffix in SOURCE)[0]
        for step in ("cold", "unchanged", "one-file-changed"):
            if step == "one-file-changed":
                with open(victim, "a", encoding="utf-8") as fh:
                    fh.write("\n")
            row = {"label": a.label, "tree": a.tree.name, "step": step, **one_run(a.python, checkout, work, out, env)}
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
