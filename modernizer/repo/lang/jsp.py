"""JSP: page imports and useBean classes (Java), include/forward/errorPage/JSTL import paths
against the web roots, taglibs by URI (TLD or web.xml mapping) or tag directory, and fully
qualified Java names in scriptlets."""

from __future__ import annotations

import posixpath
import re

from modernizer.repo.lang import java
from modernizer.repo.lang.base import (JSP_DIRECTIVE, TAG_BODY, WS, RepoIndex, SourceFile, attrs, closest, unique,
                                  webroot_of)

JSP_XML_DIRECTIVE = re.compile(r"<jsp:directive\.(\w+)\b" + TAG_BODY)
JSP_ACTION = re.compile(r"<jsp:(include|forward|useBean)\b" + TAG_BODY)
JSTL_IMPORT = re.compile(r"<[\w-]+:import\b" + TAG_BODY)


def web_bases(repo: RepoIndex, path: str, value: str) -> list[str]:
    own = posixpath.dirname(path)
    root = webroot_of(path)
    if value.startswith("/"):
        bases = [root if root is not None else own]
        bases += [w for w in repo.webroots if w != root] + [""]
    else:
        bases = [own] + ([root] if root is not None else []) + list(repo.webroots)
    return unique(bases)

def extract(repo: RepoIndex, f: SourceFile) -> None:
    text = repo.text(f)
    ids: set[str] | None = None
    taglib_dirs: list[tuple[str, str]] = []

    def java_name(name: str, kind: str) -> None:
        nonlocal ids
        name = WS.sub("", name)
        if not name:
            return
        if name.endswith(".*"):
            members = repo.java_pkgs.get(name[:-2])
            if members:
                if ids is None:
                    ids = repo.idents(f, text)
                for simple in ids & members.keys():
                    repo.add_all(f.path, closest(f.path, members[simple]), kind)
            return
        repo.add_all(f.path, closest(f.path, java.resolve(repo, name)), kind)

    def path_value(value: str, kind: str) -> None:
        value = value.strip()
        if not value or "<%" in value or "${" in value or "#{" in value or "://" in value:
            return
        repo.add(f.path, repo.resolve_in(web_bases(repo, f.path, value), value), kind)

    directives = [(m.group(1), m.group(2)) for m in JSP_DIRECTIVE.finditer(text)]
    directives += [(m.group(1), m.group(2)) for m in JSP_XML_DIRECTIVE.finditer(text)]
    for name, body in directives:
        name = name.lower()
        found = attrs(body)
        if name in ("page", "tag"):
            for key, value in found:
                if key.lower() == "import":
                    for item in value.split(","):
                        java_name(item, "import")
                elif key.lower() == "errorpage":
                    path_value(value, "reference")
        elif name == "include":
            for key, value in found:
                if key.lower() == "file":
                    path_value(value, "include")
        elif name == "taglib":
            d = {k.lower(): v for k, v in found}
            uri, tagdir, prefix = d.get("uri", "").strip(), d.get("tagdir", "").strip(), d.get("prefix", "").strip()
            if uri:
                if uri in repo.taglib_uris:
                    repo.add(f.path, repo.taglib_uris[uri], "use")
                else:
                    path_value(uri, "use")
            if tagdir and prefix:
                taglib_dirs.append((tagdir, prefix))
    for m in JSP_ACTION.finditer(text):
        action = m.group(1)
        found = dict((k.lower(), v) for k, v in attrs(m.group(2)))
        if action == "useBean":
            for key in ("class", "type", "beanname"):
                if key in found:
                    java_name(found[key], "use")
        else:  # include, forward
            path_value(found.get("page", ""), "include")
    for m in JSTL_IMPORT.finditer(text):
        found = dict((k.lower(), v) for k, v in attrs(m.group(1)))
        if "url" in found:
            path_value(found["url"], "include")
    for tagdir, prefix in taglib_dirs:
        root = web_bases(repo, f.path, tagdir)
        for tag in set(re.findall(r"<" + re.escape(prefix) + r":([\w.-]+)", text)):
            for ext in (".tag", ".tagx"):
                hit = repo.resolve_in(root, tagdir.rstrip("/") + "/" + tag + ext)
                if hit:
                    repo.add(f.path, hit, "use")
                    break
    for target in java.qualified(repo, f.path, text):
        repo.add(f.path, target, "reference")

