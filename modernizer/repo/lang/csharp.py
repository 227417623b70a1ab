"""C# (types by namespace through using directives, enclosing namespaces and qualified names) and
the ASP.NET / classic ASP pages around it (directives, code-behind, server-side includes)."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict

from modernizer.repo.lang.base import (JSP_DIRECTIVE, RepoIndex, SourceFile, ancestors, attrs, closest, qualified_pattern, qualified_refs,
                                  scan_types)

CS_DECL = re.compile(
    r"(?P<br>[{}])"
    r"|\bnamespace\s+(?P<ns>@?[A-Za-z_][\w.]*)\s*(?P<nsend>[{;])"
    r"|\b(?:record(?:\s+(?:struct|class))?|class|interface|struct|enum)\s+@?(?P<t>[A-Za-z_]\w*)"
)
CS_USING = re.compile(
    r"\b(?:global\s+)?using\s+(?:(static)\s+)?(?:(@?[A-Za-z_]\w*)\s*=\s*)?(@?[A-Za-z_][\w.]*)\s*(?:<[^;{}]{0,300}>)?\s*;"
)

ASP_DIRECTIVE = JSP_DIRECTIVE
SSI_INCLUDE = re.compile(r"<!--\s*#include\s+(file|virtual)\s*=\s*[\"']([^\"']+)[\"']", re.I)


def index(repo: RepoIndex) -> None:
    repo.cs_types: dict[str, list[str]] = defaultdict(list)
    repo.cs_ns: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    repo.cs_ns_of: dict[str, set[str]] = {}
    repo.cs_declared: dict[str, set[str]] = {}
    for f in repo.files:
        if f.language != "csharp":
            continue
        try:
            decls = scan_types(repo.code(f), CS_DECL)
        except Exception:  # noqa: BLE001
            decls = []
        repo.cs_ns_of[f.path] = {ns for ns, _ in decls}
        repo.cs_declared[f.path] = {name for _, name in decls}
        for ns, name in sorted(set(decls)):  # a file is listed once per name
            repo.cs_types[f"{ns}.{name}" if ns else name].append(f.path)
            repo.cs_ns[ns][name].append(f.path)
    repo.cs_qualified = qualified_pattern({n for n in repo.cs_ns if n})


def extract(repo: RepoIndex, f: SourceFile) -> None:
    code = repo.code(f)
    ids = repo.idents(f, code)
    declared = repo.cs_declared.get(f.path, set())
    usings = {(m.group(1) or "", m.group(2) or "", m.group(3).lstrip("@")) for m in CS_USING.finditer(code)}
    for static, alias, name in sorted(usings):
        if static or alias:
            hits = repo.cs_types.get(name)
            if hits:
                repo.add_all(f.path, closest(f.path, hits), "use")
                continue
            if static:
                continue
        members = repo.cs_ns.get(name)
        if members:
            for simple in (ids & members.keys()) - declared:
                repo.add_all(f.path, closest(f.path, members[simple]), "use")
    for ns in repo.cs_ns_of.get(f.path, ()):  # own and enclosing namespaces need no using
        parts = ns.split(".") if ns else []
        for i in range(len(parts), -1, -1):
            members = repo.cs_ns.get(".".join(parts[:i]))
            if members:
                for simple in (ids & members.keys()) - declared:
                    repo.add_all(f.path, closest(f.path, members[simple]), "reference")
    for target in qualified_refs(f.path, code, repo.cs_qualified, repo.cs_ns):
        repo.add(f.path, target, "reference")

# ---- ASP.NET / classic ASP / SSI

def extract_asp(repo: RepoIndex, f: SourceFile) -> None:
    text = repo.text(f)
    own = posixpath.dirname(f.path)
    app_bases = ancestors(f.path)
    for m in SSI_INCLUDE.finditer(text):
        how, value = m.group(1).lower(), m.group(2)
        bases = [own] if how == "file" else app_bases
        repo.add(f.path, repo.resolve_in(bases, value), "include")
    for m in ASP_DIRECTIVE.finditer(text):
        for key, value in attrs(m.group(2)):
            key = key.lower()
            value = value.strip()
            if key in ("src", "masterpagefile", "codebehind", "codefile", "virtualpath"):
                kind = "reference" if key in ("codebehind", "codefile") else "include"
                if value.startswith("~/"):
                    repo.add(f.path, repo.resolve_in(app_bases, value[2:]), kind)
                else:
                    repo.add(f.path, repo.resolve_in(app_bases if value.startswith("/") else [own], value), kind)
            elif key in ("inherits", "type"):
                hits = repo.cs_types.get(value.split(",", 1)[0].strip())
                if hits:
                    repo.add_all(f.path, closest(f.path, hits), "reference")

# ---- C / C++
