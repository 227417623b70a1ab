"""C and C++ ``#include`` (quoted: beside the file first; angle: include/ and src/), and SQL
scripts that run other scripts (``@file``, ``\\i``, ``START``, ``SOURCE``)."""

from __future__ import annotations

import posixpath
import re

from modernizer.repo.lang.base import JS_LEX, RepoIndex, SourceFile, ancestors, strip_comments_keep_strings, unique

C_INCLUDE = re.compile(r"^[ \t]*#[ \t]*include[ \t]*([\"<])([^\">\n]+)[\">]", re.M)
SQL_INCLUDE = re.compile(r"^[ \t]*(?:@@?|\\ir?[ \t]+|start[ \t]+|source[ \t]+)[ \t]*([\w./\\-]+\.\w+|[\w./\\-]+)[ \t]*;?[ \t]*$", re.M | re.I)


def extract_c(repo: RepoIndex, f: SourceFile) -> None:
    text = strip_comments_keep_strings(repo.text(f), JS_LEX)
    own = posixpath.dirname(f.path)
    for m in C_INCLUDE.finditer(text):
        rel = m.group(2).strip()
        bases = ([own] if m.group(1) == '"' else []) + ["", "include", "src"]
        hit = repo.resolve_in(unique(bases), rel)
        if hit is None and m.group(1) == '"':
            hit = repo.resolve_in(ancestors(f.path)[1:], rel)
        repo.add(f.path, hit, "include")

# ---- SQL scripts

def extract_sql(repo: RepoIndex, f: SourceFile) -> None:
    own = posixpath.dirname(f.path)
    for m in SQL_INCLUDE.finditer(repo.text(f)):
        rel = m.group(1)
        cands = [rel] if "." in posixpath.basename(rel) else [rel + ".sql", rel]
        for c in cands:
            hit = repo.resolve_in([own, ""], c)
            if hit:
                repo.add(f.path, hit, "include")
                break


