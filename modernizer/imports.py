"""File-to-file dependency edges from imports, includes and references. Pure code, no model.

Every language is read with a handful of precompiled regular expressions over text whose comments
(and, where harmless, string literals) have been blanked, and every name is resolved against
indexes built once from all the files: Java/C#/PHP types by their declared package or namespace
(not by directory layout, since source roots vary), Python modules by package tree under each
plausible source root, and paths (JSP, PHP, JS, SQL, C) against the set of files present.
Anything that does not resolve to a file in the given set (the JDK, third-party libraries) is
dropped. The functions are total: any text, however odd, gives a list and never an exception.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from modernizer.snapshot import SourceFile

__all__ = ["Edge", "dependency_edges", "module_of"]

# A file larger than this is read only up to here: imports sit at the top, and the scan stays linear.
MAX_SCAN_CHARS = 4_000_000
# Qualified names longer than this are not names (keeps every lookup linear on hostile input).
MAX_NAME_PARTS = 32
# When two kinds of edge join the same pair of files, the stronger (lower) one is kept.
KIND_PRIORITY: dict[str, int] = {"import": 0, "include": 1, "use": 2, "config": 3, "reference": 4}

WEBROOT_NAMES = frozenset({"webapp", "webcontent", "web", "webroot"})
JS_EXTENSIONS = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs")
# Values in XML config that name a file to resolve (forwards, tiles, TLDs, other config files).
XML_PATH_SUFFIXES = (".jsp", ".jspf", ".jspx", ".tag", ".tagx", ".tld", ".xml", ".html", ".htm", ".vm", ".ftl")


class Edge(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    target: str
    kind: str


def module_of(path: str) -> str:
    """The module a file belongs to: its directory (for Java, the package directory); "." at the root."""
    p = (path or "").replace("\\", "/").strip("/")
    d = posixpath.dirname(posixpath.normpath(p)) if p else ""
    return d if d and d != "." else "."


def dependency_edges(files: Sequence[SourceFile]) -> list[Edge]:
    """All resolved file->file edges, one per (source, target), sorted, no self-loops."""
    try:
        repo = _Repo(files)
    except Exception:  # noqa: BLE001 - the contract is totality; a broken index means no edges
        return []
    for f in repo.files:
        try:
            repo.extract(f)
        except Exception:  # noqa: BLE001 - one unreadable file must not cost the others their edges
            continue
    return [Edge(source=s, target=t, kind=k) for (s, t), k in sorted(repo.edges.items())]


# --------------------------------------------------------------------------------------------
# Lexing helpers

# Comment/string lexers. Every alternative matches wherever it starts (an unterminated string ends
# at the end of its line, or of the text), so the scan stays linear on any input.
_C_LEX = re.compile(
    r'(?P<tb>"""[\s\S]*?(?:"""|\Z))'
    r'|(?P<vs>[$]?@[$]?"(?:[^"]|"")*+(?:"|\Z))'  # C# verbatim (and interpolated verbatim) strings
    r'|(?P<s>"(?:\\[\s\S]?|[^"\\\n])*+(?:"|(?=\n)|\Z))'
    r"|(?P<c>'(?:\\[\s\S]?|[^'\\\n])*+(?:'|(?=\n)|\Z))"
    r"|(?P<lc>//[^\n]*)"
    r"|(?P<bc>/\*[\s\S]*?(?:\*/|\Z))"
)
_JS_LEX = re.compile(
    r'(?P<s>"(?:\\[\s\S]?|[^"\\\n])*+(?:"|(?=\n)|\Z)'
    r"|'(?:\\[\s\S]?|[^'\\\n])*+(?:'|(?=\n)|\Z)"
    r"|`(?:\\[\s\S]?|[^`\\])*+(?:`|\Z))"
    r"|(?P<lc>//[^\n]*)"
    r"|(?P<bc>/\*[\s\S]*?(?:\*/|\Z))"
)
_PHP_LEX = re.compile(
    r'(?P<s>"(?:\\[\s\S]?|[^"\\])*+(?:"|\Z)|\'(?:\\[\s\S]?|[^\'\\])*+(?:\'|\Z))'
    r"|(?P<lc>(?://|#(?!\[))[^\n]*)"
    r"|(?P<bc>/\*[\s\S]*?(?:\*/|\Z))"
)
_PY_TRIPLE = re.compile(r'"""[\s\S]*?(?:"""|\Z)|\'\'\'[\s\S]*?(?:\'\'\'|\Z)')
_XML_COMMENT = re.compile(r"<!--[\s\S]*?(?:-->|\Z)")
_DOTTED = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")


def _strip_code(text: str, strings_out: list[str] | None = None) -> str:
    """Java/C#: comments and string/char literals blanked; dotted string contents collected."""

    def repl(m: re.Match[str]) -> str:
        kind = m.lastgroup
        if kind in ("lc", "bc"):
            return " " + "\n" * m.group().count("\n") if kind == "bc" else " "
        if strings_out is not None and kind == "s":
            inner = m.group()[1:-1]
            if 2 < len(inner) < 300 and _DOTTED.match(inner):
                strings_out.append(inner)
        return '""' + "\n" * m.group().count("\n")

    return _C_LEX.sub(repl, text)


def _strip_comments_keep_strings(text: str, lexer: re.Pattern[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.lastgroup == "s":
            return m.group()
        return " " + "\n" * m.group().count("\n")

    return lexer.sub(repl, text)


# --------------------------------------------------------------------------------------------
# Declaration scanning (Java, C#): top-level type names with their package/namespace.

_JAVA_DECL = re.compile(
    r"(?P<br>[{}])"
    r"|\b(?:class|interface|enum|record)\s+(?P<t>[A-Za-z_$][\w$]*)"
)
_CS_DECL = re.compile(
    r"(?P<br>[{}])"
    r"|\bnamespace\s+(?P<ns>@?[A-Za-z_][\w.]*)\s*(?P<nsend>[{;])"
    r"|\b(?:record(?:\s+(?:struct|class))?|class|interface|struct|enum)\s+@?(?P<t>[A-Za-z_]\w*)"
)
_NOT_TYPE_NAMES = frozenset({"extends", "implements", "where", "new", "struct", "class", "static", "final"})


def _scan_types(code: str, decl: re.Pattern[str], base_ns: str = "") -> list[tuple[str, str]]:
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
            if name in _NOT_TYPE_NAMES:
                continue
            if not blocks and len(stack) < MAX_NAME_PARTS:  # deeper nesting is not real code
                ns = ".".join(([file_ns] if file_ns else []) + stack)  # type: ignore[arg-type]
                if ns.count(".") < MAX_NAME_PARTS:
                    out.append((ns, name))
    return out


# --------------------------------------------------------------------------------------------
# Per-language patterns

_JAVA_PACKAGE = re.compile(r"\bpackage\s+([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*){0,%d})\s*;" % MAX_NAME_PARTS)
_JAVA_IMPORT = re.compile(
    r"\bimport\s+(static\s+)?([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*){0,%d})(\s*\.\s*\*)?\s*;" % MAX_NAME_PARTS
)
_WS = re.compile(r"\s+")

# Bodies stop at the next "<%" / "<" so that an unclosed tag costs one scan, not one per tag.
_DIRECTIVE_BODY = r"((?:[^%<]++|%(?!>)|<(?!%))*+)%>"
_TAG_BODY = r"((?:[^<>]++|<%[^%]*+%>)*+)>"  # attributes, allowing <%= expr %> inside values
_JSP_DIRECTIVE = re.compile(r"<%@\s*(\w+)" + _DIRECTIVE_BODY)
_JSP_XML_DIRECTIVE = re.compile(r"<jsp:directive\.(\w+)\b" + _TAG_BODY)
_JSP_ACTION = re.compile(r"<jsp:(include|forward|useBean)\b" + _TAG_BODY)
_JSTL_IMPORT = re.compile(r"<[\w-]+:import\b" + _TAG_BODY)
_ATTR = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")

_XML_VALUE = re.compile(r"=\s*\"([^\"<>]{1,1000})\"|=\s*'([^'<>]{1,1000})'|>([^<>]{1,1000})<")
_XML_DOTTED = re.compile(r"(?<![\w$])[A-Za-z_$][\w$]*+(?:\.[A-Za-z_$][\w$]*+)+")
_SPLIT_VALUES = re.compile(r"[\s,;]+")
_TLD_URI = re.compile(r"<uri>\s*([^<]+?)\s*</uri>")
_WEBXML_TAGLIB = re.compile(
    r"<taglib-uri>\s*([^<]+?)\s*</taglib-uri>\s*<taglib-location>\s*([^<]+?)\s*</taglib-location>"
)

_PY_FROM_PAREN = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*\(([^()]*+)\)", re.M)
_PY_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+([^(\n][^\n]*)", re.M)
_PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n]+)", re.M)
_PY_DYNAMIC = re.compile(r"\b(?:import_module|__import__)\(\s*[\"']([\w.]+)[\"']")
_PY_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")

_JS_SPECIFIERS = re.compile(
    r"\bfrom\s*([\"'])([^\"'\n]{1,500})\1"
    r"|\bimport\s*([\"'])([^\"'\n]{1,500})\3"
    r"|\b(?:require|import)\s*\(\s*([\"'`])([^\"'`\n]{1,500})\5\s*\)"
)
_TS_REFERENCE = re.compile(r"^\s*///\s*<reference\s+path\s*=\s*[\"']([^\"']+)[\"']", re.M)

_PHP_REGION = re.compile(r"<\?(?:php\b|=)?([\s\S]*?)(?:\?>|\Z)", re.I)
_PHP_INCLUDE = re.compile(r"(?<![\w$>:])\b(?:include|include_once|require|require_once)\b([^;\n]{1,400})", re.I)
_PHP_INC_TOKEN = re.compile(
    r"(?P<s>'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\")"
    r"|(?P<dn>dirname\s*\(\s*(?P<dnarg>__FILE__|__DIR__)\s*(?:,\s*(?P<lv>\d+)\s*)?\))"
    r"|(?P<dir>__DIR__)"
    r"|(?P<dot>\.)"
    r"|(?P<paren>[()])"
    r"|(?P<ws>\s+)"
    r"|(?P<other>\$?[\w\\]+(?:\s*\([^()]*\))?|::|->|.)",
    re.I,
)
_PHP_NAMESPACE = re.compile(r"\bnamespace\s+([A-Za-z_\\][\w\\]*)?\s*[;{]")
_PHP_TYPE = re.compile(r"\b(?:class|interface|trait|enum)\s+([A-Za-z_]\w*)", re.I)
_PHP_USE = re.compile(r"\buse\s+(?:(function|const)\s+)?(\\?[A-Za-z_][\w\\]*(?:\s+as\s+\w+)?(?:\s*,\s*\\?[A-Za-z_][\w\\]*(?:\s+as\s+\w+)?)*)\s*[;{]", re.I)
_PHP_GROUP_USE = re.compile(r"\buse\s+(?:(?:function|const)\s+)?\\?([A-Za-z_][\w\\]*)\\\{([^{}]*+)\}", re.I)
_PHP_QUALIFIED = re.compile(r"(?<![\w\\])\\?[A-Za-z_]\w*+(?:\\[A-Za-z_]\w*+)+")
_PHP_IDENT = re.compile(r"[A-Za-z_]\w*")
_AS = re.compile(r"\s+as\s+", re.I)

_CS_USING = re.compile(
    r"\b(?:global\s+)?using\s+(?:(static)\s+)?(?:(@?[A-Za-z_]\w*)\s*=\s*)?(@?[A-Za-z_][\w.]*)\s*(?:<[^;{}]{0,300}>)?\s*;"
)

_ASP_DIRECTIVE = _JSP_DIRECTIVE
_SSI_INCLUDE = re.compile(r"<!--\s*#include\s+(file|virtual)\s*=\s*[\"']([^\"']+)[\"']", re.I)

_C_INCLUDE = re.compile(r"^[ \t]*#[ \t]*include[ \t]*([\"<])([^\">\n]+)[\">]", re.M)
_SQL_INCLUDE = re.compile(r"^[ \t]*(?:@@?|\\ir?[ \t]+|start[ \t]+|source[ \t]+)[ \t]*([\w./\\-]+\.\w+|[\w./\\-]+)[ \t]*;?[ \t]*$", re.M | re.I)


# --------------------------------------------------------------------------------------------


class _Repo:
    """Indexes built once over all files, then one extraction pass per file."""

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
        self.webroots = sorted({w for p in self.paths if (w := _webroot_of(p)) is not None})
        self._build_java()
        self._build_csharp()
        self._build_php()
        self._build_python()
        self._build_taglibs()
        self._resource_roots: list[str] | None = None

    # ---- basics

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
            cand = _join(base, rel.lstrip("/"))
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
            s = set(_IDENT.findall(code if code is not None else self.text(f)))
            self._idents[f.path] = s
        return s

    def code(self, f: SourceFile) -> str:
        c = self._code.get(f.path)
        if c is None:
            strings: list[str] = []
            c = _strip_code(self.text(f), strings)
            self._code[f.path] = c
            self._strings[f.path] = strings
        return c

    # ---- index construction

    def _build_java(self) -> None:
        self.java_types: dict[str, list[str]] = defaultdict(list)  # fqn -> files
        self.java_pkgs: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.java_pkg_of: dict[str, str] = {}
        self.java_declared: dict[str, set[str]] = {}
        for f in self.files:
            if f.language != "java":
                continue
            try:
                code = self.code(f)
                m = _JAVA_PACKAGE.search(code)
                pkg = _WS.sub("", m.group(1)) if m else ""
                names = {name for _, name in _scan_types(code, _JAVA_DECL)}
            except Exception:  # noqa: BLE001
                pkg, names = "", set()
            stem = posixpath.basename(f.path).rsplit(".", 1)[0]
            if stem.isidentifier():
                names.add(stem)
            self.java_pkg_of[f.path] = pkg
            self.java_declared[f.path] = names
            for name in names:
                fqn = f"{pkg}.{name}" if pkg else name
                self.java_types[fqn].append(f.path)
                self.java_pkgs[pkg][name].append(f.path)
        self.java_qualified = _qualified_pattern({p for p in self.java_pkgs if p})

    def _build_csharp(self) -> None:
        self.cs_types: dict[str, list[str]] = defaultdict(list)
        self.cs_ns: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.cs_ns_of: dict[str, set[str]] = {}
        self.cs_declared: dict[str, set[str]] = {}
        for f in self.files:
            if f.language != "csharp":
                continue
            try:
                decls = _scan_types(self.code(f), _CS_DECL)
            except Exception:  # noqa: BLE001
                decls = []
            self.cs_ns_of[f.path] = {ns for ns, _ in decls}
            self.cs_declared[f.path] = {name for _, name in decls}
            for ns, name in sorted(set(decls)):  # a file is listed once per name
                self.cs_types[f"{ns}.{name}" if ns else name].append(f.path)
                self.cs_ns[ns][name].append(f.path)
        self.cs_qualified = _qualified_pattern({n for n in self.cs_ns if n})

    def _build_php(self) -> None:
        self.php_types: dict[str, list[str]] = defaultdict(list)  # lower fqn -> files
        self.php_ns: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.php_code: dict[str, str] = {}
        self.php_ns_of: dict[str, set[str]] = {}
        self.php_declared: dict[str, set[str]] = {}
        for f in self.files:
            if f.language != "php":
                continue
            try:
                code = self._php_code_of(f)
                marks: list[tuple[int, str]] = [(0, "")]
                for m in _PHP_NAMESPACE.finditer(code):
                    marks.append((m.start(), (m.group(1) or "").strip("\\").lower()))
                starts = [pos for pos, _ in marks]
                decls = []
                for m in _PHP_TYPE.finditer(code):
                    name = m.group(1)
                    if name.lower() in _NOT_TYPE_NAMES:
                        continue
                    ns = marks[bisect.bisect_right(starts, m.start()) - 1][1]  # last namespace before it
                    decls.append((ns, name.lower()))
            except Exception:  # noqa: BLE001
                marks, decls = [(0, "")], []
            self.php_ns_of[f.path] = {n for _, n in marks[1:]} or {""}
            self.php_declared[f.path] = {n for _, n in decls}
            for ns, name in sorted(set(decls)):
                self.php_types[f"{ns}\\{name}" if ns else name].append(f.path)
                self.php_ns[ns][name].append(f.path)

    def _php_code_of(self, f: SourceFile) -> str:
        c = self.php_code.get(f.path)
        if c is None:
            text = self.text(f)
            if "<?" in text:
                regions = [m.group(1) for m in _PHP_REGION.finditer(text)]
                text = "\n;\n".join(regions)
            c = _strip_comments_keep_strings(text, _PHP_LEX)
            self.php_code[f.path] = c
        return c

    def _build_python(self) -> None:
        py = [p for p in sorted(self.paths) if p.endswith((".py", ".pyw"))]
        self.py_files = set(py)
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
        self.py_root_tops: dict[str, set[str]] = defaultdict(set)
        for p in py:
            for root in _ancestors(p):
                if root in roots:
                    top = (p[len(root) + 1:] if root else p).split("/", 1)[0]
                    self.py_root_tops[top.rsplit(".", 1)[0] if top.endswith((".py", ".pyw")) else top].add(root)

    def _build_taglibs(self) -> None:
        """Taglib URI -> TLD file, from each TLD's <uri> and web.xml's <taglib> mappings."""
        self.taglib_uris: dict[str, str] = {}
        for f in self.files:
            if f.language != "xml":
                continue
            try:
                text = self.text(f)
                if f.path.lower().endswith(".tld"):
                    m = _TLD_URI.search(text)
                    if m:
                        self.taglib_uris.setdefault(m.group(1), f.path)
                elif "taglib-uri" in text:
                    root = _webroot_of(f.path)
                    bases = [root] if root is not None else []
                    bases += [posixpath.dirname(f.path), ""]
                    for m in _WEBXML_TAGLIB.finditer(text):
                        hit = self.resolve_in(bases, m.group(2))
                        if hit:
                            self.taglib_uris[m.group(1)] = hit
            except Exception:  # noqa: BLE001
                continue

    def resource_roots(self) -> list[str]:
        """Classpath roots: Java source roots (found from package declarations) and resources dirs."""
        if self._resource_roots is None:
            roots: set[str] = set()
            for path, pkg in self.java_pkg_of.items():
                d = posixpath.dirname(path)
                suffix = pkg.replace(".", "/")
                if not suffix:
                    roots.add(d)
                elif d == suffix:
                    roots.add("")
                elif d.endswith("/" + suffix):
                    roots.add(d[: -len(suffix) - 1])
            for p in self.paths:
                parts = p.split("/")[:-1]
                for i, part in enumerate(parts):
                    if part == "resources":
                        roots.add("/".join(parts[: i + 1]))
            self._resource_roots = sorted(roots)
        return self._resource_roots

    # ---- dispatch

    def extract(self, f: SourceFile) -> None:
        lang = f.language
        handler = _HANDLERS.get(lang)
        if handler is not None:
            handler(self, f)

    # ---- Java

    def java_resolve(self, name: str) -> list[str]:
        """Files declaring the class ``name`` (a.b.C), or its outer class for a.b.C.Inner / a.b.C.member."""
        parts = name.split(".")[:MAX_NAME_PARTS]
        for i in range(len(parts), 0, -1):
            hits = self.java_types.get(".".join(parts[:i]))
            if hits:
                return hits
            if i <= 2:
                break
        return []

    def java_qualified_refs(self, source: str, code: str) -> set[str]:
        return _qualified_refs(source, code, self.java_qualified, self.java_pkgs)

    def do_java(self, f: SourceFile) -> None:
        code = self.code(f)
        ids = self.idents(f, code)
        pkg = self.java_pkg_of.get(f.path, "")
        declared = self.java_declared.get(f.path, set())
        imported_simple: set[str] = set()
        imports = {(bool(m.group(1)), _WS.sub("", m.group(2)), bool(m.group(3))) for m in _JAVA_IMPORT.finditer(code)}
        for static, name, wildcard in sorted(imports):
            if wildcard:
                members = self.java_pkgs.get(name)
                if members and not static:
                    for simple in ids & members.keys():
                        self.add_all(f.path, _closest(f.path, members[simple]), "import")
                else:
                    self.add_all(f.path, _closest(f.path, self.java_types.get(name, ())), "import")
            else:
                hits = self.java_resolve(name)
                if hits:
                    if not static:
                        imported_simple.add(name.rsplit(".", 1)[-1])
                    self.add_all(f.path, _closest(f.path, hits), "import")
        members = self.java_pkgs.get(pkg)
        if members:
            for simple in (ids & members.keys()) - declared - imported_simple:
                self.add_all(f.path, _closest(f.path, members[simple]), "reference")
        for target in self.java_qualified_refs(f.path, code):
            self.add(f.path, target, "reference")
        for s in self._strings.get(f.path, ()):  # Class.forName("a.b.C") and the like
            hits = self.java_types.get(s.split("$", 1)[0])
            if hits:
                self.add_all(f.path, _closest(f.path, hits), "reference")

    # ---- JSP

    def web_bases(self, path: str, value: str) -> list[str]:
        own = posixpath.dirname(path)
        root = _webroot_of(path)
        if value.startswith("/"):
            bases = [root if root is not None else own]
            bases += [w for w in self.webroots if w != root] + [""]
        else:
            bases = [own] + ([root] if root is not None else []) + list(self.webroots)
        return _unique(bases)

    def do_jsp(self, f: SourceFile) -> None:
        text = self.text(f)
        ids: set[str] | None = None
        taglib_dirs: list[tuple[str, str]] = []

        def java_name(name: str, kind: str) -> None:
            nonlocal ids
            name = _WS.sub("", name)
            if not name:
                return
            if name.endswith(".*"):
                members = self.java_pkgs.get(name[:-2])
                if members:
                    if ids is None:
                        ids = self.idents(f, text)
                    for simple in ids & members.keys():
                        self.add_all(f.path, _closest(f.path, members[simple]), kind)
                return
            self.add_all(f.path, _closest(f.path, self.java_resolve(name)), kind)

        def path_value(value: str, kind: str) -> None:
            value = value.strip()
            if not value or "<%" in value or "${" in value or "#{" in value or "://" in value:
                return
            self.add(f.path, self.resolve_in(self.web_bases(f.path, value), value), kind)

        directives = [(m.group(1), m.group(2)) for m in _JSP_DIRECTIVE.finditer(text)]
        directives += [(m.group(1), m.group(2)) for m in _JSP_XML_DIRECTIVE.finditer(text)]
        for name, body in directives:
            name = name.lower()
            attrs = _attrs(body)
            if name in ("page", "tag"):
                for key, value in attrs:
                    if key.lower() == "import":
                        for item in value.split(","):
                            java_name(item, "import")
                    elif key.lower() == "errorpage":
                        path_value(value, "reference")
            elif name == "include":
                for key, value in attrs:
                    if key.lower() == "file":
                        path_value(value, "include")
            elif name == "taglib":
                d = {k.lower(): v for k, v in attrs}
                uri, tagdir, prefix = d.get("uri", "").strip(), d.get("tagdir", "").strip(), d.get("prefix", "").strip()
                if uri:
                    if uri in self.taglib_uris:
                        self.add(f.path, self.taglib_uris[uri], "use")
                    else:
                        path_value(uri, "use")
                if tagdir and prefix:
                    taglib_dirs.append((tagdir, prefix))
        for m in _JSP_ACTION.finditer(text):
            action = m.group(1)
            attrs = dict((k.lower(), v) for k, v in _attrs(m.group(2)))
            if action == "useBean":
                for key in ("class", "type", "beanname"):
                    if key in attrs:
                        java_name(attrs[key], "use")
            else:  # include, forward
                path_value(attrs.get("page", ""), "include")
        for m in _JSTL_IMPORT.finditer(text):
            attrs = dict((k.lower(), v) for k, v in _attrs(m.group(1)))
            if "url" in attrs:
                path_value(attrs["url"], "include")
        for tagdir, prefix in taglib_dirs:
            root = self.web_bases(f.path, tagdir)
            for tag in set(re.findall(r"<" + re.escape(prefix) + r":([\w.-]+)", text)):
                for ext in (".tag", ".tagx"):
                    hit = self.resolve_in(root, tagdir.rstrip("/") + "/" + tag + ext)
                    if hit:
                        self.add(f.path, hit, "use")
                        break
        for target in self.java_qualified_refs(f.path, text):
            self.add(f.path, target, "reference")

    # ---- XML and other config

    def do_xml(self, f: SourceFile) -> None:
        text = _XML_COMMENT.sub(" ", self.text(f))
        self._config_classes(f, text)
        own = posixpath.dirname(f.path)
        root = _webroot_of(f.path)
        for m in _XML_VALUE.finditer(text):
            value = m.group(1) or m.group(2) or m.group(3) or ""
            if "." not in value:
                continue
            for piece in _SPLIT_VALUES.split(value.strip()):
                low = piece.lower()
                if not low.endswith(XML_PATH_SUFFIXES) or "://" in low or "${" in piece or "*" in piece:
                    continue
                if low.startswith(("classpath:", "classpath*:")):
                    rel = piece.split(":", 1)[1]
                    self.add(f.path, self.resolve_in(self.resource_roots() + [own, ""], rel), "config")
                    continue
                if low.startswith("file:"):
                    piece = piece[5:]
                if piece.startswith("/"):
                    bases = ([root] if root is not None else []) + list(self.webroots) + ["", own]
                else:
                    bases = [own] + ([root] if root is not None else []) + list(self.webroots) + [""]
                self.add(f.path, self.resolve_in(_unique(bases), piece), "config")

    def _config_classes(self, f: SourceFile, text: str) -> None:
        if not self.java_types and not self.cs_types:
            return
        for token in set(_XML_DOTTED.findall(text)):
            name = token.split("$", 1)[0]
            hits = self.java_types.get(name) or self.cs_types.get(name)
            if hits:
                self.add_all(f.path, _closest(f.path, hits), "config")

    def do_config(self, f: SourceFile) -> None:
        self._config_classes(f, self.text(f))

    # ---- Python

    def py_module(self, root: str, dotted: str) -> str | None:
        base = _join(root, dotted.replace(".", "/")) if dotted else (root or None)
        if base is None:
            return None
        if dotted:
            for cand in (base + ".py", base + "/__init__.py", base + ".pyw"):
                if cand in self.py_files:
                    return cand
            return None
        cand = base + "/__init__.py" if base else "__init__.py"
        return cand if cand in self.py_files else None

    def do_python(self, f: SourceFile) -> None:
        text = _PY_TRIPLE.sub("", self.text(f)).replace("\\\n", " ")
        own = posixpath.dirname(f.path)
        ancestors = set(_ancestors(f.path))

        def preference(root: str) -> tuple[int, int, str]:
            """Roots above this file (deepest first), then src/, then any other root."""
            if root in ancestors:
                return (0, -_depth(root), root)
            return (1 if root == "src" else 2, 0, root)

        def absolute(dotted: str, names: tuple[str, ...] | None) -> None:
            if not _PY_NAME.match(dotted):
                return
            cands = self.py_root_tops.get(dotted.split(".", 1)[0], set())
            roots = sorted(cands, key=preference)
            roots += [] if own in cands else [own]  # Python 2 implicit relative import
            for root in roots:
                if self._py_resolve_from(root, dotted, names, f.path):
                    return

        statements: set[tuple[str, tuple[str, ...] | None]] = set()
        for m in _PY_FROM_PAREN.finditer(text):
            names = (_py_strip_name(n) for n in re.sub(r"#[^\n]*", "", m.group(2)).split(","))
            statements.add((m.group(1), tuple(n for n in names if n)))
        for m in _PY_FROM.finditer(text):
            names = (_py_strip_name(n) for n in m.group(2).split("#", 1)[0].split(";", 1)[0].split(","))
            statements.add((m.group(1), tuple(n for n in names if n)))
        for m in _PY_IMPORT.finditer(text):
            for item in m.group(1).split("#", 1)[0].split(";", 1)[0].split(","):
                name = _py_strip_name(item)
                if name:
                    statements.add((name, None))
        for m in _PY_DYNAMIC.finditer(text):
            statements.add((m.group(1), None))
        for module, names in sorted(statements, key=lambda st: (st[0], st[1] or ())):
            if names is None:
                absolute(module, None)
            else:
                self._py_from(f, module, names, absolute)

    def _py_from(self, f: SourceFile, module: str, names: tuple[str, ...], absolute) -> None:  # noqa: ANN001
        if not module.startswith("."):
            absolute(module, names)
            return
        level = len(module) - len(module.lstrip("."))
        rest = module[level:]
        pkg = posixpath.dirname(f.path)
        for _ in range(level - 1):
            if not pkg:
                return
            pkg = posixpath.dirname(pkg)
        self._py_resolve_from(pkg, rest, names, f.path, relative=True)

    def _py_resolve_from(
        self, root: str, dotted: str, names: tuple[str, ...] | None, source: str, relative: bool = False
    ) -> bool:
        """Edges for ``from <root>/<dotted> import names`` (or ``import dotted`` when names is None)."""
        found = False
        if names:
            for n in names:
                if n == "*" or not n.isidentifier():
                    continue
                sub = self.py_module(root, f"{dotted}.{n}" if dotted else n)
                if sub:
                    self.add(source, sub, "import")
                    found = True
        if not found:
            parts = dotted.split(".") if dotted else []
            if relative and not parts:
                target = self.py_module(root, "")
                if target:
                    self.add(source, target, "import")
                    return True
                return False
            for i in range(len(parts), 0, -1):  # longest prefix that exists here
                target = self.py_module(root, ".".join(parts[:i]))
                if target:
                    self.add(source, target, "import")
                    return True
        return found

    # ---- JavaScript / TypeScript

    def do_js(self, f: SourceFile) -> None:
        raw = self.text(f)
        text = _strip_comments_keep_strings(raw, _JS_LEX)
        own = posixpath.dirname(f.path)
        specs = [m.group(2) or m.group(4) or m.group(6) for m in _JS_SPECIFIERS.finditer(text)]
        specs += _TS_REFERENCE.findall(raw)
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
            self.add(f.path, self._js_resolve(bases, spec), "import")

    def _js_resolve(self, bases: list[str], spec: str) -> str | None:
        for base in bases:
            p = _join(base, spec.lstrip("/"))
            if p is None:
                continue
            if p in self.paths and p != ".":
                return p
            cands = [p + ext for ext in JS_EXTENSIONS]
            if p.endswith((".js", ".jsx", ".mjs", ".cjs")):  # TS source imported by its emitted name
                stem = p.rsplit(".", 1)[0]
                cands += [stem + ".ts", stem + ".tsx", stem + ".mts", stem + ".cts"]
            cands += [_join(p, "index" + ext) or "" for ext in JS_EXTENSIONS]
            for c in cands:
                if c in self.paths:
                    return c
        return None

    # ---- PHP

    def do_php(self, f: SourceFile) -> None:
        code = self._php_code_of(f)
        own = posixpath.dirname(f.path)
        for expr in {m.group(1) for m in _PHP_INCLUDE.finditer(code)}:
            self.add(f.path, self._php_include(f.path, own, expr), "include")
        if not self.php_types:
            return
        current_ns = sorted(self.php_ns_of.get(f.path, {""}))
        imported: set[str] = set()
        done: set[str] = set()

        def use(name: str) -> None:
            name = name.strip().lstrip("\\").lower()
            if not name or name in done:
                return
            done.add(name)
            cands = [name] + [f"{ns}\\{name}" for ns in current_ns if ns and "\\" not in name]
            for c in cands:
                hits = self.php_types.get(c)
                if hits:
                    imported.add(c.rsplit("\\", 1)[-1])
                    self.add_all(f.path, _closest(f.path, hits), "use")
                    return

        for m in _PHP_GROUP_USE.finditer(code):
            for item in m.group(2).split(","):
                item = _AS.split(item.strip())[0].strip()
                if item:
                    use(m.group(1).rstrip("\\") + "\\" + item)
        for m in _PHP_USE.finditer(code):
            if m.group(1):
                continue
            for item in m.group(2).split(","):
                use(_AS.split(item.strip())[0])
        for q in {m.group().lstrip("\\").lower() for m in _PHP_QUALIFIED.finditer(code)}:
            hits = self.php_types.get(q)
            if hits:
                self.add_all(f.path, _closest(f.path, hits), "reference")
        ids: set[str] | None = None
        declared = self.php_declared.get(f.path, set())
        for ns in current_ns:
            members = self.php_ns.get(ns)
            if not ns or not members:
                continue
            if ids is None:
                ids = {i.lower() for i in _PHP_IDENT.findall(code)}
            for simple in (ids & members.keys()) - declared - imported:
                self.add_all(f.path, _closest(f.path, members[simple]), "reference")

    def _php_include(self, path: str, own: str, expr: str) -> str | None:
        base: str | None = None
        unknown = False
        literal = ""
        depth = 0
        for m in _PHP_INC_TOKEN.finditer(expr):
            g = m.lastgroup
            if g == "ws" or g == "dot":
                continue
            if g == "paren":
                depth += 1 if m.group() == "(" else -1
                if depth < 0:
                    break
                continue
            if g == "s":
                raw = m.group()
                body = raw[1:-1]
                if raw[0] == '"' and "$" in body:
                    unknown = True
                    body = re.split(r"\{?\$[\w\[\]'\"->]*\}?", body)[-1]
                literal += body
            elif g in ("dn", "dir"):
                if literal or base is not None:
                    unknown = True
                    continue
                d = own
                if g == "dn":
                    levels = int(m.group("lv") or 1)
                    if m.group("dnarg").upper() == "__DIR__":
                        levels += 1
                    for _ in range(levels - 1):
                        d = posixpath.dirname(d)
                base = d
            else:
                if m.group().upper() in ("__FILE__",):
                    unknown = True
                    continue
                unknown = True
                literal = ""
        literal = literal.strip()
        if not literal or literal.endswith("/"):
            return None
        if base is not None and not unknown:
            return self.resolve_in([base], literal)
        if unknown:
            return self.resolve_in([own, ""], literal) or self.suffix_match(literal)
        if literal.startswith("/"):
            return self.resolve_in([""], literal) or self.suffix_match(literal)
        return self.resolve_in([own] + _ancestors(path)[1:], literal)

    # ---- C#

    def do_csharp(self, f: SourceFile) -> None:
        code = self.code(f)
        ids = self.idents(f, code)
        declared = self.cs_declared.get(f.path, set())
        usings = {(m.group(1) or "", m.group(2) or "", m.group(3).lstrip("@")) for m in _CS_USING.finditer(code)}
        for static, alias, name in sorted(usings):
            if static or alias:
                hits = self.cs_types.get(name)
                if hits:
                    self.add_all(f.path, _closest(f.path, hits), "use")
                    continue
                if static:
                    continue
            members = self.cs_ns.get(name)
            if members:
                for simple in (ids & members.keys()) - declared:
                    self.add_all(f.path, _closest(f.path, members[simple]), "use")
        for ns in self.cs_ns_of.get(f.path, ()):  # own and enclosing namespaces need no using
            parts = ns.split(".") if ns else []
            for i in range(len(parts), -1, -1):
                members = self.cs_ns.get(".".join(parts[:i]))
                if members:
                    for simple in (ids & members.keys()) - declared:
                        self.add_all(f.path, _closest(f.path, members[simple]), "reference")
        for target in _qualified_refs(f.path, code, self.cs_qualified, self.cs_ns):
            self.add(f.path, target, "reference")

    # ---- ASP.NET / classic ASP / SSI

    def do_asp(self, f: SourceFile) -> None:
        text = self.text(f)
        own = posixpath.dirname(f.path)
        app_bases = _ancestors(f.path)
        for m in _SSI_INCLUDE.finditer(text):
            how, value = m.group(1).lower(), m.group(2)
            bases = [own] if how == "file" else app_bases
            self.add(f.path, self.resolve_in(bases, value), "include")
        for m in _ASP_DIRECTIVE.finditer(text):
            for key, value in _attrs(m.group(2)):
                key = key.lower()
                value = value.strip()
                if key in ("src", "masterpagefile", "codebehind", "codefile", "virtualpath"):
                    kind = "reference" if key in ("codebehind", "codefile") else "include"
                    if value.startswith("~/"):
                        self.add(f.path, self.resolve_in(app_bases, value[2:]), kind)
                    else:
                        self.add(f.path, self.resolve_in(app_bases if value.startswith("/") else [own], value), kind)
                elif key in ("inherits", "type"):
                    hits = self.cs_types.get(value.split(",", 1)[0].strip())
                    if hits:
                        self.add_all(f.path, _closest(f.path, hits), "reference")

    # ---- C / C++

    def do_c(self, f: SourceFile) -> None:
        text = _strip_comments_keep_strings(self.text(f), _JS_LEX)
        own = posixpath.dirname(f.path)
        for m in _C_INCLUDE.finditer(text):
            rel = m.group(2).strip()
            bases = ([own] if m.group(1) == '"' else []) + ["", "include", "src"]
            hit = self.resolve_in(_unique(bases), rel)
            if hit is None and m.group(1) == '"':
                hit = self.resolve_in(_ancestors(f.path)[1:], rel)
            self.add(f.path, hit, "include")

    # ---- SQL scripts

    def do_sql(self, f: SourceFile) -> None:
        own = posixpath.dirname(f.path)
        for m in _SQL_INCLUDE.finditer(self.text(f)):
            rel = m.group(1)
            cands = [rel] if "." in posixpath.basename(rel) else [rel + ".sql", rel]
            for c in cands:
                hit = self.resolve_in([own, ""], c)
                if hit:
                    self.add(f.path, hit, "include")
                    break


_HANDLERS = {
    "java": _Repo.do_java,
    "jsp": _Repo.do_jsp,
    "xml": _Repo.do_xml,
    "properties": _Repo.do_config,
    "yaml": _Repo.do_config,
    "python": _Repo.do_python,
    "javascript": _Repo.do_js,
    "typescript": _Repo.do_js,
    "php": _Repo.do_php,
    "csharp": _Repo.do_csharp,
    "aspnet": _Repo.do_asp,
    "asp": _Repo.do_asp,
    "html": _Repo.do_asp,  # server-side includes only
    "c": _Repo.do_c,
    "cpp": _Repo.do_c,
    "sql": _Repo.do_sql,
}


# --------------------------------------------------------------------------------------------
# Small pure helpers


def _join(base: str, rel: str) -> str | None:
    """Normalised repo-relative path, or None when it leaves the repository."""
    p = posixpath.normpath(posixpath.join(base, rel) if base else rel)
    if p.startswith("../") or p == ".." or p.startswith("/"):
        return None
    return p


def _depth(d: str) -> int:
    return 0 if not d else d.count("/") + 1


def _ancestors(path: str) -> list[str]:
    """Directories containing ``path``, deepest first, ending with the root ""."""
    out = []
    d = posixpath.dirname(path)
    while d:
        out.append(d)
        d = posixpath.dirname(d)
    out.append("")
    return out


def _webroot_of(path: str) -> str | None:
    """The web application root above ``path``: the parent of WEB-INF, else a dir named like one."""
    parts = path.split("/")[:-1]
    for i, part in enumerate(parts):
        if part.upper() == "WEB-INF":
            return "/".join(parts[:i])
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].lower() in WEBROOT_NAMES:
            return "/".join(parts[: i + 1])
    return None


def _unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if not (x in seen or seen.add(x))]


def _attrs(body: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2) if m.group(2) is not None else (m.group(3) or "")) for m in _ATTR.finditer(body)]


def _closest(source: str, candidates: Sequence[str]) -> list[str]:
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


def _py_strip_name(item: str) -> str:
    item = item.strip().strip("()").strip()
    return _AS.split(item)[0].strip() if item else ""


def _qualified_pattern(packages: set[str]) -> re.Pattern[str] | None:
    """A regex for dotted chains that start with the first segment of a known package."""
    firsts = sorted({p.split(".", 1)[0] for p in packages if p})
    if not firsts:
        return None
    head = "|".join(re.escape(s) for s in firsts) if len(firsts) <= 500 else r"[A-Za-z_$][\w$]*"
    return re.compile(r"(?<![\w$.])(?:" + head + r")(?![\w$])(?:\s*\.\s*[A-Za-z_$][\w$]*){1,%d}" % MAX_NAME_PARTS)


def _qualified_refs(
    source: str, code: str, pattern: re.Pattern[str] | None, index: dict[str, dict[str, list[str]]]
) -> set[str]:
    """Files of classes named by their fully qualified name in code (com.x.Y.call())."""
    out: set[str] = set()
    if pattern is None:
        return out
    for chain in set(pattern.findall(code)):
        parts = _WS.sub("", chain).split(".")
        for i in range(1, len(parts)):
            members = index.get(".".join(parts[:i]))
            if members is not None and parts[i] in members:
                out.update(_closest(source, members[parts[i]]))
                break
    return out
