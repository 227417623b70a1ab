"""PHP path expressions evaluated the way legacy trees build them, without running anything:
string literals, ``__FILE__``/``__DIR__``, ``dirname(x[, n])``, ``realpath(x)``, ``rtrim(x, c)``,
``DIRECTORY_SEPARATOR``/``PATH_SEPARATOR``, constants set by ``define()``/``const`` anywhere in the
tree, a file's own ``$var = ...``/``$var .= ...`` assignments, and ``.`` concatenation.

A value is a tuple of parts: a known string, or None for a part that cannot be known (a request
variable, a config lookup). A known string that starts with ROOT is a location in the repository
("\\0/inc/init.php"), so ``define('BASE', dirname(__FILE__))`` followed elsewhere by
``require BASE . '/core/x.php'`` resolves to the right file wherever the include sits."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Callable

from modernizer.repo.lang.base import join

ROOT = "\x00"  # a value starting with ROOT + "/" is a path from the repository root
Value = tuple[str | None, ...]
UNKNOWN: Value = (None,)
MAX_EXPR_CHARS = 600
MAX_ASSIGN_CHARS = 8_000  # how far before set_include_path(...) its variables are read
MAX_SITES = 64  # definitions of one constant looked at
MAX_DEPTH = 24  # nested calls/parentheses and constant chains deeper than this are not real code

TOKEN = re.compile(
    r"\s*(?:(?P<s>'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\")"
    r"|(?P<var>\$[A-Za-z_]\w*)"
    r"|(?P<id>\\?[A-Za-z_][\w\\]*)"
    r"|(?P<num>\d+)"
    r"|(?P<op>->|::|[().,\[\]])"
    r"|(?P<other>\S))", re.S)
INTERPOLATION = re.compile(r"\{?\$[\w\[\]'\"\->]*\}?")
DEFINE = re.compile(r"(?=[dD])\bdefine\s*\(\s*(['\"])([A-Za-z_]\w*)\1\s*,", re.I)
CONST = re.compile(r"(?=[cC])(?<![\w$>:])\bconst\s+([A-Za-z_]\w*)\s*=", re.I)
ASSIGN = re.compile(r"(\$[A-Za-z_]\w*)\s*(\.?=)(?![=>])")
PASS_THROUGH = frozenset({"realpath", "strval", "trim"})


def concat(a: Value, b: Value) -> Value:
    if a and b and isinstance(a[-1], str) and isinstance(b[0], str):
        return a[:-1] + (a[-1] + b[0],) + b[1:]
    return a + b


def normal(v: Value) -> Value:
    """A known repository location in canonical form (so that two defines of one constant from
    different folders compare equal); a location that leaves the repository becomes unknown."""
    if len(v) != 1 or not isinstance(v[0], str) or not v[0].startswith(ROOT + "/"):
        return v
    body = v[0][2:].replace("\\", "/")
    rel = join("", body.strip("/")) if body.strip("/") else "."
    if rel is None:
        return UNKNOWN
    rel = "" if rel == "." else rel
    return (ROOT + "/" + rel + ("/" if body.endswith("/") and rel else ""),)


def _dirname(v: Value, levels: int) -> Value:
    v = normal(v)
    if len(v) != 1 or v[0] is None:
        return UNKNOWN
    s = v[0]
    if s.startswith(ROOT + "/"):
        rel = s[2:].rstrip("/")
        for _ in range(levels):
            if not rel:
                return UNKNOWN  # above the repository
            rel = posixpath.dirname(rel)
        return (ROOT + "/" + rel,)
    for _ in range(levels):
        s = posixpath.dirname(s.rstrip("/")) or "."
    return (s,)


class Evaluator:
    """Evaluates expressions in one file; ``constant`` looks a constant up tree-wide."""

    def __init__(self, path: str, constant: Callable[[str, int, str], Value], variables: dict[str, Value] | None = None) -> None:
        self.path = path
        self.constant = constant
        self.variables = variables or {}
        self.depth = 0

    def value(self, text: str, start: int = 0) -> Value:
        """The value of the expression at ``text[start:]`` (it ends at the first token that cannot
        continue it: ``)``, ``;``, ``or die``...)."""
        window = text[start:start + MAX_EXPR_CHARS]  # an expression is short: never tokenise the whole file
        self.tokens = [(m.lastgroup, m.group(m.lastgroup)) for m in TOKEN.finditer(window)]
        self.i = 0
        try:
            return self._expr()
        except (IndexError, RecursionError):
            return UNKNOWN

    def _peek(self) -> tuple[str | None, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, "")

    def _expr(self) -> Value:
        v = self._term()
        while self._peek() == ("op", "."):
            self.i += 1
            v = concat(v, self._term())
        return v

    def _args(self) -> list[Value]:
        args: list[Value] = []
        if self._peek() == ("op", ")"):
            self.i += 1
            return args
        while True:
            args.append(self._expr())
            kind, tok = self._peek()
            self.i += 1
            if tok == ")" or kind is None:
                return args
            if tok != ",":  # something this evaluator does not follow: skip to the closing parenthesis
                depth = 1
                while self.i < len(self.tokens) and depth:
                    t = self.tokens[self.i][1]
                    depth += (t == "(") - (t == ")")
                    self.i += 1
                return args + [UNKNOWN]

    def _term(self) -> Value:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                return UNKNOWN
            kind, tok = self._peek()
            self.i += 1
            if kind == "s":
                return self._string(tok)
            if kind == "num":
                return (tok,)
            if kind == "var":
                if self._peek()[1] in ("[", "->", "::"):
                    self._skip_access()
                    return UNKNOWN
                return self.variables.get(tok, UNKNOWN)
            if kind == "op" and tok == "(":
                v = self._expr()
                if self._peek() == ("op", ")"):
                    self.i += 1
                return v
            if kind == "id":
                name = tok.lstrip("\\")
                if self._peek() == ("op", "("):
                    self.i += 1
                    return self._call(name.lower(), self._args())
                if self._peek() == ("op", "::"):
                    self._skip_access()
                    return UNKNOWN
                return self._name(name)
            self.i -= 1
            return UNKNOWN
        finally:
            self.depth -= 1

    def _skip_access(self) -> None:
        """Past ``[...]``, ``->name``, ``->name(...)`` and ``::NAME`` after a variable or class."""
        while self.i < len(self.tokens):
            tok = self._peek()[1]
            if tok == "[":
                depth = 0
                while self.i < len(self.tokens):
                    t = self.tokens[self.i][1]
                    depth += (t == "[") - (t == "]")
                    self.i += 1
                    if not depth:
                        break
            elif tok in ("->", "::"):
                self.i += 2  # the operator and the member's name
                if self._peek() == ("op", "("):
                    self.i += 1
                    self._args()
            else:
                return

    def _string(self, tok: str) -> Value:
        body = tok[1:-1]
        if tok[0] == "'":
            return (body.replace("\\'", "'").replace("\\\\", "\\"),)
        out: Value = ()
        pos = 0
        for m in INTERPOLATION.finditer(body):
            out = concat(out, (body[pos:m.start()],) if m.start() > pos else ())
            out = concat(out, UNKNOWN)
            pos = m.end()
        return concat(out, (body[pos:],) if pos < len(body) else ()) or ("",)

    def _call(self, name: str, args: list[Value]) -> Value:
        if name == "dirname" and args:
            levels = int(args[1][0]) if len(args) > 1 and isinstance(args[1][0], str) and args[1][0].isdigit() else 1
            return _dirname(args[0], min(levels, MAX_DEPTH))
        if name == "str_replace" and len(args) == 3:  # str_replace('\\', '/', realpath(...)): separators
            search, repl, subject = args
            if len(search) == 1 and len(repl) == 1 and search[0] and repl[0] is not None:
                return tuple(p.replace(search[0], repl[0]) if p is not None else None for p in subject)
            return UNKNOWN
        if name in PASS_THROUGH and args:
            return args[0]
        if name == "rtrim" and args:
            v = normal(args[0])
            chars = args[1][0] if len(args) > 1 and isinstance(args[1][0], str) else " \t\n\r\0\x0b"
            if len(v) == 1 and isinstance(v[0], str):
                return (v[0].rstrip(chars) or v[0][:2],)
            return v
        return UNKNOWN

    def _name(self, name: str) -> Value:
        upper = name.upper()
        if upper == "__FILE__":
            return (ROOT + "/" + self.path,)
        if upper == "__DIR__":
            return (ROOT + "/" + posixpath.dirname(self.path),)
        if name == "DIRECTORY_SEPARATOR":
            return ("/",)
        if name == "PATH_SEPARATOR":
            return (":",)
        return self.constant(name, self.depth, self.path)


class Constants:
    """Every ``define('NAME', expr)`` and ``const NAME = expr`` of the tree, evaluated on demand.
    A constant defined to different values in different places (each entry script defines its
    own ``BASE_PATH``) takes the value of the definition nearest the file that uses it; when the
    nearest ones disagree it is unknown, not guessed."""

    def __init__(self) -> None:
        self.sites: dict[str, list[tuple[str, str, int]]] = defaultdict(list)  # name -> (file, code, offset)
        self.values: dict[str, list[tuple[str, Value]]] = {}
        self.busy: set[str] = set()

    def scan(self, path: str, code: str) -> None:
        if "define" in code or "const" in code:
            for m in DEFINE.finditer(code):
                self.sites[m.group(2)].append((path, code, m.end()))
            for m in CONST.finditer(code):
                self.sites[m.group(1)].append((path, code, m.end()))

    def get(self, name: str, depth: int = 0, user: str = "") -> Value:
        found = self.values.get(name)
        if found is None:
            sites = self.sites.get(name)
            if not sites or name in self.busy or depth > MAX_DEPTH or len(self.busy) > MAX_DEPTH:
                return UNKNOWN
            self.busy.add(name)
            try:
                found = [(p, normal(Evaluator(p, self.get).value(code, off))) for p, code, off in sites[:MAX_SITES]]
            finally:
                self.busy.discard(name)
            found = [(p, v) for p, v in found if v[0] is not None]  # an unknown prefix does not help
            self.values[name] = found
        distinct = {v for _, v in found}
        if len(distinct) > 1:
            best = max(_nearness(user, p) for p, _ in found)
            distinct = {v for p, v in found if _nearness(user, p) == best}
        return distinct.pop() if len(distinct) == 1 else UNKNOWN


def _nearness(user: str, site: str) -> tuple[int, int]:
    """How near a definition is to the file that uses it: the folders they share, then the fewer
    folders the definition sits below them (an entry script above the user beats a sibling tool's)."""
    a, b = posixpath.dirname(user).split("/"), posixpath.dirname(site).split("/")
    a, b = [x for x in a if x], [x for x in b if x]
    shared = 0
    for x, y in zip(a, b):
        if x != y:
            break
        shared += 1
    return shared, -(len(b) - shared)


def variables_before(code: str, pos: int, evaluator: Evaluator) -> dict[str, Value]:
    """The file's ``$var = expr;`` and ``$var .= expr;`` assignments before ``pos``, in order (a
    straight-line reading: enough for the include_path a bootstrap file builds up)."""
    out: dict[str, Value] = {}
    evaluator.variables = out
    start = max(0, pos - MAX_ASSIGN_CHARS)  # the bootstrap code just before the call, not the whole file
    for m in ASSIGN.finditer(code, start, pos):
        v = Evaluator(evaluator.path, evaluator.constant, out).value(code, m.end())
        name = m.group(1)
        out[name] = concat(out.get(name, UNKNOWN), v) if m.group(2) == ".=" else v
    return out


def include_path_entries(v: Value) -> list[str]:
    """The fully known entries of an include_path value (``get_include_path() . ':' . X`` gives X)."""
    out: list[str] = []
    for i, part in enumerate(v):
        if part is None:
            continue
        pieces = re.split(r"[:;]", part)
        if i > 0:
            pieces = pieces[1:]  # glued to the unknown part before it
        if i < len(v) - 1:
            pieces = pieces[:-1]  # glued to the unknown part after it
        out.extend(p.strip() for p in pieces if p.strip())
    return out
