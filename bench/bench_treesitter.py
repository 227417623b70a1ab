"""Would tree-sitter beat the regex extractors? Times, on the same tree in one process:

- tree-sitter (py-tree-sitter + the tree-sitter-python grammar): parse every Python file and
  collect its import statements with a query (no resolution to files at all);
- modernizer's Python extractor (modernizer.repo.lang.python): find the imports *and* resolve them
  against the package tree, producing the edges.

    python3 -m venv /tmp/tsv && /tmp/tsv/bin/pip install tree-sitter tree-sitter-python -e .
    /tmp/tsv/bin/python bench/bench_treesitter.py bench/work/tree/django-5.2.8   # the ingest bench's tree

tree-sitter is not a dependency of modernizer: this script brings it in its own venv.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import tree_sitter_python as tspython
from tree_sitter import Language, Parser, Query, QueryCursor

from modernizer.repo.ingest import load_snapshot
from modernizer.repo.lang import dependency_edges


def main(tree: str) -> None:
    snap = load_snapshot(tree)
    py = [f for f in snap.files if f.language == "python"]
    lang = Language(tspython.language())
    parser = Parser(lang)
    query = Query(lang, "(import_statement) @i (import_from_statement) @f")
    sources = [f.text.encode() for f in py]
    t0 = time.perf_counter()
    statements = 0
    for src in sources:
        caps = QueryCursor(query).captures(parser.parse(src).root_node)
        statements += sum(len(v) for v in caps.values())
    t1 = time.perf_counter()
    edges = dependency_edges(py)
    t2 = time.perf_counter()
    print(f"{len(py)} Python files, {sum(map(len, sources)):,} bytes")
    print(f"tree-sitter parse + import query: {t1 - t0:.2f} s, {statements:,} import statements (not resolved)")
    print(f"modernizer.repo.lang python extract + resolve: {t2 - t1:.2f} s, {len(edges):,} edges")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).parent / "work" / "tree" / "django-5.2.8"))
