"""Java: types indexed by their declared package (not by directory: source roots vary), then per
file its imports (single, wildcard, static), same-package references, fully qualified names in
code and Class.forName-style strings."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict

from modernizer.repo.lang.base import (MAX_NAME_PARTS, WS, RepoIndex, SourceFile, closest, qualified_pattern, qualified_refs,
                                  top_level_types)

# A type declaration (its nesting is counted by base.top_level_types). The lookaheads (?=...) on the
# characters a match starts with let Python's re skip other positions fast: see base.C_LEX.
JAVA_TYPE = re.compile(r"(?=[cier])\b(?:class|interface|enum|record)\s+(?P<t>[A-Za-z_$][\w$]*)")
JAVA_PACKAGE = re.compile(r"(?=p)\bpackage\s+([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*){0,%d})\s*;" % MAX_NAME_PARTS)
JAVA_IMPORT = re.compile(
    r"(?=i)\bimport\s+(static\s+)?([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*){0,%d})(\s*\.\s*\*)?\s*;" % MAX_NAME_PARTS
)


def index(repo: RepoIndex) -> None:
    repo.java_types: dict[str, list[str]] = defaultdict(list)  # fqn -> files
    repo.java_pkgs: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    repo.java_pkg_of: dict[str, str] = {}
    repo.java_declared: dict[str, set[str]] = {}
    for f in repo.files:
        if f.language != "java":
            continue
        try:
            code = repo.code(f)
            m = JAVA_PACKAGE.search(code)
            pkg = WS.sub("", m.group(1)) if m else ""
            names = set(top_level_types(code, JAVA_TYPE))
        except Exception:  # noqa: BLE001
            pkg, names = "", set()
        stem = posixpath.basename(f.path).rsplit(".", 1)[0]
        if stem.isidentifier():
            names.add(stem)
        repo.java_pkg_of[f.path] = pkg
        repo.java_declared[f.path] = names
        for name in names:
            fqn = f"{pkg}.{name}" if pkg else name
            repo.java_types[fqn].append(f.path)
            repo.java_pkgs[pkg][name].append(f.path)
    repo.java_qualified = qualified_pattern({p for p in repo.java_pkgs if p})


def resource_roots(repo: RepoIndex) -> list[str]:
    """Classpath roots: Java source roots (found from package declarations) and resources dirs."""
    if repo.cache.get("resource_roots") is None:
        roots: set[str] = set()
        for path, pkg in repo.java_pkg_of.items():
            d = posixpath.dirname(path)
            suffix = pkg.replace(".", "/")
            if not suffix:
                roots.add(d)
            elif d == suffix:
                roots.add("")
            elif d.endswith("/" + suffix):
                roots.add(d[: -len(suffix) - 1])
        for p in repo.paths:
            parts = p.split("/")[:-1]
            for i, part in enumerate(parts):
                if part == "resources":
                    roots.add("/".join(parts[: i + 1]))
        repo.cache["resource_roots"] = sorted(roots)
    return repo.cache["resource_roots"]


def resolve(repo: RepoIndex, name: str) -> list[str]:
    """Files declaring the class ``name`` (a.b.C), or its outer class for a.b.C.Inner / a.b.C.member."""
    parts = name.split(".")[:MAX_NAME_PARTS]
    for i in range(len(parts), 0, -1):
        hits = repo.java_types.get(".".join(parts[:i]))
        if hits:
            return hits
        if i <= 2:
            break
    return []

def qualified(repo: RepoIndex, source: str, code: str) -> set[str]:
    return qualified_refs(source, code, repo.java_qualified, repo.java_pkgs)

def extract(repo: RepoIndex, f: SourceFile) -> None:
    code = repo.code(f)
    ids = repo.idents(f, code)
    pkg = repo.java_pkg_of.get(f.path, "")
    declared = repo.java_declared.get(f.path, set())
    imported_simple: set[str] = set()
    imports = {(bool(m.group(1)), WS.sub("", m.group(2)), bool(m.group(3))) for m in JAVA_IMPORT.finditer(code)}
    for static, name, wildcard in sorted(imports):
        if wildcard:
            members = repo.java_pkgs.get(name)
            if members and not static:
                for simple in ids & members.keys():
                    repo.add_all(f.path, closest(f.path, members[simple]), "import")
            else:
                repo.add_all(f.path, closest(f.path, repo.java_types.get(name, ())), "import")
        else:
            hits = resolve(repo, name)
            if hits:
                if not static:
                    imported_simple.add(name.rsplit(".", 1)[-1])
                repo.add_all(f.path, closest(f.path, hits), "import")
    members = repo.java_pkgs.get(pkg)
    if members:
        for simple in (ids & members.keys()) - declared - imported_simple:
            repo.add_all(f.path, closest(f.path, members[simple]), "reference")
    for target in qualified(repo, f.path, code):
        repo.add(f.path, target, "reference")
    for s in repo.strings(f):  # Class.forName("a.b.C") and the like
        hits = repo.java_types.get(s.split("$", 1)[0])
        if hits:
            repo.add_all(f.path, closest(f.path, hits), "reference")

