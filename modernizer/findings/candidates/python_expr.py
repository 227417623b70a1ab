"""The expressions of the Python flow evaluator: literals folded, locals read, calls modelled (sources,
encoders, str methods on constants, lists and dicts by constant index/key, same-file functions run with
the arguments' values) and every call site recorded with the values that reached it (CallRecord, as the
Java evaluator does). python_eval.Evaluator adds the statements; this mixin is only its expression half.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from modernizer.findings.candidates.java_expr import record_call
from modernizer.findings.candidates.python_api import (
    CLEAN_CALLS, READERS, SOURCE_ROOTS, builtin_call, container_call, escape_into, read_item, sanitized,
    sanitizer_families,
)
from modernizer.findings.candidates.python_values import (
    CLEAN_V, CONST, NULL, TAINT, UNK, UNKNOWN, PDict, PList, V, Value, copy_value, flat, fold_binop, fold_compare,
    fold_str_method, join, join_all,
)
from modernizer.findings.candidates.python_values import NUMERIC_METHODS, element_of

_SCALARS = (str, bytes, int, float, bool, type(None))


def span(n: ast.AST) -> tuple[int, int, int, int]:
    return (n.lineno, n.col_offset, n.end_lineno or n.lineno, n.end_col_offset or 0)  # type: ignore[attr-defined]


def dotted(n: ast.AST) -> str:
    """``a.b.c`` for a chain of names and attributes ("" for anything else)."""
    parts = []
    while isinstance(n, ast.Attribute):
        parts.append(n.attr)
        n = n.value
    if not isinstance(n, ast.Name):
        return ""
    parts.append(n.id)
    return ".".join(reversed(parts))


@dataclass
class ModuleIndex:
    """The functions and module-level values of one parsed file."""

    functions: dict[str, list] = field(default_factory=dict)   # name -> def nodes (any nesting, not methods)
    methods: dict[str, list] = field(default_factory=dict)     # name -> def nodes inside a class
    globals: dict[str, V] = field(default_factory=dict)        # module-level names bound once to a flat value
    imported: set[str] = field(default_factory=set)            # names bound by import (modules, functions)


class Expressions:
    """The expression half of python_eval.Evaluator (which provides ix, calls, dead, run_function)."""

    ix: ModuleIndex
    calls: dict
    receivers: dict
    dead: set

    def expr(self, n, env: dict) -> Value:
        if n is None:
            return NULL
        m = getattr(self, "_e_" + type(n).__name__, None)
        if m is not None:
            return m(n, env)
        for c in ast.iter_child_nodes(n):  # anything else: its parts evaluated (their calls recorded)
            if isinstance(c, ast.expr):
                self.expr(c, env)
        return UNK

    def _source(self, n, env: dict) -> bool:
        d = dotted(n)
        return bool(d) and d.split(".")[0] not in env and SOURCE_ROOTS.search(d) is not None

    # -- leaves --------------------------------------------------------------------------------------
    def _e_Constant(self, n, env):
        return V(CONST, n.value) if isinstance(n.value, _SCALARS) else CLEAN_V

    def _e_Name(self, n, env):
        if n.id in env:
            return env[n.id]
        if self._source(n, env):
            return V(TAINT, line=n.lineno)
        if n.id in self.ix.globals:
            return self.ix.globals[n.id]
        return UNK

    def _e_Attribute(self, n, env):
        if dotted(n) in env:  # obj.attr (or module.attr) assigned earlier in this function
            return env[dotted(n)]
        if self._source(n, env):
            self.expr(n.value, env)
            return V(TAINT, line=n.lineno)
        root = dotted(n).split(".")[0]
        if root and root not in env and root in self.ix.imported:
            return CLEAN_V  # a module's attribute (helpers.utils.TESTFILES_DIR): the program's, not outside data
        base = flat(self.expr(n.value, env))
        return base if base.kind in (TAINT, UNKNOWN) else CLEAN_V

    def _e_JoinedStr(self, n, env):
        parts = []
        for v in n.values:
            if isinstance(v, ast.Constant):
                parts.append(V(CONST, v.value))
                continue
            val = flat(self.expr(v.value, env))
            if v.format_spec is not None:
                self.expr(v.format_spec, env)
            if val.is_const and v.conversion == -1 and v.format_spec is None and isinstance(val.value, (str, int, bool, type(None))):
                parts.append(V(CONST, str(val.value)))
            else:
                parts.append(val if val.kind in (TAINT, UNKNOWN) else CLEAN_V)
        if all(p.is_const for p in parts):
            return V(CONST, "".join(str(p.value) for p in parts))
        return join_all([p for p in parts if not p.is_const]) if any(not p.is_const for p in parts) else CLEAN_V

    def _e_FormattedValue(self, n, env):
        return flat(self.expr(n.value, env))

    def _e_List(self, n, env):
        items, exact = [], True
        for e in n.elts:
            if isinstance(e, ast.Starred):
                v = self.expr(e.value, env)
                if isinstance(v, PList) and v.exact:
                    items.extend(v.items)
                else:
                    items.append(flat(v))
                    exact = False
            else:
                items.append(self.expr(e, env))
        return PList(items, exact).settle()

    _e_Tuple = _e_List

    def _e_Set(self, n, env):
        v = self._e_List(n, env)
        return PList(v.items, exact=False).settle()

    def _e_Dict(self, n, env):
        d = PDict()
        for k, v in zip(n.keys, n.values):
            val = self.expr(v, env)
            if k is None:  # {**other}
                o = val
                if isinstance(o, PDict):
                    d.entries.update(o.entries)
                    if o.rest is not None:
                        d.rest = o.rest if d.rest is None else join(d.rest, o.rest)
                else:
                    d.rest = flat(o) if d.rest is None else join(d.rest, flat(o))
                continue
            key = flat(self.expr(k, env))
            if key.is_const:
                d.entries[key.value] = val
            else:
                d.rest = join_all([key, val, d.rest or NULL])
        return d

    # -- operators -----------------------------------------------------------------------------------
    def _e_BinOp(self, n, env):
        left, right = self.expr(n.left, env), self.expr(n.right, env)
        op = type(n.op).__name__
        if op == "Add" and isinstance(left, PList) and isinstance(right, PList):
            return PList([*left.items, *right.items], left.exact and right.exact).settle()
        a, b = flat(left), flat(right)
        if op == "Mod" and a.is_const and isinstance(a.value, str):
            parts = right.items if isinstance(right, PList) and right.exact else [right]
            fp = [flat(p) for p in parts]
            if all(p.is_const for p in fp) and "%(" not in a.value:
                try:
                    r = a.value % tuple(p.value for p in fp)
                    return V(CONST, r) if len(r) <= 10_000 else CLEAN_V
                except (TypeError, ValueError, OverflowError):
                    return CLEAN_V
            rest = join_all([p for p in fp if not p.is_const]) if any(not p.is_const for p in fp) else CLEAN_V
            return rest if rest.kind in (TAINT, UNKNOWN) else CLEAN_V
        return fold_binop(op, a, b)

    def _e_UnaryOp(self, n, env):
        v = flat(self.expr(n.operand, env))
        op = type(n.op).__name__
        if v.is_const:
            try:
                return V(CONST, {"Not": lambda x: not x, "USub": lambda x: -x, "UAdd": lambda x: +x,
                                 "Invert": lambda x: ~x}[op](v.value))
            except (TypeError, KeyError):
                return CLEAN_V
        return UNK if v.kind == UNKNOWN and op != "Not" else CLEAN_V

    def _e_BoolOp(self, n, env):
        """``a or b`` is a or b (Python returns an operand); a constant operand decides which run."""
        is_or = isinstance(n.op, ast.Or)
        results: list[Value] = []
        for i, e in enumerate(n.values):
            v = self.expr(e, env)
            fv = flat(v)
            last = i == len(n.values) - 1
            if fv.is_const and not last:
                if bool(fv.value) == is_or:  # decides: the rest never runs
                    for rest in n.values[i + 1:]:
                        self.mark_dead(rest)
                    results.append(v)
                    return join_all(results) if len(results) > 1 else v
                continue  # falls through to the next operand
            results.append(v)
        return join_all(results) if len(results) > 1 else (results[0] if results else NULL)

    def _e_Compare(self, n, env):
        vals = [flat(self.expr(e, env)) for e in (n.left, *n.comparators)]
        ops = [type(o).__name__ for o in n.ops]
        if len(ops) == 1 and ops[0] in ("In", "NotIn"):
            c = self.expr(n.comparators[0], env)
            if isinstance(c, (PList, PDict)) and vals[0].is_const:
                pool = [flat(x) for x in c.items] if isinstance(c, PList) else [V(CONST, k) for k in c.entries]
                exact = (isinstance(c, PList) and c.exact) or (isinstance(c, PDict) and c.rest is None)
                if all(p.is_const for p in pool) and exact:
                    found = any(p.value == vals[0].value for p in pool)
                    return V(CONST, found if ops[0] == "In" else not found)
        return fold_compare(ops, vals)

    def _e_IfExp(self, n, env):
        c = flat(self.expr(n.test, env))
        if c.is_const:
            self.mark_dead(n.orelse if c.value else n.body)
            return self.expr(n.body if c.value else n.orelse, env)
        return join(self.expr(n.body, env), self.expr(n.orelse, env))

    def _e_NamedExpr(self, n, env):
        v = self.expr(n.value, env)
        env[n.target.id] = v
        return v

    def _e_Subscript(self, n, env):
        if self._source(n.value, env):
            self.expr(n.slice, env)
            return V(TAINT, line=n.lineno)
        base = self.expr(n.value, env)
        if isinstance(n.slice, ast.Slice):
            bounds = [flat(self.expr(x, env)) if x is not None else NULL for x in (n.slice.lower, n.slice.upper, n.slice.step)]
            fb = flat(base)
            if all(b.is_const and (b.value is None or (isinstance(b.value, int) and not isinstance(b.value, bool))) for b in bounds):
                sl = slice(*(b.value for b in bounds))
                if isinstance(base, PList) and base.exact:
                    return PList(base.items[sl])
                if fb.is_const and isinstance(fb.value, (str, bytes)):
                    return V(CONST, fb.value[sl])
            return copy_value(base) if isinstance(base, PList) else (fb if fb.kind in (TAINT, UNKNOWN) else CLEAN_V)
        key = flat(self.expr(n.slice, env))
        if isinstance(base, (PList, PDict)):
            return read_item(base, key)
        fb = flat(base)
        if fb.is_const and isinstance(fb.value, (str, bytes)) and key.is_const and isinstance(key.value, int):
            try:
                return V(CONST, fb.value[key.value])
            except IndexError:
                return NULL
        return fb if fb.kind in (TAINT, UNKNOWN) else CLEAN_V

    def _e_Starred(self, n, env):
        return self.expr(n.value, env)

    def _e_Await(self, n, env):
        return self.expr(n.value, env)

    def _e_Lambda(self, n, env):
        return UNK

    def _comprehension(self, n, env) -> tuple[dict, bool]:
        inner = dict(env)
        for g in n.generators:
            it = self.expr(g.iter, inner)
            self.bind(g.target, element_of(it), inner)
            for cond in g.ifs:
                self.expr(cond, inner)
        return inner, True

    def _e_ListComp(self, n, env):
        inner, _ = self._comprehension(n, env)
        return PList([self.expr(n.elt, inner)], exact=False)

    _e_SetComp = _e_ListComp
    _e_GeneratorExp = _e_ListComp

    def _e_DictComp(self, n, env):
        inner, _ = self._comprehension(n, env)
        return PDict({}, join_all([self.expr(n.key, inner), self.expr(n.value, inner)]))

    def _e_Yield(self, n, env):
        if n.value is not None:
            self.expr(n.value, env)
        return UNK

    _e_YieldFrom = _e_Yield

    # -- calls -----------------------------------------------------------------------------------------
    def _e_Call(self, n, env):
        func = n.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        d = dotted(func)
        recv_node = func.value if isinstance(func, ast.Attribute) else None
        module_recv = bool(d) and recv_node is not None and d.split(".")[0] not in env and (
            d.split(".")[0] in self.ix.imported or self._source(recv_node, env))
        recv = None if recv_node is None else (CLEAN_V if module_recv and not self._source(recv_node, env)
                                               else self.expr(recv_node, env))
        args = [self.expr(a, env) for a in n.args]
        kwargs = {k.arg: self.expr(k.value, env) for k in n.keywords}
        starred = any(isinstance(a, ast.Starred) for a in n.args) or None in kwargs
        if name == "make_response" and len(args) == 1 and isinstance(args[0], PList) and args[0].exact:
            # make_response((body, status, headers)): a headers dict is not the page (a header value is no HTML)
            body = [x for x in args[0].items if not isinstance(x, PDict)]
            self._record(n, name, d, body)
            return join_all(body) if body else CLEAN_V
        self._record(n, name, d or (ast.unparse(recv_node) if recv_node is not None else ""), [*args, *kwargs.values()])
        if recv is not None and not module_recv:  # a method's object is an input too (pathlib: p.read_text())
            key, fr = span(n), flat(recv)
            self.receivers[key] = join(self.receivers[key], fr) if key in self.receivers else fr  # type: ignore[assignment]
        inputs = [*args, *kwargs.values()]
        if not isinstance(func, (ast.Name, ast.Attribute)):
            self.expr(func, env)
            return join_all([UNK, *inputs])
        if d and self._source(func, env):
            return V(TAINT, line=n.lineno)
        # this file's functions: run with the arguments' values
        if isinstance(func, ast.Name) and func.id not in env and func.id in self.ix.functions and not starred:
            return join_all([self.run_function(f, args, kwargs) for f in self.ix.functions[func.id]])
        if isinstance(func, ast.Attribute) and isinstance(recv_node, ast.Name) and recv_node.id == "self" \
                and name in self.ix.methods and not starred:
            return join_all([self.run_function(f, [UNK, *args], kwargs) for f in self.ix.methods[name]])
        fams = sanitizer_families(d) if d and (recv_node is None or module_recv) else None
        if fams is not None:
            return sanitized(join_all(inputs), fams) if inputs else CLEAN_V
        # lists and dicts held in locals
        if isinstance(recv, (PList, PDict)):
            got = container_call(recv, name, args)
            if got is not None:
                return got
        fa = [flat(a) for a in inputs]
        if recv_node is None or module_recv:
            folded = builtin_call(name if recv_node is None else d, args, fa)
            if folded is not None:
                return folded
        elif recv is not None:
            r = flat(recv)
            if r.is_const and not kwargs:
                vals, ok = [], True
                for a in args:
                    if isinstance(a, V) and a.is_const:
                        vals.append(a.value)
                    elif isinstance(a, PList) and a.exact and all(flat(x).is_const for x in a.items):
                        vals.append([flat(x).value for x in a.items])
                    else:
                        ok = False
                if ok:
                    try:
                        out = fold_str_method(name, r.value, vals)
                        return PList([V(CONST, x) for x in out]).settle() if isinstance(out, list) else V(CONST, out)
                    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError):
                        pass
            if name in NUMERIC_METHODS or name in CLEAN_CALLS:
                return CLEAN_V
            if name in READERS:
                return join_all([r, UNK]) if r.kind != TAINT else r
        if (d or name).rpartition(".")[2] in ("ConfigParser", "RawConfigParser", "SafeConfigParser") and not inputs:
            return PDict(config=True)
        # anything else: what went in may come out (and a list or dict handed to it, or called, may be filled)
        if recv_node is None or module_recv:
            out = join_all(inputs) if inputs else (CLEAN_V if (module_recv or name not in env) else UNK)
        else:
            out = join_all([recv, *inputs])
        escape_into([*inputs, *([recv] if recv is not None else [])],
                    join_all([recv, *inputs]) if recv is not None else join_all(inputs))
        if not module_recv and isinstance(recv_node, ast.Name) and isinstance(env.get(recv_node.id), V) and inputs:
            # obj.set_data(x), resp.headers.update(x): an object may keep what its methods are given
            env[recv_node.id] = join(env[recv_node.id], join_all(inputs))
        return CLEAN_V if out.is_const else out

    def _record(self, n, name: str, receiver: str, args: list[Value]) -> None:
        record_call(self.calls, span(n), name, n.lineno, receiver, [flat(a) for a in args], join)

