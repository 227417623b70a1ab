"""Does a change to the import-edge extractor (modernizer/repo/lang/) keep every edge? Runs
``dependency_edges`` over each tree with two checkouts' modernizer/ (each in its own process, via
PYTHONPATH) and compares the edge sets, kinds included.

    .venv/bin/python bench/check_edges.py --before /tmp/i20/before75 TREE [TREE...]

A speed-up of the extractor must print "same" for every tree; any difference is listed (the
first 20 edges only one side has). Every file is loaded whatever its role, so that a change to the
roles does not change the files the extractor sees. Also prints each side's extraction time (one run: a sanity
check, not a benchmark; bench/bench_ingest.py measures).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, sys, time
from modernizer.repo.ingest import IngestOptions, load_snapshot
from modernizer.repo.lang import dependency_edges
from modernizer.repo.roles import ROLES
snap = load_snapshot(sys.argv[1], IngestOptions(roles=list(ROLES)))  # every role: the same files on both sides
t, c = time.perf_counter(), time.process_time()
edges = dependency_edges(snap.files)
dt, dc = time.perf_counter() - t, time.process_time() - c
import modernizer.repo.lang.base as _b
json.dump({"modernizer": _b.__file__, "seconds": dt, "cpu": dc, "files": len(snap.files), "edges": [[e.source, e.target, e.kind] for e in edges]}, sys.stdout)
"""


def edges_of(source: Path, tree: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(source)
    with tempfile.TemporaryDirectory() as cache:  # an empty per-user cache: nothing read back
        env["MODERNIZE_CACHE_HOME"] = cache
        out = subprocess.run([sys.executable, "-c", _CHILD, str(Path(tree).resolve())], env=env, cwd=cache,  # not this checkout: -c imports from the cwd first
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="a checkout (or archive) holding the old modernizer/")
    ap.add_argument("--after", type=Path, default=ROOT, help="the checkout to compare (default: this one)")
    ap.add_argument("trees", nargs="+")
    a = ap.parse_args()
    differ = 0
    for tree in a.trees:
        b, n = edges_of(a.before, tree), edges_of(a.after, tree)
        old, new = {tuple(e) for e in b["edges"]}, {tuple(e) for e in n["edges"]}
        verdict = "same" if old == new else f"DIFFERENT: {len(old - new)} only before, {len(new - old)} only after"
        differ += old != new
        assert b['modernizer'] != n['modernizer'], 'both sides imported the same modernizer/'
        print(f"{Path(tree).name}: {b['files']} files, {len(old)} edges before / {len(new)} after: {verdict} "
              f"(extraction CPU {b['cpu']:.2f} s before, {n['cpu']:.2f} s after)")
        for tag, only in (("before", old - new), ("after", new - old)):
            for e in sorted(only)[:20]:
                print(f"  only {tag}: {e}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
