"""Python: absolute, relative and dynamic (importlib) imports, resolved against the package tree
under every plausible source root (the repository root, src/, the directory above each top-level
package), Python 2 implicit relative imports included."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict

from modernizer.repo.lang.base import AS, PY_TRIPLE, RepoIndex, SourceFile, ancestors, depth, join

PY_FROM_PAREN = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*\(([^()]*+)\)", re.M)
PY_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+([^(\n][^\n]*)", re.M)
PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n]+)", re.M)
PY_DYNAMIC = re.compile(r"\b(?:import_module|__import__)\(\s*[\"']([\w.]+)[\"']")
PY_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")
_DEF = re.compile(r"(?:async\s+)?def\b")


def index(repo: RepoIndex) -> None:
    py = [p for p in sorted(repo.paths) if p.endswith((".py", ".pyw"))]
    repo.py_files = set(py)
    pkg_dirs = {posixpath.dirname(p) for p in py if posixpath.basename(p) == "__init__.py"}
    # Source roots: the repository root, src/, the directory above each top-level package, and
    # each directory of scripts that sit outside any package.
    roots: set[str] = {"", "src"}
    for p in py:
        d = posixpath.dirname(p)
        while d in pkg_dirs and d:
            d = posixpath.dirname(d)
        roots.add(d)
    # For each top-level name (a module stem or a directory), the roots under which it exists,
    # so that an import is tried only against the few roots that could hold it.
    repo.py_root_tops: dict[str, set[str]] = defaultdict(set)
    for p in py:
        for root in ancestors(p):
            if root in roots:
                top = (p[len(root) + 1:] if root else p).split("/", 1)[0]
                repo.py_root_tops[top.rsplit(".", 1)[0] if top.endswith((".py", ".pyw")) else top].add(root)


def module(repo: RepoIndex, root: str, dotted: str) -> str | None:
    base = join(root, dotted.replace(".", "/")) if dotted else (root or None)
    if base is None:
        return None
    if dotted:
        for cand in (base + ".py", base + "/__init__.py", base + ".pyw"):
            if cand in repo.py_files:
                return cand
        return None
    cand = base + "/__init__.py" if base else "__init__.py"
    return cand if cand in repo.py_files else None

def in_function(text: str, line_start: int) -> bool:
    """Whether the statement on the line starting at ``line_start`` sits inside a function body:
    an import there runs when the function is called, not when the module loads, so it cannot make
    an import-time cycle. Walks up through the enclosing blocks by indentation (only indented lines
    have any: a top-level import costs nothing)."""
    end = text.find("\n", line_start)
    line = text[line_start:end if end != -1 else len(text)]
    need = len(line) - len(line.lstrip())
    pos = line_start
    while need > 0 and pos > 0:
        prev = text.rfind("\n", 0, pos - 1) + 1
        candidate = text[prev:pos - 1]
        pos = prev
        stripped = candidate.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(candidate) - len(stripped)
        if indent < need:
            if _DEF.match(stripped):
                return True
            need = indent
    return False


def extract(repo: RepoIndex, f: SourceFile) -> None:
    text = PY_TRIPLE.sub("", repo.text(f)).replace("\\\n", " ")
    own = posixpath.dirname(f.path)
    above = set(ancestors(f.path))
    def kind_at(offset: int) -> str:  # the regexes match from the start of the statement's line
        return "deferred" if text[offset:offset + 1] in (" ", "\t") and in_function(text, offset) else "import"

    def preference(root: str) -> tuple[int, int, str]:
        """Roots above this file (deepest first), then src/, then any other root."""
        if root in above:
            return (0, -depth(root), root)
        return (1 if root == "src" else 2, 0, root)

    def absolute(dotted: str, names: tuple[str, ...] | None, kind: str) -> None:
        if not PY_NAME.match(dotted):
            return
        cands = repo.py_root_tops.get(dotted.split(".", 1)[0], set())
        roots = sorted(cands, key=preference)
        roots += [] if own in cands else [own]  # Python 2 implicit relative import
        for root in roots:
            if resolve_from(repo, root, dotted, names, f.path, kind=kind):
                return

    statements: set[tuple[str, tuple[str, ...] | None, str]] = set()
    for m in PY_FROM_PAREN.finditer(text):
        names = (strip_name(n) for n in re.sub(r"#[^\n]*", "", m.group(2)).split(","))
        statements.add((m.group(1), tuple(n for n in names if n), kind_at(m.start())))
    for m in PY_FROM.finditer(text):
        names = (strip_name(n) for n in m.group(2).split("#", 1)[0].split(";", 1)[0].split(","))
        statements.add((m.group(1), tuple(n for n in names if n), kind_at(m.start())))
    for m in PY_IMPORT.finditer(text):
        for item in m.group(1).split("#", 1)[0].split(";", 1)[0].split(","):
            name = strip_name(item)
            if name:
                statements.add((name, None, kind_at(m.start())))
    for m in PY_DYNAMIC.finditer(text):
        statements.add((m.group(1), None, "deferred"))  # importlib at run time
    for dotted, names, kind in sorted(statements, key=lambda st: (st[0], st[1] or (), st[2])):
        if names is None:
            absolute(dotted, None, kind)
        else:
            from_import(repo, f, dotted, names, absolute, kind)


def from_import(repo: RepoIndex, f: SourceFile, dotted: str, names: tuple[str, ...], absolute, kind: str) -> None:  # noqa: ANN001
    if not dotted.startswith("."):
        absolute(dotted, names, kind)
        return
    level = len(dotted) - len(dotted.lstrip("."))
    rest = dotted[level:]
    pkg = posixpath.dirname(f.path)
    for _ in range(level - 1):
        if not pkg:
            return
        pkg = posixpath.dirname(pkg)
    resolve_from(repo, pkg, rest, names, f.path, relative=True, kind=kind)


def resolve_from(repo: RepoIndex, root: str, dotted: str, names: tuple[str, ...] | None, source: str,
                 relative: bool = False, kind: str = "import") -> bool:
    """Edges for ``from <root>/<dotted> import names`` (or ``import dotted`` when names is None)."""
    found = False
    if names:
        for n in names:
            if n == "*" or not n.isidentifier():
                continue
            sub = module(repo, root, f"{dotted}.{n}" if dotted else n)
            if sub:
                repo.add(source, sub, kind)
                found = True
    if not found:
        parts = dotted.split(".") if dotted else []
        if relative and not parts:
            target = module(repo, root, "")
            if target:
                repo.add(source, target, kind)
                return True
            return False
        for i in range(len(parts), 0, -1):  # longest prefix that exists here
            target = module(repo, root, ".".join(parts[:i]))
            if target:
                repo.add(source, target, kind)
                return True
    return found


def strip_name(item: str) -> str:
    item = item.strip().strip("()").strip()
    return AS.split(item)[0].strip() if item else ""
