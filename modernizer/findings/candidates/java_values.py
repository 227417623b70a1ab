"""The abstract values of the Java flow evaluator (java_eval): what a local holds at one point of a method.

A value is a constant (folded the Java way: int arithmetic truncates, ``+`` concatenates strings), clean
(not from the request, content unknown), tainted (may carry request data on some path the constants
leave open; ``sanitized`` names the families an encoder made it safe for), or unknown (we cannot tell:
a parameter, a field, a call we do not model). Maps and lists keep their entries while keys and indices
are constants, so ``map.get("keyA")`` is the value put under "keyA". The join of two paths keeps taint
(recall first) and keeps a constant only when both paths agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONST, CLEAN, TAINT, UNKNOWN = "const", "clean", "taint", "unknown"


@dataclass(frozen=True)
class V:
    kind: str
    value: object = None                       # the constant (str, int, float, bool, None) when kind == CONST
    sanitized: frozenset[str] = frozenset()    # for TAINT: the families an encoder made it safe for
    line: int = 0                              # for TAINT: where the request data was read (reports only)

    @property
    def is_const(self) -> bool:
        return self.kind == CONST

    def tainted_for(self, family: str) -> bool:
        return self.kind == TAINT and family not in self.sanitized

    def safe_for(self, family: str) -> bool:
        """Provably no request data reaches a sink of this family through this value."""
        return self.kind in (CONST, CLEAN) or (self.kind == TAINT and family in self.sanitized)


@dataclass
class MapV:
    """A map whose constant keys are tracked; ``rest`` is what any other key may hold."""

    entries: dict = field(default_factory=dict)
    rest: V = field(default_factory=lambda: V(CONST, None))

    def flat(self) -> V:
        return join_all([*self.entries.values(), self.rest])


@dataclass
class ListV:
    """A list (or array) whose elements are tracked while every index used is a constant."""

    items: list = field(default_factory=list)

    def flat(self) -> V:
        return join_all(self.items) if self.items else V(CONST, None)


Value = V | MapV | ListV
UNK = V(UNKNOWN)
CLEAN_V = V(CLEAN)
NULL = V(CONST, None)


def flat(v: Value) -> V:
    return v.flat() if isinstance(v, (MapV, ListV)) else v


def join(a: Value, b: Value) -> Value:
    """The value after two paths meet: taint wins, then unknown; constants survive only if equal."""
    if isinstance(a, MapV) and isinstance(b, MapV):
        keys = set(a.entries) | set(b.entries)
        return MapV({k: join(a.entries.get(k, a.rest), b.entries.get(k, b.rest)) for k in keys}, join(a.rest, b.rest))
    if isinstance(a, ListV) and isinstance(b, ListV) and len(a.items) == len(b.items):
        return ListV([join(x, y) for x, y in zip(a.items, b.items)])
    a, b = flat(a), flat(b)
    if a.kind == TAINT or b.kind == TAINT:
        if a.kind == TAINT and b.kind == TAINT:
            return V(TAINT, sanitized=a.sanitized & b.sanitized, line=a.line or b.line)
        return a if a.kind == TAINT else b
    if a.kind == UNKNOWN or b.kind == UNKNOWN:
        return UNK
    if a.kind == CONST and b.kind == CONST and type(a.value) is type(b.value) and a.value == b.value:
        return a
    return CLEAN_V


def join_all(vals) -> V:
    """The data-flow union of several inputs (e.g. a call's receiver and arguments): taint wins, then unknown."""
    out: V | None = None
    for v in vals:
        v = flat(v)
        if out is None:
            out = v
        elif v.kind == TAINT or out.kind == TAINT:
            out = join(out, v) if out.kind == TAINT and v.kind == TAINT else (v if v.kind == TAINT else out)
        elif v.kind == UNKNOWN or out.kind == UNKNOWN:
            out = UNK
        else:
            out = join(out, v)  # type: ignore[assignment]
    return out if out is not None else CLEAN_V


def copy_value(v: Value) -> Value:
    if isinstance(v, MapV):
        return MapV(dict(v.entries), v.rest)
    if isinstance(v, ListV):
        return ListV(list(v.items))
    return v


def copy_env(env: dict) -> dict:
    return {k: copy_value(v) for k, v in env.items()}


def join_env(a: dict, b: dict) -> dict:
    """Locals after an if/else: a local known on one side only is unknown after it (declared in a branch)."""
    return {k: join(a[k], b[k]) if k in b else a[k] for k in a} | {k: b[k] for k in b if k not in a}


# ---------------------------------------------------------------------------------------------
# Constant folding


def _java_str(x: object) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if x is None:
        return "null"
    return str(x)


def fold_binary(op: str, a: V, b: V) -> V:
    """``a op b`` on two flat values; taint flows through every operator but comparisons and logic."""
    if op in ("==", "!=", "<", ">", "<=", ">=", "&&", "||", "instanceof"):
        if a.is_const and b.is_const:
            try:
                return V(CONST, _compare(op, a.value, b.value))
            except (TypeError, ValueError):
                return CLEAN_V
        return CLEAN_V if a.kind != UNKNOWN and b.kind != UNKNOWN else UNK
    if a.kind == TAINT or b.kind == TAINT:
        return join_all([a, b]) if op == "+" else V(CLEAN)  # arithmetic on request data gives a number
    if a.is_const and b.is_const:
        x, y = a.value, b.value
        if op == "+" and (isinstance(x, str) or isinstance(y, str)):
            return V(CONST, _java_str(x) + _java_str(y))
        if isinstance(x, int) and isinstance(y, int) and not isinstance(x, bool) and not isinstance(y, bool):
            try:
                return V(CONST, _int_op(op, x, y))
            except (ZeroDivisionError, KeyError):
                return CLEAN_V
        return CLEAN_V
    if a.kind == UNKNOWN or b.kind == UNKNOWN:
        return UNK
    return CLEAN_V


def _int_op(op: str, x: int, y: int) -> int:
    if op == "/":
        q = abs(x) // abs(y)
        return q if (x >= 0) == (y >= 0) else -q
    if op == "%":
        r = abs(x) % abs(y)
        return r if x >= 0 else -r
    return {"+": x + y, "-": x - y, "*": x * y, "&": x & y, "|": x | y, "^": x ^ y,
            "<<": x << (y & 31), ">>": x >> (y & 31)}[op]


def _compare(op: str, x: object, y: object) -> bool:
    if op == "&&":
        return bool(x) and bool(y)
    if op == "||":
        return bool(x) or bool(y)
    if op == "==":
        return x == y
    if op == "!=":
        return x != y
    if isinstance(x, str) and len(x) == 1 and isinstance(y, int):
        x = ord(x)  # a char compared with an int
    if isinstance(y, str) and len(y) == 1 and isinstance(x, int):
        y = ord(y)
    return {"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]  # type: ignore[operator]


def fold_string_method(name: str, recv: str, args: list[object]) -> object:
    """A String method on constants, or raises KeyError/TypeError/IndexError when we do not fold it."""
    if name == "charAt":
        return recv[int(args[0])]  # type: ignore[arg-type]
    if name == "substring":
        return recv[int(args[0]):] if len(args) == 1 else recv[int(args[0]):int(args[1])]  # type: ignore[arg-type]
    simple = {"toUpperCase": recv.upper, "toLowerCase": recv.lower, "trim": recv.strip, "length": lambda: len(recv),
              "isEmpty": lambda: not recv, "toString": lambda: recv, "intern": lambda: recv}
    if name in simple and not args:
        return simple[name]()
    if name in ("equals", "equalsIgnoreCase", "startsWith", "endsWith", "contains", "indexOf", "concat", "replace") \
            and len(args) >= 1 and all(isinstance(a, str) for a in args):
        s = [str(a) for a in args]
        ops = {"equals": lambda: recv == s[0], "equalsIgnoreCase": lambda: recv.lower() == s[0].lower(),
               "startsWith": lambda: recv.startswith(s[0]), "endsWith": lambda: recv.endswith(s[0]),
               "contains": lambda: s[0] in recv, "indexOf": lambda: recv.find(s[0]), "concat": lambda: recv + s[0],
               "replace": lambda: recv.replace(s[0], s[1])}
        return ops[name]()
    raise KeyError(name)
