"""XML configuration (Struts, Spring, web.xml, tiles, TLDs) and properties/YAML: class names that
name Java or C# types, and values that name files (JSPs, other config, ``classpath:`` resources).
Also the taglib index the JSP extractor reads."""

from __future__ import annotations

import posixpath
import re

from modernizer.repo.lang import java
from modernizer.repo.lang.base import XML_COMMENT, RepoIndex, SourceFile, closest, unique, webroot_of

XML_PATH_SUFFIXES = (".jsp", ".jspf", ".jspx", ".tag", ".tagx", ".tld", ".xml", ".html", ".htm", ".vm", ".ftl")
XML_VALUE = re.compile(r"=\s*\"([^\"<>]{1,1000})\"|=\s*'([^'<>]{1,1000})'|>([^<>]{1,1000})<")
XML_DOTTED = re.compile(r"(?<![\w$])[A-Za-z_$][\w$]*+(?:\.[A-Za-z_$][\w$]*+)+")
SPLIT_VALUES = re.compile(r"[\s,;]+")
TLD_URI = re.compile(r"<uri>\s*([^<]+?)\s*</uri>")
WEBXML_TAGLIB = re.compile(
    r"<taglib-uri>\s*([^<]+?)\s*</taglib-uri>\s*<taglib-location>\s*([^<]+?)\s*</taglib-location>"
)



def index(repo: RepoIndex) -> None:
    """Taglib URI -> TLD file, from each TLD's <uri> and web.xml's <taglib> mappings."""
    repo.taglib_uris: dict[str, str] = {}
    for f in repo.files:
        if f.language != "xml":
            continue
        try:
            text = repo.text(f)
            if f.path.lower().endswith(".tld"):
                m = TLD_URI.search(text)
                if m:
                    repo.taglib_uris.setdefault(m.group(1), f.path)
            elif "taglib-uri" in text:
                root = webroot_of(f.path)
                bases = [root] if root is not None else []
                bases += [posixpath.dirname(f.path), ""]
                for m in WEBXML_TAGLIB.finditer(text):
                    hit = repo.resolve_in(bases, m.group(2))
                    if hit:
                        repo.taglib_uris[m.group(1)] = hit
        except Exception:  # noqa: BLE001
            continue


def extract(repo: RepoIndex, f: SourceFile) -> None:
    text = XML_COMMENT.sub(" ", repo.text(f))
    config_classes(repo, f, text)
    own = posixpath.dirname(f.path)
    root = webroot_of(f.path)
    for m in XML_VALUE.finditer(text):
        value = m.group(1) or m.group(2) or m.group(3) or ""
        if "." not in value:
            continue
        for piece in SPLIT_VALUES.split(value.strip()):
            low = piece.lower()
            if not low.endswith(XML_PATH_SUFFIXES) or "://" in low or "${" in piece or "*" in piece:
                continue
            if low.startswith(("classpath:", "classpath*:")):
                rel = piece.split(":", 1)[1]
                repo.add(f.path, repo.resolve_in(java.resource_roots(repo) + [own, ""], rel), "config")
                continue
            if low.startswith("file:"):
                piece = piece[5:]
            if piece.startswith("/"):
                bases = ([root] if root is not None else []) + list(repo.webroots) + ["", own]
            else:
                bases = [own] + ([root] if root is not None else []) + list(repo.webroots) + [""]
            repo.add(f.path, repo.resolve_in(unique(bases), piece), "config")

def config_classes(repo: RepoIndex, f: SourceFile, text: str) -> None:
    if not repo.java_types and not repo.cs_types:
        return
    for token in set(XML_DOTTED.findall(text)):
        name = token.split("$", 1)[0]
        hits = repo.java_types.get(name) or repo.cs_types.get(name)
        if hits:
            repo.add_all(f.path, closest(f.path, hits), "config")

def extract_config(repo: RepoIndex, f: SourceFile) -> None:
    config_classes(repo, f, repo.text(f))

