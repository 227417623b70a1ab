"""Does a refactor leave what a run reports unchanged? Runs ``analyze --no-llm`` on each tree with two
checkouts' code (``--before``, and this one) and compares the JSON reports key by key, times and
paths of the run left out. Written for issue 24 (the package layout: pure moves, no behaviour change).

    .venv/bin/python bench/same_reports.py --before /work/main /work/corpora/flask /work/corpora/osticket \
        --candidates /work/corpora/securibench-micro

Each side runs with its own empty per-user cache, from a neutral folder (so that ``-m modernizer.cli``
imports the checkout named by PYTHONPATH). Prints one line per tree: how many values differ."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
# what changes from one run to the next by itself: clocks, durations, where the run wrote
VOLATILE = {"generated_at", "started_at", "finished_at", "timings", "seal", "report_sha256", "output", "cache_dir",
            "directory", "run_id", "created", "seconds"}


def differences(a: object, b: object, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k in VOLATILE or k.endswith(("_s", "_at")):
                continue
            if k not in a or k not in b:
                out.append(f"{path}/{k}: only in {'after' if k in b else 'before'}")
            else:
                out += differences(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = [f"{path}: {len(a)} vs {len(b)} items"] if len(a) != len(b) else []
        for i, (x, y) in enumerate(zip(a, b)):
            out += differences(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {str(a)[:80]!r} vs {str(b)[:80]!r}"]


def report_of(code: Path, tree: Path, candidates: bool, work: Path) -> dict:
    out, cache = work / "out", work / "cache"
    env = {**os.environ, "PYTHONPATH": str(code), "MODERNIZE_CACHE_HOME": str(cache)}
    flag = "--candidates" if candidates else "--no-candidates"
    subprocess.run([sys.executable, "-m", "modernizer.cli", "analyze", str(tree), "--no-llm", flag, "-o", str(out)],
                   env=env, cwd=work, check=True, capture_output=True)
    return json.loads(next(out.glob("*.json")).read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="a checkout (or export) with the code before")
    ap.add_argument("trees", nargs="*", type=Path, help="trees analysed without the candidates pass")
    ap.add_argument("--candidates", nargs="*", type=Path, default=[], help="trees analysed with the candidates pass")
    args = ap.parse_args()
    changed = 0
    for tree, cand in [(t, False) for t in args.trees] + [(t, True) for t in args.candidates]:
        with tempfile.TemporaryDirectory() as tmp:
            sides = []
            for name, code in (("before", args.before.resolve()), ("after", HERE)):
                (Path(tmp) / name).mkdir()
                sides.append(report_of(code, tree.resolve(), cand, Path(tmp) / name))
        diff = differences(*sides)
        changed += bool(diff)
        sites = len((sides[1].get("candidates") or {}).get("items") or [])
        print(f"{tree.name} ({'with' if cand else 'without'} candidates: {sites} sites): {len(diff)} values differ")
        for line in diff[:20]:
            print("   ", line)
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
