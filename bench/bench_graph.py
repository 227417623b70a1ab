"""Issue 20, points 5-6: how many PHP includes resolve, and how many cycles the graph shows, on a tree.

Usage (from the repository root, a tree extracted under /work/corpora):

    PYTHONPATH=. .venv/bin/python bench/bench_graph.py /work/corpora/dokuwiki [more trees...]

(PYTHONPATH picks the checkout measured: a script run from bench/ would otherwise import the
installed package.)

For each tree it prints one JSON line:
- ``php_includes``: include/require statements whose expression holds a string literal (the
  "literal includes"), ``resolved`` to a file of the tree by ``modernizer.repo.lang.php.include_target``,
  and ``missing`` (the rest; includes of files the tree does not ship count here too);
- ``cycles``: the file graph's strongly connected components through import-time edges (``main``,
  with the size of the largest), the groups only deferred imports close (``deferred_new``) and the
  import-time groups deferred imports make larger (``deferred_grown``).
Run it on the code before and after a change (``git stash`` / a second worktree) to compare.
"""

from __future__ import annotations

import json
import re
import sys
import time

from modernizer.repo.graph import build_graph_facts
from modernizer.repo.ingest import IngestOptions, load_snapshot
from modernizer.repo.lang import php
from modernizer.repo.lang.base import RepoIndex

LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")


def php_includes(files) -> dict[str, int]:  # noqa: ANN001
    repo = RepoIndex(files)
    php.index(repo)
    found = resolved = 0
    for f in repo.files:
        if f.language != "php":
            continue
        code = php.code_of(repo, f)
        for m in php.PHP_INCLUDE.finditer(code):
            if not LITERAL.search(m.group(1)):
                continue
            found += 1
            own = f.path.rsplit("/", 1)[0] if "/" in f.path else ""
            if php.include_target(repo, f.path, own, m.group(1)):
                resolved += 1
    return {"found": found, "resolved": resolved, "missing": found - resolved}


def main(trees: list[str]) -> None:
    for tree in trees:
        snap = load_snapshot(tree, IngestOptions(use_git=False))
        t = time.perf_counter()
        facts = build_graph_facts(snap.files)
        secs = time.perf_counter() - t
        view = facts.files
        deferred = getattr(view, "deferred_groups", None)  # None: the code before issue 20 point 6
        eager = {n for g in view.strongly_connected for n in g}
        new = [g for g in deferred or [] if not eager.intersection(g)]
        grown = [g for g in deferred or [] if eager.intersection(g)]
        out = {
            "tree": tree, "files": len(snap.files), "graph_s": round(secs, 2),
            "php_includes": php_includes(snap.files),
            "cycles": {
                "main": len(view.strongly_connected),
                "main_largest": max((len(c) for c in view.strongly_connected), default=0),
                "deferred_new": None if deferred is None else len(new),
                "deferred_new_largest": None if deferred is None else max(map(len, new), default=0),
                "deferred_grown": None if deferred is None else len(grown),
                "deferred_grown_largest": None if deferred is None else max(map(len, grown), default=0),
            },
        }
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
