"""An intra-procedural constant-and-taint evaluator for one Python file (the standard library's ``ast``).

The Python counterpart of java_eval. Semgrep's taint mode is path-insensitive and does not track lists
and dicts by index or key: ``bar = "safe" if 7 * 18 + num > 200 else param`` (num = 106), a list whose
tainted element was popped, ``d["keyB"]`` where "keyB" holds a constant, or a value overwritten by a
constant are Semgrep findings that cannot leak. This evaluator walks a function body in order with each
local as a value of python_values (constant, clean, tainted, unknown; lists and dicts by constant index
or key), folds constant conditions (if/elif/else, ``while``, conditional expressions, ``and``/``or``),
follows this file's functions (their body run with the arguments' values, a few calls deep), and records
what reached every call and every ``return``: python_flow turns those records into dropped candidates.
What it cannot tell stays unknown, and unknown keeps a candidate (recall first). Nothing of the code
runs: the file is parsed, never imported or executed.
"""

from __future__ import annotations

import ast

from modernizer.findings.candidates.python_api import escape_into, write_item
from modernizer.findings.candidates.python_expr import Expressions, ModuleIndex, dotted, span
from modernizer.findings.candidates.python_values import (
    CLEAN_V, NULL, TAINT, UNK, PDict, PList, V, Value, copy_env, element_of, flat, fold_binop, join, join_all, join_env,
)

MAX_DEPTH = 3  # this file's functions followed from one function
MAX_HELPER_RUNS = 2000  # function evaluations per file: past it a call's result is unknown (bounded time)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


class Evaluator(Expressions):
    """Evaluates the functions of one module; ``calls`` collects what reached each call site (by span),
    ``values`` what each ``return`` or item/attribute store handed on, ``dead`` what never runs."""

    def __init__(self, index: ModuleIndex):
        self.ix = index
        self.calls: dict = {}
        self.values: dict[tuple, V] = {}
        self.receivers: dict[tuple, V] = {}
        self.live: set[tuple] = set()
        self.dead: set[tuple] = set()
        self.stack: list[ast.AST] = []
        self.returns: list[Value] = []
        self.budget = MAX_HELPER_RUNS
        self.memo: dict[tuple, V] = {}

    # -- functions -----------------------------------------------------------------------------------
    def run_function(self, fn, args: list[Value] | None = None, kwargs: dict | None = None) -> Value:
        """Evaluate a def with these arguments (None: as an entry point, every parameter unknown); its result."""
        key = None
        if args is not None:
            if all(isinstance(a, V) for a in [*args, *(kwargs or {}).values()]):
                key = (id(fn), tuple(args), tuple(sorted((kwargs or {}).items())))
                if key in self.memo:  # the same function with the same flat arguments: the same result and records
                    return self.memo[key]
            self.budget -= 1
            if fn in self.stack or len(self.stack) > MAX_DEPTH or self.budget < 0:
                return join_all([UNK, *args, *(kwargs or {}).values()])
        env = self.bind_params(fn, args, kwargs)
        saved, self.returns = self.returns, []
        self.stack.append(fn)
        try:
            end = self.block(fn.body, env)
        finally:
            self.stack.pop()
        out, self.returns = self.returns, saved
        if end is not None:
            out.append(NULL)  # fell off the end: None
        result = UNK if any(isinstance(s, (ast.Yield, ast.YieldFrom)) for s in ast.walk(fn)) else join_all(out) if out else NULL
        if key is not None:
            self.memo[key] = result
        return result

    def bind_params(self, fn, args: list[Value] | None, kwargs: dict | None) -> dict:
        a = fn.args
        positional = [*a.posonlyargs, *a.args]
        env: dict[str, Value] = {}
        defaults = dict(zip([p.arg for p in positional][len(positional) - len(a.defaults):], a.defaults))
        defaults |= {p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None}
        for i, p in enumerate(positional):
            if args is None:
                env[p.arg] = UNK
            elif i < len(args):
                env[p.arg] = args[i]
            elif kwargs is not None and p.arg in kwargs:
                env[p.arg] = kwargs[p.arg]
            elif p.arg in defaults:
                env[p.arg] = flat(self.expr(defaults[p.arg], {}))
            else:
                env[p.arg] = UNK
        for p in a.kwonlyargs:
            got = (kwargs or {}).get(p.arg) if args is not None else None
            env[p.arg] = got if got is not None else (flat(self.expr(defaults[p.arg], {})) if args is not None and p.arg in defaults else UNK)
        if a.vararg is not None:
            env[a.vararg.arg] = PList(list(args[len(positional):]), exact=True) if args is not None else PList([UNK], exact=False)
        if a.kwarg is not None:
            env[a.kwarg.arg] = PDict({}, UNK)
        if args is not None and kwargs and a.kwarg is None:
            for k in kwargs:
                if k not in env:
                    return {p: UNK for p in env}  # a call we do not understand: every parameter unknown
        return env

    def mark_dead(self, node) -> None:
        nodes = node if isinstance(node, list) else [node]
        for top in nodes:
            if top is None:
                continue
            for n in ast.walk(top):
                if isinstance(n, (ast.Call, ast.stmt)):
                    self.dead.add(span(n))

    # -- statements ----------------------------------------------------------------------------------
    def block(self, stmts: list, env: dict | None) -> dict | None:
        """Run statements in order; None when no path gets past them (return, raise)."""
        for i, s in enumerate(stmts):
            if env is None:
                self.mark_dead(stmts[i:])
                return None
            env = self.stmt(s, env)
        return env

    def _store(self, s, v: Value) -> None:
        key = span(s)
        fv = flat(v)
        self.values[key] = join(self.values[key], fv) if key in self.values else fv  # type: ignore[assignment]

    def stmt(self, s, env: dict) -> dict | None:
        self.live.add(span(s))
        if isinstance(s, (*_FUNCS, ast.ClassDef)):
            for d in getattr(s, "decorator_list", []):
                self.expr(d, env)
            env.pop(s.name, None)
            return env
        if isinstance(s, ast.Assign):
            v = self.expr(s.value, env)
            self._store(s, v)  # p = base / name: the value built on this line is a sink's input too
            for t in s.targets:
                self.bind(t, v, env, s)
            return env
        if isinstance(s, ast.AnnAssign):
            if s.value is not None:
                v = self.expr(s.value, env)
                self._store(s, v)
                self.bind(s.target, v, env, s)
            return env
        if isinstance(s, ast.AugAssign):
            v = self.expr(s.value, env)
            old = self.expr(s.target, env)
            if isinstance(old, PList) and isinstance(s.op, ast.Add):
                new: Value = PList([*old.items, *(v.items if isinstance(v, PList) else [flat(v)])],
                                   old.exact and isinstance(v, PList) and v.exact).settle()
            else:
                new = fold_binop(type(s.op).__name__, flat(old), flat(v))
            self._store(s, new)
            self.bind(s.target, new, env, s)
            return env
        if isinstance(s, ast.Expr):
            self.expr(s.value, env)
            return env
        if isinstance(s, ast.Return):
            v = self.expr(s.value, env) if s.value is not None else NULL
            self._store(s, v)
            self.returns.append(v)
            return None
        if isinstance(s, ast.Raise):
            self.expr(s.exc, env)
            return None
        if isinstance(s, ast.If):
            c = flat(self.expr(s.test, env))
            if c.is_const:
                self.mark_dead(s.orelse if c.value else s.body)
                return self.block(s.body if c.value else s.orelse, env)
            return _join(self.block(s.body, copy_env(env)), self.block(s.orelse, copy_env(env)))
        if isinstance(s, _LOOPS):
            return self.loop(s, env)
        if isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                v = self.expr(item.context_expr, env)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, v, env)
            return self.block(s.body, env)
        if isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            return self.try_(s, env)
        if isinstance(s, (ast.Import, ast.ImportFrom)):
            for a in s.names:
                env.pop((a.asname or a.name).split(".")[0], None)
            return env
        if isinstance(s, (ast.Global, ast.Nonlocal)):
            for name in s.names:
                env[name] = UNK
            return env
        if isinstance(s, ast.Delete):
            for t in s.targets:
                if isinstance(t, ast.Name):
                    env.pop(t.id, None)
                else:
                    self.expr(t, env)
            return env
        if type(s).__name__ == "Match":
            subject = flat(self.expr(s.subject, env))
            chosen = self._constant_case(s, subject, env) if subject.is_const else None
            if chosen is not None:  # a constant subject: one case runs (or none: -1)
                self.mark_dead([c for i, case in enumerate(s.cases) if i != chosen for c in case.body])
                if chosen < 0:
                    return env
                case = s.cases[chosen]
                if isinstance(case.pattern, ast.MatchAs) and case.pattern.name:
                    env[case.pattern.name] = subject
                return self.block(case.body, env)
            out = env
            for case in s.cases:
                inner = copy_env(env)
                for n in ast.walk(case.pattern):
                    if isinstance(getattr(n, "name", None), str):
                        inner[n.name] = UNK
                out = _join(out, self.block(case.body, inner))
            return out
        for c in ast.iter_child_nodes(s):  # assert, pass, break, continue...: their expressions
            if isinstance(c, ast.expr):
                self.expr(c, env)
        return env

    def _constant_case(self, s, subject: V, env: dict) -> int | None:
        """The index of the case a constant subject takes (-1: none), or None when a pattern or guard is not decided."""
        for i, case in enumerate(s.cases):
            m = self._matches(case.pattern, subject.value, env)
            if m is None:
                return None
            if m and case.guard is not None:
                g = flat(self.expr(case.guard, env))
                if not g.is_const:
                    return None
                m = bool(g.value)
            if m:
                return i
        return -1

    def _matches(self, p, value: object, env: dict) -> bool | None:
        if isinstance(p, ast.MatchValue):
            v = flat(self.expr(p.value, env))
            return (type(v.value) is type(value) or {type(v.value), type(value)} <= {int, float}) and v.value == value \
                if v.is_const else None
        if isinstance(p, ast.MatchSingleton):
            return value is p.value
        if isinstance(p, ast.MatchOr):
            got = [self._matches(x, value, env) for x in p.patterns]
            return True if any(g is True for g in got) else None if any(g is None for g in got) else False
        if isinstance(p, ast.MatchAs):
            return True if p.pattern is None else self._matches(p.pattern, value, env)
        return None

    def bind(self, t, v: Value, env: dict, stmt=None) -> None:
        """Assign v to a target: a name, a tuple of targets, an item of a container, an attribute."""
        if isinstance(t, ast.Name):
            env[t.id] = v
        elif isinstance(t, (ast.Tuple, ast.List)):
            exact = isinstance(v, PList) and v.exact and len(v.items) == len(t.elts) \
                and not any(isinstance(e, ast.Starred) for e in t.elts)
            for i, e in enumerate(t.elts):
                target = e.value if isinstance(e, ast.Starred) else e
                self.bind(target, v.items[i] if exact else element_of(v), env, stmt)  # type: ignore[union-attr]
        elif isinstance(t, ast.Subscript):
            c = self.expr(t.value, env)
            key = flat(self.expr(t.slice, env)) if not isinstance(t.slice, ast.Slice) else UNK
            if stmt is not None:
                self._store(stmt, join_all([key, v]))  # session[key] = value: both may be a sink's input
            if isinstance(c, (PList, PDict)):
                write_item(c, key, v)
            elif isinstance(t.value, ast.Name) and t.value.id in env:
                env[t.value.id] = join(c, v)
        elif isinstance(t, ast.Attribute):
            self.expr(t.value, env)
            if stmt is not None:
                self._store(stmt, v)
            d = dotted(t)
            if d:
                env[d] = v  # obj.attr = v: read back by the same dotted name in this function
                root = d.split(".")[0]
                if isinstance(env.get(root), V):
                    env[root] = join(env[root], flat(v))  # and the object now holds it (return obj)
                elif isinstance(env.get(root), (PList, PDict)):
                    escape_into([env[root]], flat(v))
        elif isinstance(t, ast.Starred):
            self.bind(t.value, PList([element_of(v)], exact=False), env, stmt)

    def loop(self, s, env: dict) -> dict | None:
        forever = False
        if isinstance(s, ast.While):
            c = flat(self.expr(s.test, env))
            if c.is_const and not c.value:
                self.mark_dead(s.body)
                return self.block(s.orelse, env)
            forever, it = c.is_const, None
        else:
            it = self.expr(s.iter, env)
        state = env
        for _ in range(2):  # twice: a value set late in the body reaches the next iteration's start
            inner = copy_env(state)
            if it is not None:
                self.bind(s.target, element_of(it), inner)
            after = self.block(s.body, inner)
            if isinstance(s, ast.While):
                if after is not None:
                    self.expr(s.test, after)
            state = _join(state, after) or state
        if forever:
            return state  # while True: left only by break (its path joined above)
        return self.block(s.orelse, state) if s.orelse else state

    def try_(self, s, env: dict) -> dict | None:
        seen = copy_env(env)   # every state the body passes through: an exception may leave it at any point
        cur: dict | None = env
        for b in s.body:
            if cur is None:
                self.mark_dead([b])
                break
            cur = self.stmt(b, cur)
            seen = _join(seen, copy_env(cur) if cur is not None else None) or seen
        out = self.block(s.orelse, cur) if cur is not None and s.orelse else cur
        for h in s.handlers:
            inner = copy_env(seen)
            if h.type is not None:
                self.expr(h.type, inner)
            if h.name:
                inner[h.name] = V(TAINT, line=h.lineno)  # an exception's text may repeat the input that caused it
            out = _join(out, self.block(h.body, inner))
        if s.finalbody:
            fin = self.block(s.finalbody, _join(out, copy_env(seen)) or copy_env(seen))
            return fin if out is not None else None
        return out


def _join(a: dict | None, b: dict | None) -> dict | None:
    if a is None:
        return b
    if b is None:
        return a
    return join_env(a, b)


def module_index(tree: ast.Module) -> ModuleIndex:
    """The file's functions, imports and module-level values (a name bound once at the top level)."""
    ix = ModuleIndex()
    rebound: set[str] = set()
    bound: dict[str, int] = {}
    for n in ast.walk(tree):
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            for a in n.names:
                ix.imported.add((a.asname or a.name).split(".")[0])
        elif isinstance(n, ast.ClassDef):
            for b in n.body:
                if isinstance(b, _FUNCS):
                    ix.methods.setdefault(b.name, []).append(b)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            rebound.update(n.names)
    methods = {id(f) for fs in ix.methods.values() for f in fs}
    for n in ast.walk(tree):
        if isinstance(n, _FUNCS):
            if id(n) not in methods:
                ix.functions.setdefault(n.name, []).append(n)
            # a name a function binds is that function's local (or a global it rebinds): never the module's value
            rebound.update(x.id for x in ast.walk(n) if isinstance(x, ast.Name) and isinstance(x.ctx, ast.Store))
    for s in tree.body:
        for t in (s.targets if isinstance(s, ast.Assign) else [s.target] if isinstance(s, (ast.AnnAssign, ast.AugAssign, ast.For)) else []):
            for x in ast.walk(t):
                if isinstance(x, ast.Name):
                    bound[x.id] = bound.get(x.id, 0) + (1 if isinstance(s, (ast.Assign, ast.AnnAssign)) else 2)
    ev = Evaluator(ix)
    env: dict = {}
    for s in tree.body:
        if isinstance(s, (ast.Assign, ast.AnnAssign)) and getattr(s, "value", None) is not None:
            v = ev.expr(s.value, env)
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            for t in targets:
                if isinstance(t, ast.Name) and bound.get(t.id) == 1 and t.id not in rebound and isinstance(v, V):
                    ix.globals[t.id] = v
    ix.globals = {k: v for k, v in ix.globals.items() if k not in ix.functions and k not in ix.imported}
    return ix


def evaluate_module(tree: ast.Module) -> Evaluator:
    """Every function of the module run as an entry point (unknown parameters), then the module's own body."""
    ev = Evaluator(module_index(tree))
    for fns in ev.ix.functions.values():
        for f in fns:
            ev.run_function(f)
    for fns in ev.ix.methods.values():
        for f in fns:
            ev.run_function(f)
    ev.block([s for s in tree.body if not isinstance(s, (*_FUNCS, ast.ClassDef))], {})
    return ev


__all__ = ["MAX_DEPTH", "Evaluator", "evaluate_module", "module_index", "CLEAN_V"]
