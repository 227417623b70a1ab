"""What the Python flow evaluator knows of Python, Flask/Django and common libraries: where data from
outside comes from (the same sources as rules/python.yml), which encoders make a value safe for which
family (the rules' sanitizers), which calls give a number or a bool whatever their input, and how
lists and dicts store and hand back their elements."""

from __future__ import annotations

import re

from modernizer.findings.candidates.python_values import (
    CLEAN_V, CONST, MAX_ITEMS, NULL, TAINT, UNK, UNKNOWN, PDict, PList, V, Value, copy_value, flat, join, join_all,
)

# A dotted name that is data from outside: the request (Flask's global, Django's/webapp's ``self.request``),
# the environment, the command line, the console, and an exception's text (error-message XSS repeats input).
SOURCE_ROOTS = re.compile(r"^(flask\.)?request(\.|$)|(^|\.)request\.|^os\.(environ|getenv|environb)(\.|$)|^sys\.argv$|"
                          r"^(input|raw_input)$|^traceback\.format_exc|^sys\.exc_info$|^cgi\.FieldStorage$")
# Reading a file or a stream (a source in the rules): unknown content, never a constant we rely on.
READERS = frozenset({"read", "readline", "readlines", "recv", "getvalue", "read_text", "read_bytes"})
# Encoders by the last part of their dotted name, and the families they make a value safe for.
SANITIZERS: dict[str, frozenset[str]] = {
    "escape": frozenset({"xss"}), "conditional_escape": frozenset({"xss"}), "clean": frozenset({"xss"}),
    "escape_for_html": frozenset(),  # a project's own helper: not trusted (it may not escape)
    "quote": frozenset({"command-injection"}),  # shlex.quote / pipes.quote (urllib's quote is not named so alone)
    "escape_filter_chars": frozenset({"ldap-injection"}), "escape_rdn": frozenset({"ldap-injection"}),
    "escape_dn_chars": frozenset({"ldap-injection"}), "secure_filename": frozenset({"path-traversal"}),
    "safe_join": frozenset({"path-traversal"}), "render_template": frozenset({"xss"}),
    "url_for": frozenset({"xss", "open-redirect"}),
}
_SANITIZER_RECEIVERS = re.compile(r"^(|html|cgi|markupsafe|flask|django\.utils\.html|bleach|shlex|pipes|ldap3?\.utils\.conv|"
                                  r"ldap\.filter|ldap\.dn|werkzeug\.utils|werkzeug\.security|conv|filter|dn|flask\.helpers)$")
# Calls whose result is a number, a bool or a digest whatever their input (no request text survives them).
CLEAN_CALLS = frozenset({"int", "float", "bool", "len", "hash", "id", "ord", "abs", "round", "isinstance", "issubclass",
                         "callable", "hasattr", "hexdigest", "digest", "uuid4", "uuid1", "randint", "random", "time",
                         "count", "index", "find", "rfind", "startswith", "endswith", "isdigit", "isalpha", "isalnum",
                         "isnumeric", "exists", "isfile", "isdir"})
CONVERTERS = frozenset({"str", "repr", "format", "unquote", "unquote_plus", "urlencode", "quote_plus", "strip",
                        "decode", "encode", "b64decode", "b64encode", "lower", "upper", "normpath", "abspath",
                        "realpath", "join", "dumps", "loads"})


def sanitizer_families(dotted: str) -> frozenset[str] | None:
    """The families an encoder called by this dotted name makes its result safe for, or None if it is none."""
    head, _, last = dotted.rpartition(".")
    if last not in SANITIZERS or not _SANITIZER_RECEIVERS.match(head):
        return None
    if last == "quote" and head not in ("", "shlex", "pipes"):
        return None
    return SANITIZERS[last]


def sanitized(v: V, fams: frozenset[str]) -> V:
    return V(TAINT, sanitized=v.sanitized | fams, line=v.line) if v.kind == TAINT else v


def _index(c: PList, i: V) -> Value:
    if c.exact and i.is_const and isinstance(i.value, int) and not isinstance(i.value, bool) \
            and -len(c.items) <= i.value < len(c.items):
        return c.items[i.value]
    return c.flat()


def read_item(c: Value, key: V) -> Value:
    """``c[key]`` on a tracked container (a missing key raises: no value, so the container's rest or nothing)."""
    if isinstance(c, PDict):
        if key.is_const and key.value in c.entries:
            return c.entries[key.value]
        if key.is_const:
            return c.rest if c.rest is not None else NULL
        return c.flat()
    if isinstance(c, PList):
        return _index(c, key)
    return flat(c)


def write_item(c: Value, key: V, v: Value) -> None:
    """``c[key] = v`` on a tracked container."""
    if isinstance(c, PDict):
        if key.is_const:
            c.entries[key.value] = v
        else:
            c.rest = flat(v) if c.rest is None else join(c.rest, flat(v))  # type: ignore[assignment]
            c.entries = {k: join(x, v) for k, x in c.entries.items()}
    elif isinstance(c, PList):
        if c.exact and key.is_const and isinstance(key.value, int) and -len(c.items) <= key.value < len(c.items):
            c.items[key.value] = v
        else:
            c.items.append(v)
            c.exact = False
            c.settle()


def container_call(c: Value, name: str, args: list[Value]) -> Value | None:
    """``c.name(args)`` on a local list or dict: its effect and result, or None when it is not one we follow."""
    got = _container_call(c, name, args)
    if isinstance(c, PList):
        c.settle()
    if isinstance(c, PDict) and len(c.entries) > 4 * MAX_ITEMS:
        c.rest, c.entries = c.flat(), {}
    return got


def _container_call(c: Value, name: str, args: list[Value]) -> Value | None:
    fa = [flat(a) for a in args]
    if isinstance(c, PList):
        if name == "append" and len(args) == 1:
            c.items.append(args[0])
            return NULL
        if name == "insert" and len(args) == 2:
            i = fa[0]
            if c.exact and i.is_const and isinstance(i.value, int) and 0 <= i.value <= len(c.items):
                c.items.insert(i.value, args[1])
            else:
                c.items.append(args[1])
                c.exact = False
            return NULL
        if name == "extend" and len(args) == 1:
            if isinstance(args[0], PList) and args[0].exact:
                c.items.extend(args[0].items)
            else:
                c.items.append(fa[0])
                c.exact = False
            return NULL
        if name == "pop" and len(args) <= 1:
            i = fa[0] if args else V("const", -1)
            if c.exact and i.is_const and isinstance(i.value, int) and -len(c.items) <= i.value < len(c.items):
                return c.items.pop(i.value)
            return c.flat()
        if name == "remove" and len(args) == 1 and c.exact:
            for j, x in enumerate(c.items):
                fx = flat(x)
                if fx.is_const and fa[0].is_const and fx.value == fa[0].value:
                    del c.items[j]
                    return NULL
                if not (fx.is_const and fa[0].is_const):
                    break  # an element we cannot compare may be the one removed
            c.exact = False
            return NULL
        if name in ("copy",):
            return PList(list(c.items), c.exact)
        if name in ("reverse", "sort", "clear", "remove"):
            if name == "clear":
                c.items, c.exact = [], True
            elif name == "reverse" and c.exact:
                c.items.reverse()
            else:
                c.exact = False
            return NULL
        if name in ("index", "count"):
            return CLEAN_V
        return None
    if isinstance(c, PDict) and c.config:
        if name in ("set", "get") and len(fa) >= 2:
            k = V("const", (fa[0].value, fa[1].value)) if fa[0].is_const and fa[1].is_const else UNK
            if name == "set" and len(args) == 3:
                write_item(c, k, args[2])
                return NULL
            if name == "get":
                return read_item(c, k) if k.is_const else c.flat()
        if name in ("add_section", "has_section", "has_option", "sections"):
            return CLEAN_V
        return None
    if isinstance(c, PDict):
        if name in ("get", "pop", "setdefault") and args:
            k = fa[0]
            default: Value = args[1] if len(args) > 1 else NULL
            if k.is_const and k.value in c.entries:
                got = c.entries[k.value]
                if name == "pop":
                    del c.entries[k.value]
                return got
            if k.is_const:
                got = default if c.rest is None else join(c.rest, default)
                if name == "setdefault":
                    c.entries[k.value] = got
                return got
            got = join(c.flat(), default)
            if name == "setdefault":
                write_item(c, k, default)
            return got
        if name == "update" and len(args) == 1 and isinstance(args[0], PDict):
            for k, x in args[0].entries.items():
                c.entries[k] = x
            if args[0].rest is not None:
                write_item(c, UNK, args[0].rest)
            return NULL
        if name in ("values", "items"):
            return PList([c.flat()], exact=False)
        if name == "keys":
            keys = [V("const", k) for k in c.entries]
            return (PList(keys, exact=False) if c.rest is None else PList([*keys, UNK], exact=False)).settle()
        if name == "copy":
            return PDict(dict(c.entries), c.rest)
        if name == "clear":
            c.entries, c.rest = {}, None
            return NULL
        return None
    return None


def escape_into(args: list[Value], others: V) -> None:
    """A local list or dict handed to a call we do not follow may be filled by it: it now may hold anything
    that call saw (its other inputs), and its order and keys are no longer known."""
    for a in args:
        if isinstance(a, PList):
            a.items.append(join_all([others, UNK]))
            a.exact = False
            a.settle()
        elif isinstance(a, PDict):
            new = join_all([others, UNK])
            a.rest = join_all([a.rest or NULL, new])
            a.entries = {k: join(x, new) for k, x in a.entries.items()}


def builtin_call(name: str, args: list[Value], fa: list[V]) -> Value | None:
    """A builtin or library function on these arguments (``str``, ``int``, ``list``, ``dict``, digests,
    converters that pass their input on), or None when it is not one of them."""
    last = name.rpartition(".")[2]
    if name in ("str", "repr") and len(fa) == 1:
        v = fa[0]
        if v.is_const:
            return V(CONST, str(v.value) if name == "str" else repr(v.value))
        return v if v.kind in (TAINT, UNKNOWN) else CLEAN_V
    if name in ("int", "float", "bool") and len(fa) == 1 and fa[0].is_const:
        try:
            return V(CONST, {"int": int, "float": float, "bool": bool}[name](fa[0].value))  # type: ignore[operator]
        except (TypeError, ValueError, OverflowError):
            return CLEAN_V
    if name == "len" and len(args) == 1 and isinstance(args[0], PList) and args[0].exact:
        return V(CONST, len(args[0].items))
    if last in CLEAN_CALLS and (name == last or last in ("hexdigest", "digest", "exists", "isfile", "isdir")):
        return CLEAN_V
    if name in ("list", "tuple") and len(args) == 1:
        a = args[0]
        return PList(list(a.items), a.exact) if isinstance(a, PList) else PList([flat(a)], exact=False)
    if name in ("set", "frozenset", "sorted", "reversed") and len(args) >= 1:
        a = args[0]
        return PList(list(a.items) if isinstance(a, PList) else [flat(a)], exact=False).settle()
    if name == "dict" and len(args) <= 1:
        return copy_value(args[0]) if args and isinstance(args[0], PDict) else PDict() if not args else PDict({}, flat(args[0]))
    if last in CONVERTERS and fa:
        v = join_all(fa)
        return v if v.kind in (TAINT, UNKNOWN) else CLEAN_V
    return None
