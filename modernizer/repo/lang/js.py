"""JavaScript and TypeScript: ES imports, CommonJS require, dynamic import() and triple-slash
references, resolved like a bundler would (extensions, index files, TS sources behind .js names)."""

from __future__ import annotations

import posixpath
import re

from modernizer.repo.lang.base import JS_EXTENSIONS, JS_LEX, RepoIndex, SourceFile, join, strip_comments_keep_strings

JS_SPECIFIERS = re.compile(
    r"\bfrom\s*([\"'])([^\"'\n]{1,500})\1"
    r"|\bimport\s*([\"'])([^\"'\n]{1,500})\3"
    r"|\b(?:require|import)\s*\(\s*([\"'`])([^\"'`\n]{1,500})\5\s*\)"
)
TS_REFERENCE = re.compile(r"^\s*///\s*<reference\s+path\s*=\s*[\"']([^\"']+)[\"']", re.M)


def extract(repo: RepoIndex, f: SourceFile) -> None:
    raw = repo.text(f)
    text = strip_comments_keep_strings(raw, JS_LEX)
    own = posixpath.dirname(f.path)
    specs = [m.group(2) or m.group(4) or m.group(6) for m in JS_SPECIFIERS.finditer(text)]
    specs += TS_REFERENCE.findall(raw)
    for spec in sorted(set(specs)):
        if not spec:
            continue
        spec = spec.split("?", 1)[0].split("#", 1)[0]
        if spec.startswith(("./", "../")) or spec in (".", ".."):
            bases = [own]
        elif spec.startswith("/"):
            bases = [""]
        elif spec.startswith(("@/", "~/")):
            spec, bases = spec[2:], ["src", ""]
        elif "/" in spec and not spec.startswith("@"):
            bases = ["src", ""]  # baseUrl-style absolute paths; packages rarely resolve here
        else:
            continue
        repo.add(f.path, resolve(repo, bases, spec), "import")

def resolve(repo: RepoIndex, bases: list[str], spec: str) -> str | None:
    for base in bases:
        p = join(base, spec.lstrip("/"))
        if p is None:
            continue
        if p in repo.paths and p != ".":
            return p
        cands = [p + ext for ext in JS_EXTENSIONS]
        if p.endswith((".js", ".jsx", ".mjs", ".cjs")):  # TS source imported by its emitted name
            stem = p.rsplit(".", 1)[0]
            cands += [stem + ".ts", stem + ".tsx", stem + ".mts", stem + ".cts"]
        cands += [join(p, "index" + ext) or "" for ext in JS_EXTENSIONS]
        for c in cands:
            if c in repo.paths:
                return c
    return None

# ---- PHP
