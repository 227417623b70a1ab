"""What every language's extractor shares: the file index (paths, case-insensitive and basename
lookups, the edges found so far, per-file caches), lexers that blank comments and strings, the
type-declaration scanner, and small path helpers. Pure code: a language module adds its own index
and its ``extract``; ``modernizer.repo.lang`` runs them."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from modernizer.repo.snapshot import SourceFile

# A file larger than this is read only up to here: imports sit at the top, and the scan stays linear.
MAX_SCAN_CHARS = 4_000_000
# Qualified names longer than this are not names (keeps every lookup linear on hostile input).
MAX_NAME_PARTS = 32
# When two kinds of edge join the same pair of files, the stronger (lower) one is kept.
# "deferred": an import that runs only when a function is called (Python imports inside a def,
# importlib): a real dependency, but never part of an import-time cycle (graph.py leaves it out of cycles).
KIND_PRIORITY: dict[str, int] = {"import": 0, "include": 1, "use": 2, "config": 3, "reference": 4, "deferred": 5}

WEBROOT_NAMES = frozenset({"webapp", "webcontent", "web", "webroot"})
JS_EXTENSIONS = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs")
# Values in XML config that name a file to resolve (forwards, tiles, TLDs, other config files).
XML_PATH_SUFFIXES = (".jsp", ".jspf", ".jspx", ".tag", ".tagx", ".tld", ".xml", ".html", ".htm", ".vm", ".ftl")


class Edge(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    target: str
    kind: str


def directory_of(path: str) -> str:
    """The module a file belongs to: its directory (for Java, the package directory); "." at the root."""
    p = (path or "").replace("\\", "/").strip("/")
    d = posixpath.dirname(posixpath.normpath(p)) if p else ""
    return d if d and d != "." else "."


# --------------------------------------------------------------------------------------------
# Lexing helpers

# Comment/string lexers. Every alternative matches wherever it starts (an unterminated string ends
# at the end of its line, or of the text), so the scan stays linear on any input.
# Each lexer opens with a lookahead on the characters its matches can start with: Python's re then
# skips every other position in one tight loop instead of trying each alternative there (the lexers
# ran 2.5x faster on Tomcat's Java; the matches are the same). Other scans here do the same.
C_LEX = re.compile(
    r'(?=["\'/@$])(?:'
    r'(?P<tb>"""[\s\S]*?(?:"""|\Z))'
    r'|(?P<vs>[$]?@[$]?"(?:[^"]|"")*+(?:"|\Z))'  # C# verbatim (and interpolated verbatim) strings
    r'|(?P<s>"(?:\\[\s\S]?|[^"\\\n])*+(?:"|(?=\n)|\Z))'
    r"|(?P<c>'(?:\\[\s\S]?|[^'\\\n])*+(?:'|(?=\n)|\Z))"
    r"|(?P<lc>//[^\n]*)"
    r"|(?P<bc>/\*[\s\S]*?(?:\*/|\Z)))"
)
JS_LEX = re.compile(
    r'(?=["\'`/])(?:'
    r'(?P<s>"(?:\\[\s\S]?|[^"\\\n])*+(?:"|(?=\n)|\Z)'
    r"|'(?:\\[\s\S]?|[^'\\\n])*+(?:'|(?=\n)|\Z)"
    r"|`(?:\\[\s\S]?|[^`\\])*+(?:`|\Z))"
    r"|(?P<lc>//[^\n]*)"
    r"|(?P<bc>/\*[\s\S]*?(?:\*/|\Z)))"
)
PHP_LEX = re.compile(
    r'(?=["\'/#])(?:'
    r'(?P<s>"(?:\\[\s\S]?|[^"\\])*+(?:"|\Z)|\'(?:\\[\s\S]?|[^\'\\])*+(?:\'|\Z))'
    r"|(?P<lc>(?://|#(?!\[))[^\n]*)"
    r"|(?P<bc>/\*[\s\S]*?(?:\*/|\Z)))"
)
# (no lookahead here: an alternation of literals already gets re's own fast prefix scan, which one would undo)
PY_TRIPLE = re.compile(r'"""[\s\S]*?(?:"""|\Z)|\'\'\'[\s\S]*?(?:\'\'\'|\Z)')
XML_COMMENT = re.compile(r"<!--[\s\S]*?(?:-->|\Z)")
DOTTED = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$")
IDENT = re.compile(r"[A-Za-z_$][\w$]*")


def strip_code(text: str, strings_out: list[str] | None = None) -> str:
    """Java/C#: comments and string/char literals blanked; dotted string contents collected."""

    def repl(m: re.Match[str]) -> str:
        kind = m.lastgroup
        if kind in ("lc", "bc"):
            return " " + "\n" * m.group().count("\n") if kind == "bc" else " "
        if strings_out is not None and kind == "s":
            inner = m.group()[1:-1]
            if 2 < len(inner) < 300 and DOTTED.match(inner):
                strings_out.append(inner)
        return '""' + "\n" * m.group().count("\n")

    return C_LEX.sub(repl, text)


def strip_comments_keep_strings(text: str, lexer: re.Pattern[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.lastgroup == "s":
            return m.group()
        return " " + "\n" * m.group().count("\n")

    return lexer.sub(repl, text)

NOT_TYPE_NAMES = frozenset({"extends", "implements", "where", "new", "struct", "class", "static", "final"})


def scan_types(code: str, decl: re.Pattern[str], base_ns: str = "") -> list[tuple[str, str]]:
    """(namespace, name) of each type declared outside any other type or code block."""
    out: list[tuple[str, str]] = []
    stack: list[str | None] = []  # namespace name, or None for a type body or code block
    blocks = 0  # how many None entries the stack holds
    file_ns = base_ns
    for m in decl.finditer(code):
        g = m.lastgroup
        if g == "br":
            if m.group() == "{":
                stack.append(None)
                blocks += 1
            elif stack and stack.pop() is None:
                blocks -= 1
        elif g == "nsend":
            name = m.group("ns").lstrip("@")
            if m.group("nsend") == ";":
                file_ns = name
            else:
                stack.append(name)
        elif m.group("t"):
            name = m.group("t")
            if name in NOT_TYPE_NAMES:
                continue
            if not blocks and len(stack) < MAX_NAME_PARTS:  # deeper nesting is not real code
                ns = ".".join(([file_ns] if file_ns else []) + stack)  # type: ignore[arg-type]
                if ns.count(".") < MAX_NAME_PARTS:
                    out.append((ns, name))
    return out

BRACES = re.compile(r"[{}]")


def top_level_types(code: str, types: re.Pattern[str]) -> list[str]:
    """Names of the types declared outside any block, for a language without namespace blocks
    (Java): what ``scan_types`` finds with a stack of braces only, but the braces between two
    declarations are counted by ``str.count`` (in C) instead of one regex match and one Python step
    each (scan_types took 0.3 s of Tomcat's 1.4 s of edge extraction). ``types`` matches a
    declaration, its name in group ``t``."""
    out: list[str] = []
    depth = pos = 0
    for m in types.finditer(code):
        depth = _depth_after(code, pos, m.start(), depth)
        pos = m.end()
        if not depth and m.group("t") not in NOT_TYPE_NAMES:
            out.append(m.group("t"))
    return out


def _depth_after(code: str, start: int, end: int, depth: int) -> int:
    closes = code.count("}", start, end)
    if closes <= depth:  # the depth cannot reach zero in between: no stray "}" to ignore
        return depth + code.count("{", start, end) - closes
    for brace in BRACES.findall(code, start, end):  # a "}" at depth 0 is ignored, as scan_types does
        if brace == "{":
            depth += 1
        elif depth:
            depth -= 1
    return depth


WS = re.compile(r"\s+")
AS = re.compile(r"\s+as\s+", re.I)  # "name as alias" in Python and PHP imports
ATTR = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
# Bodies stop at the next "<%" / "<" so that an unclosed tag costs one scan, not one per tag.
DIRECTIVE_BODY = r"((?:[^%<]++|%(?!>)|<(?!%))*+)%>"
TAG_BODY = r"((?:[^<>]++|<%[^%]*+%>)*+)>"  # attributes, allowing <%= expr %> inside values
JSP_DIRECTIVE = re.compile(r"<%@\s*(\w+)" + DIRECTIVE_BODY)


class RepoIndex:
    """Indexes built once over all files (each language module adds its own attributes), then one
    extraction pass per file."""

    def __init__(self, files: Sequence[SourceFile]) -> None:
        self.files: list[SourceFile] = []
        seen: set[str] = set()
        for f in sorted(files or (), key=lambda x: str(getattr(x, "path", ""))):  # order-independent indexes
            path = getattr(f, "path", None)
            if not isinstance(path, str) or not path or path in seen:
                continue
            seen.add(path)
            self.files.append(f)
        self.paths: set[str] = seen
        self.by_lower: dict[str, list[str]] = defaultdict(list)
        self.by_basename: dict[str, list[str]] = defaultdict(list)
        for p in sorted(self.paths):
            self.by_lower[p.lower()].append(p)
            self.by_basename[posixpath.basename(p).lower()].append(p)
        self.edges: dict[tuple[str, str], str] = {}
        self._idents: dict[str, set[str]] = {}
        self._code: dict[str, str] = {}
        self._strings: dict[str, list[str]] = {}
        self.cache: dict[str, object] = {}  # derived indexes a language computes once, on demand
        self.webroots = sorted({w for p in self.paths if (w := webroot_of(p)) is not None})

    def add(self, source: str, target: str | None, kind: str) -> None:
        if not target or target == source or target not in self.paths:
            return
        key = (source, target)
        old = self.edges.get(key)
        if old is None or KIND_PRIORITY.get(kind, 9) < KIND_PRIORITY.get(old, 9):
            self.edges[key] = kind

    def add_all(self, source: str, targets: Iterable[str], kind: str) -> None:
        for t in targets:
            self.add(source, t, kind)

    def lookup(self, path: str) -> str | None:
        """The file at ``path``; falls back to a unique case-insensitive match (legacy Windows code)."""
        if path in self.paths:
            return path
        hits = self.by_lower.get(path.lower())
        return hits[0] if hits and len(hits) == 1 else None

    def resolve_in(self, bases: Iterable[str], rel: str) -> str | None:
        rel = rel.strip().replace("\\", "/")
        if not rel:
            return None
        rel = rel.split("?", 1)[0].split("#", 1)[0]
        for base in bases:
            cand = join(base, rel.lstrip("/"))
            if cand is not None:
                hit = self.lookup(cand)
                if hit is not None:
                    return hit
        return None

    def suffix_match(self, rel: str) -> str | None:
        """The one file whose path ends with ``rel`` (for includes behind an unknown constant)."""
        rel = posixpath.normpath(rel.replace("\\", "/").lstrip("/")).lower()
        if not rel or rel.startswith("..") or rel == ".":
            return None
        hits = [p for p in self.by_basename.get(posixpath.basename(rel), ()) if p.lower() == rel or p.lower().endswith("/" + rel)]
        return hits[0] if len(hits) == 1 else None

    def text(self, f: SourceFile) -> str:
        t = f.text if isinstance(f.text, str) else ""
        return t[:MAX_SCAN_CHARS]

    def idents(self, f: SourceFile, code: str | None = None) -> set[str]:
        s = self._idents.get(f.path)
        if s is None:
            s = set(IDENT.findall(code if code is not None else self.text(f)))
            self._idents[f.path] = s
        return s

    def code(self, f: SourceFile) -> str:
        c = self._code.get(f.path)
        if c is None:
            strings: list[str] = []
            c = strip_code(self.text(f), strings)
            self._code[f.path] = c
            self._strings[f.path] = strings
        return c

    # ---- index construction

    def strings(self, f: SourceFile) -> list[str]:
        """Dotted string literals of a Java/C# file (``Class.forName("a.b.C")``), found by ``code``."""
        self.code(f)
        return self._strings.get(f.path, [])


# --------------------------------------------------------------------------------------------
# Small pure helpers


def join(base: str, rel: str) -> str | None:
    """Normalised repo-relative path, or None when it leaves the repository."""
    p = posixpath.normpath(posixpath.join(base, rel) if base else rel)
    if p.startswith("../") or p == ".." or p.startswith("/"):
        return None
    return p


def depth(d: str) -> int:
    return 0 if not d else d.count("/") + 1


def ancestors(path: str) -> list[str]:
    """Directories containing ``path``, deepest first, ending with the root ""."""
    out = []
    d = posixpath.dirname(path)
    while d:
        out.append(d)
        d = posixpath.dirname(d)
    out.append("")
    return out


def webroot_of(path: str) -> str | None:
    """The web application root above ``path``: the parent of WEB-INF, else a dir named like one."""
    parts = path.split("/")[:-1]
    for i, part in enumerate(parts):
        if part.upper() == "WEB-INF":
            return "/".join(parts[:i])
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].lower() in WEBROOT_NAMES:
            return "/".join(parts[: i + 1])
    return None


def unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if not (x in seen or seen.add(x))]


def attrs(body: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2) if m.group(2) is not None else (m.group(3) or "")) for m in ATTR.finditer(body)]


def closest(source: str, candidates: Sequence[str]) -> list[str]:
    """Of several files declaring the same name, those sharing the longest directory prefix with ``source``."""
    if len(candidates) <= 1:
        return list(candidates)
    src = source.split("/")

    def shared(c: str) -> int:
        n = 0
        for a, b in zip(src, c.split("/")):
            if a != b:
                break
            n += 1
        return n

    best = max(shared(c) for c in candidates)
    return [c for c in candidates if shared(c) == best]



def qualified_pattern(packages: set[str]) -> re.Pattern[str] | None:
    """A regex for dotted chains that start with the first segment of a known package."""
    firsts = sorted({p.split(".", 1)[0] for p in packages if p})
    if not firsts:
        return None
    head = "|".join(re.escape(s) for s in firsts) if len(firsts) <= 500 else r"[A-Za-z_$][\w$]*"
    starts = "".join(sorted({re.escape(s[0]) for s in firsts})) if len(firsts) <= 500 else r"A-Za-z_$"
    return re.compile(r"(?=[" + starts + r"])(?<![\w$.])(?:" + head + r")(?![\w$])(?:\s*\.\s*[A-Za-z_$][\w$]*){1,%d}" % MAX_NAME_PARTS)


def qualified_refs(
    source: str, code: str, pattern: re.Pattern[str] | None, index: dict[str, dict[str, list[str]]]
) -> set[str]:
    """Files of classes named by their fully qualified name in code (com.x.Y.call())."""
    out: set[str] = set()
    if pattern is None:
        return out
    for chain in set(pattern.findall(code)):
        parts = WS.sub("", chain).split(".")
        for i in range(1, len(parts)):
            members = index.get(".".join(parts[:i]))
            if members is not None and parts[i] in members:
                out.update(closest(source, members[parts[i]]))
                break
    return out
