"""The abstract values of the Python flow evaluator (python_eval), and Python's constant folding.

The flat values are java_values' ``V`` (constant, clean, tainted, unknown; a tainted value names the
families an encoder made it safe for). Python's containers are their own: a list (``PList``) keeps its
elements in order while every operation on it is one we follow (``append``, ``pop(0)``, a constant
index); after anything else it is a bag (``exact=False``) whose every read is the join of all it ever
held. A dict (``PDict``) keeps its entries by constant key; ``rest`` is what any other key may hold
(``None`` while no other key can exist). The join of two paths keeps taint (recall first) and keeps a
constant only when both paths agree.

Folding runs Python's own operators on constants we made from literals (str, bytes, int, float, bool,
None) and only where the result stays small: ``"a" * 10**9`` or ``2 ** 10**9`` is "clean", not computed.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

from modernizer.findings.candidates.java_values import CLEAN, CLEAN_V, CONST, NULL, TAINT, UNK, UNKNOWN, V
from modernizer.findings.candidates.java_values import join as join_flat

__all__ = ["CLEAN", "CLEAN_V", "CONST", "NULL", "TAINT", "UNK", "UNKNOWN", "PDict", "PList", "V", "Value",
           "copy_env", "flat", "fold_binop", "fold_compare", "fold_str_method", "join", "join_all", "join_env"]

MAX_CONST = 10_000  # the longest string (or largest int, in digits) folding may build


@dataclass
class PList:
    """A list, tuple or set: ``items`` in order while ``exact``; otherwise a bag of everything it held."""

    items: list = field(default_factory=list)
    exact: bool = True

    def flat(self) -> V:
        return join_all(self.items) if self.items else NULL

    def settle(self) -> PList:
        """A bag keeps one joined element (its order is lost anyway), a long list becomes a bag: bounded size."""
        if len(self.items) > MAX_ITEMS:
            self.exact = False
        if not self.exact and len(self.items) > 1:
            self.items = [join_all(self.items)]
        return self


MAX_ITEMS = 64  # the longest list followed element by element


@dataclass
class PDict:
    """A dict: entries by constant key; ``rest`` is what any other key holds (None: there is none)."""

    entries: dict = field(default_factory=dict)
    rest: V | None = None
    config: bool = False  # a configparser object: keys are (section, option)

    def flat(self) -> V:
        return join_all([*self.entries.values(), *([self.rest] if self.rest is not None else [])])


Value = V | PList | PDict


def flat(v: Value) -> V:
    return v.flat() if isinstance(v, (PList, PDict)) else v


def join(a: Value, b: Value) -> Value:
    """The value after two paths meet (containers entry by entry while both sides agree on their shape)."""
    if a is b:
        return a
    if isinstance(a, PDict) and isinstance(b, PDict):
        keys = set(a.entries) | set(b.entries)
        rest = a.rest if b.rest is None else b.rest if a.rest is None else join_flat(a.rest, b.rest)
        out = PDict({}, rest, a.config and b.config)
        for k in keys:
            if k in a.entries and k in b.entries:
                out.entries[k] = join(a.entries[k], b.entries[k])
            else:  # a key on one path only: the other path's read of it gives its rest (or nothing)
                one = a.entries.get(k, b.entries.get(k))
                other = (b if k in a.entries else a).rest
                out.entries[k] = join(one, other) if other is not None else one
        return out
    if isinstance(a, PList) and isinstance(b, PList):
        if a.exact and b.exact and len(a.items) == len(b.items):
            return PList([join(x, y) for x, y in zip(a.items, b.items)])
        return PList([*a.items, *b.items], exact=False).settle()
    return join_flat(flat(a), flat(b))


def join_all(vals) -> V:
    """The data-flow union of several inputs: taint wins, then unknown, then clean; equal constants stay."""
    out: V | None = None
    for v in vals:
        v = flat(v)
        out = v if out is None else join_flat(out, v)
    return out if out is not None else CLEAN_V


def copy_value(v: Value) -> Value:
    if isinstance(v, PDict):
        return PDict({k: copy_value(x) for k, x in v.entries.items()}, v.rest, v.config)
    if isinstance(v, PList):
        return PList([copy_value(x) for x in v.items], v.exact)
    return v


def copy_env(env: dict) -> dict:
    return {k: copy_value(v) for k, v in env.items()}


def join_env(a: dict, b: dict) -> dict:
    """Locals where two paths meet; a local bound on one path only keeps that value (on the other path reading
    it raises NameError: no value reaches anything)."""
    return {k: join(a[k], b[k]) if k in b else a[k] for k in a} | {k: b[k] for k in b if k not in a}


# ---------------------------------------------------------------------------------------------
# Folding: Python's semantics on small constants

_SCALARS = (str, bytes, int, float, bool, type(None))
_BINOPS = {"Add": operator.add, "Sub": operator.sub, "Mult": operator.mul, "Div": operator.truediv,
           "FloorDiv": operator.floordiv, "Mod": operator.mod, "Pow": operator.pow, "LShift": operator.lshift,
           "RShift": operator.rshift, "BitOr": operator.or_, "BitXor": operator.xor, "BitAnd": operator.and_}
_CMPS = {"Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt, "LtE": operator.le, "Gt": operator.gt,
         "GtE": operator.ge, "Is": operator.is_, "IsNot": operator.is_not,
         "In": lambda a, b: a in b, "NotIn": lambda a, b: a not in b}


def _small(x: object) -> bool:
    if isinstance(x, (str, bytes)):
        return len(x) <= MAX_CONST
    if isinstance(x, int):
        return x.bit_length() <= 4 * MAX_CONST
    return isinstance(x, _SCALARS)


def fold_binop(op: str, a: V, b: V) -> V:
    """``a op b`` (op an ast operator's class name). Every operator carries taint: Python lets a class define
    any of them (pathlib's ``base / name`` joins a path)."""
    if a.kind == TAINT or b.kind == TAINT:
        return join_flat(a, b) if a.kind == TAINT and b.kind == TAINT else (a if a.kind == TAINT else b)
    if a.is_const and b.is_const:
        x, y = a.value, b.value
        if op == "Mod" and isinstance(x, str):
            return CLEAN_V  # "%s" % (...): the tuple's parts are not folded
        if op == "Pow" and isinstance(y, (int, float)) and abs(y) > 256:
            return CLEAN_V
        if op == "LShift" and isinstance(y, int) and y > 4096:
            return CLEAN_V
        if op == "Mult" and ((isinstance(x, (str, bytes)) and isinstance(y, int) and len(x) * max(y, 0) > MAX_CONST)
                             or (isinstance(y, (str, bytes)) and isinstance(x, int) and len(y) * max(x, 0) > MAX_CONST)):
            return CLEAN_V
        try:
            r = _BINOPS[op](x, y)
        except (ArithmeticError, TypeError, ValueError, KeyError):
            return CLEAN_V
        return V(CONST, r) if _small(r) else CLEAN_V
    if a.kind == UNKNOWN or b.kind == UNKNOWN:
        return UNK
    return CLEAN_V


def fold_compare(ops: list[str], vals: list[V]) -> V:
    """A chained comparison: a constant bool when every operand is a constant, else clean (a bool of unknown value)."""
    if all(v.is_const for v in vals):
        try:
            return V(CONST, all(_CMPS[o](vals[i].value, vals[i + 1].value) for i, o in enumerate(ops)))
        except (TypeError, ValueError, KeyError):
            return CLEAN_V
    return CLEAN_V


# str methods folded on constants; the ones whose result is a bool or a number whatever the text (clean).
_STR_METHODS = frozenset({"upper", "lower", "strip", "lstrip", "rstrip", "replace", "title", "capitalize", "casefold",
                          "swapcase", "zfill", "center", "ljust", "rjust", "removeprefix", "removesuffix", "format",
                          "split", "rsplit", "splitlines", "partition", "rpartition", "join", "encode", "decode",
                          "expandtabs"})
NUMERIC_METHODS = frozenset({"startswith", "endswith", "find", "rfind", "index", "rindex", "count", "isdigit",
                             "isalpha", "isalnum", "isnumeric", "isdecimal", "isspace", "islower", "isupper",
                             "istitle", "isidentifier", "isascii", "isprintable", "__len__"})


def fold_str_method(name: str, recv: object, args: list[object]) -> object:
    """A str/bytes method on constants; raises KeyError (not folded), TypeError or ValueError."""
    if not isinstance(recv, (str, bytes)) or (name not in _STR_METHODS and name not in NUMERIC_METHODS):
        raise KeyError(name)
    if not all(isinstance(a, _SCALARS) or (isinstance(a, list) and all(isinstance(x, _SCALARS) for x in a)) for a in args):
        raise KeyError(name)
    if name in ("center", "ljust", "rjust", "zfill", "expandtabs") and any(isinstance(a, int) and a > MAX_CONST for a in args):
        raise KeyError(name)
    if name == "format" and any(c in recv for c in (".", "[", "!")):
        raise KeyError(name)  # "{0.attr}" and "{0[k]}" read into the arguments: not folded
    r = getattr(recv, name)(*args)
    if isinstance(r, tuple):
        r = list(r)
    if isinstance(r, list):
        if not all(isinstance(x, _SCALARS) and _small(x) for x in r) or len(r) > MAX_CONST:
            raise KeyError(name)
        return r
    if not _small(r):
        raise KeyError(name)
    return r


def element_of(v: Value) -> Value:
    """What ``for x in v`` binds: an element of a list, a key of a dict, a character of a text."""
    if isinstance(v, PList):
        return join_all(v.items) if v.items else NULL
    if isinstance(v, PDict):
        keys = [V(CONST, k) for k in v.entries]
        return join_all([*keys, *([UNK] if v.rest is not None else [])]) if keys or v.rest is not None else NULL
    fv = flat(v)
    return fv if fv.kind in (TAINT, UNKNOWN) else CLEAN_V
