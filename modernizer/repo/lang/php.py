"""PHP: include/require expressions (literals, ``__DIR__``, ``dirname(__FILE__)``, constants),
resolved against the including file, the repository and the include_path the code sets; and
classes by namespace through ``use`` statements, qualified names and same-namespace references."""

from __future__ import annotations

import bisect
import posixpath
import re
from collections import defaultdict

from modernizer.repo.lang.base import AS, PHP_LEX, RepoIndex, SourceFile, ancestors, closest, join, strip_comments_keep_strings
from modernizer.repo.lang.php_paths import ROOT, Constants, Evaluator, include_path_entries, normal, variables_before

NOT_TYPE_NAMES = frozenset({"extends", "implements", "where", "new", "struct", "class", "static", "final"})
# The lookaheads (?=...) on the characters a match starts with let Python's re skip other positions
# fast (see base.C_LEX); a region's body is skipped run by run, not one lazy step per character.
PHP_REGION = re.compile(r"<\?(?:php\b|=)?((?:[^?]++|\?(?!>))*+)(?:\?>|\Z)", re.I)
PHP_INCLUDE = re.compile(r"(?=[iIrR])(?<![\w$>:'\"\[#])\b(?:include|include_once|require|require_once)\b([^;\n]{1,400})", re.I)
PHP_NAMESPACE = re.compile(r"(?=n)\bnamespace\s+([A-Za-z_\\][\w\\]*)?\s*[;{]")
PHP_TYPE = re.compile(r"(?=[cCiItTeE])\b(?:class|interface|trait|enum)\s+([A-Za-z_]\w*)", re.I)
PHP_USE = re.compile(r"(?=[uU])\buse\s+(?:(function|const)\s+)?(\\?[A-Za-z_][\w\\]*(?:\s+as\s+\w+)?(?:\s*,\s*\\?[A-Za-z_][\w\\]*(?:\s+as\s+\w+)?)*)\s*[;{]", re.I)
PHP_GROUP_USE = re.compile(r"(?=[uU])\buse\s+(?:(?:function|const)\s+)?\\?([A-Za-z_][\w\\]*)\\\{([^{}]*+)\}", re.I)
PHP_QUALIFIED = re.compile(r"(?<![\w\\])\\?[A-Za-z_]\w*+(?:\\[A-Za-z_]\w*+)+")
PHP_IDENT = re.compile(r"[A-Za-z_]\w*")
PHP_INCLUDE_PATH = re.compile(
    r"\bset_include_path\s*\(([^;]{1,400})\)\s*;"
    r"|\bini_set\s*\(\s*['\"]include_path['\"]\s*,([^;]{1,400})\)\s*;"
    r"|^[ \t]*(?:php_value[ \t]+)?include_path[ \t]*=?[ \t]*(\"[^\"\n]*\"|'[^'\n]*'|[^\s;#]+)", re.I | re.M)
MAX_INCLUDE_PATH_CALLS = 32  # per file: more is not a bootstrap, and each reads the code before it
PHP_STRING = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|(?<![\w$'\"])[./\w][\w./:-]*")


def index(repo: RepoIndex) -> None:
    repo.php_types: dict[str, list[str]] = defaultdict(list)  # lower fqn -> files
    repo.php_ns: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    repo.php_code: dict[str, str] = {}
    repo.php_ns_of: dict[str, set[str]] = {}
    repo.php_declared: dict[str, set[str]] = {}
    repo.php_constants = Constants()
    for f in repo.files:
        if f.language != "php":
            continue
        try:
            code = code_of(repo, f)
            repo.php_constants.scan(f.path, code)
            marks: list[tuple[int, str]] = [(0, "")]
            for m in PHP_NAMESPACE.finditer(code):
                marks.append((m.start(), (m.group(1) or "").strip("\\").lower()))
            starts = [pos for pos, _ in marks]
            decls = []
            for m in PHP_TYPE.finditer(code):
                name = m.group(1)
                if name.lower() in NOT_TYPE_NAMES:
                    continue
                ns = marks[bisect.bisect_right(starts, m.start()) - 1][1]  # last namespace before it
                decls.append((ns, name.lower()))
        except Exception:  # noqa: BLE001
            marks, decls = [(0, "")], []
        repo.php_ns_of[f.path] = {n for _, n in marks[1:]} or {""}
        repo.php_declared[f.path] = {n for _, n in decls}
        for ns, name in sorted(set(decls)):
            repo.php_types[f"{ns}\\{name}" if ns else name].append(f.path)
            repo.php_ns[ns][name].append(f.path)
    repo.php_include_dirs = include_dirs(repo)


def include_dirs(repo: RepoIndex) -> list[str]:
    """The include_path the code sets (``set_include_path``, ``ini_set('include_path')``, and
    ``include_path`` in .htaccess or php.ini), as folders of this repository. Absolute entries
    (``/var/www/shop/lib``) map to the folder whose path ends the same way, when only one does;
    ``dirname(__FILE__)``/``__DIR__`` entries and relative ones resolve from the file that sets them."""
    folders: set[str] = {posixpath.dirname(p) for p in repo.paths}
    for d in list(folders):
        while d:
            d = posixpath.dirname(d)
            folders.add(d)
    found: list[str] = []
    for f in repo.files:
        text = repo.text(f)
        if "include_path" not in text:
            continue
        if f.language == "php":
            text = code_of(repo, f)  # not in comments
        own = posixpath.dirname(f.path)
        for i, m in enumerate(PHP_INCLUDE_PATH.finditer(text)):
            expr = m.group(1) or m.group(2) or m.group(3) or ""
            if f.language == "php" and (m.group(1) or m.group(2)) and i < MAX_INCLUDE_PATH_CALLS:
                ev = Evaluator(f.path, repo.php_constants.get)
                ev.variables = variables_before(text, m.start(), ev)
                entries = include_path_entries(ev.value(expr))
                for entry in entries:
                    if entry.startswith(ROOT + "/"):
                        d = normal((entry,))[0]
                        d = d[2:].rstrip("/") if d else None
                        if d is not None and d in folders and d not in found:
                            found.append(d)
                        continue
                    entry = entry.rstrip("/")
                    if entry and entry != ".":
                        found.extend(d for d in _folders_for(entry, own, False, folders) if d not in found)
                if entries:
                    continue
            from_file = "__FILE__" in expr or "__DIR__" in expr
            for literal in PHP_STRING.findall(expr):
                for entry in re.split(r"[:;]", literal.strip("'\"")):
                    entry = entry.strip().rstrip("/")
                    if not entry or entry == "." or "$" in entry:
                        continue
                    dirs = _folders_for(entry, own, from_file, folders)
                    found.extend(d for d in dirs if d not in found)
    return found


def _folders_for(entry: str, own: str, from_file: bool, folders: set[str]) -> list[str]:
    if entry.startswith("/") and not from_file:
        parts = [p for p in entry.split("/") if p]
        for i in range(len(parts)):  # the longest tail of the path that names a folder here, if only one does
            tail = "/".join(parts[i:])
            hits = [d for d in folders if d == tail or d.endswith("/" + tail)]
            if len(hits) == 1:
                return hits
            if hits:
                return []
        return []
    rel = entry.lstrip("/") if from_file else entry
    out = []
    for base in ([own] if from_file else [own, ""]):
        cand = join(base, rel)
        if cand is not None and cand in folders:
            out.append(cand)
    return out


def code_of(repo: RepoIndex, f: SourceFile) -> str:
    c = repo.php_code.get(f.path)
    if c is None:
        text = repo.text(f)
        if "<?" in text:
            regions = [m.group(1) for m in PHP_REGION.finditer(text)]
            text = "\n;\n".join(regions)
        c = strip_comments_keep_strings(text, PHP_LEX)
        repo.php_code[f.path] = c
    return c


def extract(repo: RepoIndex, f: SourceFile) -> None:
    code = code_of(repo, f)
    own = posixpath.dirname(f.path)
    for expr in {m.group(1) for m in PHP_INCLUDE.finditer(code)}:
        repo.add(f.path, include_target(repo, f.path, own, expr), "include")
    if not repo.php_types:
        return
    current_ns = sorted(repo.php_ns_of.get(f.path, {""}))
    imported: set[str] = set()
    done: set[str] = set()

    def use(name: str) -> None:
        name = name.strip().lstrip("\\").lower()
        if not name or name in done:
            return
        done.add(name)
        cands = [name] + [f"{ns}\\{name}" for ns in current_ns if ns and "\\" not in name]
        for c in cands:
            hits = repo.php_types.get(c)
            if hits:
                imported.add(c.rsplit("\\", 1)[-1])
                repo.add_all(f.path, closest(f.path, hits), "use")
                return

    for m in PHP_GROUP_USE.finditer(code):
        for item in m.group(2).split(","):
            item = AS.split(item.strip())[0].strip()
            if item:
                use(m.group(1).rstrip("\\") + "\\" + item)
    for m in PHP_USE.finditer(code):
        if m.group(1):
            continue
        for item in m.group(2).split(","):
            use(AS.split(item.strip())[0])
    for q in {m.group().lstrip("\\").lower() for m in PHP_QUALIFIED.finditer(code)}:
        hits = repo.php_types.get(q)
        if hits:
            repo.add_all(f.path, closest(f.path, hits), "reference")
    ids: set[str] | None = None
    declared = repo.php_declared.get(f.path, set())
    for ns in current_ns:
        members = repo.php_ns.get(ns)
        if not ns or not members:
            continue
        if ids is None:
            ids = {i.lower() for i in PHP_IDENT.findall(code)}
        for simple in (ids & members.keys()) - declared - imported:
            repo.add_all(f.path, closest(f.path, members[simple]), "reference")

def include_target(repo: RepoIndex, path: str, own: str, expr: str) -> str | None:
    """The file an include/require expression names, as PHP would find it: a repository location
    built from ``__DIR__``/``dirname(__FILE__)``/constants resolves exactly; a bare relative name
    is looked for beside the including file, on the include_path the code sets, then in the
    folders above (the entry script's directory, usually); a name behind an unknown prefix
    (``$path . 'x.php'``) by its known tail."""
    constants = getattr(repo, "php_constants", None) or Constants()
    value = Evaluator(path, constants.get).value(expr)
    if not value:
        return None
    if len(value) == 1 and value[0] is not None:
        literal = value[0].strip()
        if literal.startswith(ROOT + "/"):
            loc = normal((literal,))[0]
            hit = repo.lookup(loc[2:]) if loc and not loc.endswith("/") and loc[2:] else None
            if hit is not None or not constants.sites:
                return hit
            # a constant whose definition we picked is not the one in force (copied code defines
            # its own): the literal tail after the constants, as when they are unknown
            value = Evaluator(path, lambda *_: (None,)).value(expr)
            return _by_tail(repo, own, value) if len(value) > 1 else None
        if not literal or literal.endswith("/"):
            return None
        if literal.startswith("/"):
            return repo.resolve_in([""], literal) or repo.suffix_match(literal)
        if literal.startswith(("./", "../")):  # from the working directory: the entry script's, often above
            return repo.resolve_in([own] + ancestors(path)[1:], literal)
        dirs = getattr(repo, "php_include_dirs", [])
        return repo.resolve_in([own], literal) or repo.resolve_in(dirs, literal) or repo.resolve_in(ancestors(path)[1:], literal)
    return _by_tail(repo, own, value)


def _by_tail(repo: RepoIndex, own: str, value: tuple[str | None, ...]) -> str | None:
    """``$dir . 'x.php'``: the known tail, beside the including file or from the root, else the
    one file of the tree whose path ends so."""
    tail = value[-1]
    if tail is None:
        return None
    tail = tail.strip()
    if not tail or tail.endswith("/") or tail.startswith(ROOT):
        return None
    return repo.resolve_in([own, ""], tail) or repo.suffix_match(tail)
