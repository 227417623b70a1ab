"""Python taint candidates refined by the flow evaluator (python_eval): the provably safe ones dropped.

Semgrep's taint mode reports a handler whose sink sees a constant when a constant condition, a list
index, a dict key or a later constant assignment decides. For each Python file with a taint candidate
of an injection family, every function is evaluated (python_eval); then a candidate is **dropped**
when the statement it lies on never runs (a branch a constant condition never takes), or when every
value that statement hands on is provably safe for the candidate's family: every argument of every call
on it (a SQL sink's query only: its bound parameters are not text), the value it returns and what it
stores into an item or attribute (``session[k] = v``), each a constant, clean data, or request data
through an encoder for that family, in every context the function was run in. A statement we did not
evaluate, a call we have no record of, or a value we cannot tell keeps the candidate: only a proof
drops one.

The same interface as java_flow.refine_java (engine.py calls both the same way). A file Python 3's
parser refuses (Python 2, a syntax error) keeps Semgrep's result unchanged. Nothing of the code runs:
``ast.parse`` reads it, nothing is imported or executed.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Mapping, Sequence

from modernizer.findings.candidates.java_flow import FlowStats
from modernizer.findings.candidates.model import Candidate
from modernizer.findings.candidates.python_api import sanitizer_families
from modernizer.findings.candidates.python_eval import Evaluator, evaluate_module
from modernizer.findings.candidates.python_expr import dotted, span
from modernizer.findings.candidates.python_fstrings import requote

# The families whose Semgrep candidates are taint flows from outside that the evaluator can judge
# (weak randomness is a taint rule too, but its source is the generator, not the request).
INJECTION_FAMILIES = frozenset({"sql-injection", "command-injection", "path-traversal", "xss", "ldap-injection",
                                "xpath-injection", "trust-boundary", "code-injection", "open-redirect"})
PY_SUFFIXES = (".py", ".pyw")
# A SQL sink's query is its first argument; what follows is bound as parameters (not SQL text).
_SQL_SINKS = re.compile(r"^(execute|executemany|executescript|raw|mogrify|read_sql|read_sql_query|text|exec_driver_sql)$")
_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.FunctionDef,
             ast.AsyncFunctionDef, ast.ClassDef)


def parse(src: str) -> ast.Module | None:
    """The module's tree, or None when Python 3 cannot parse it (Python 2 code, a syntax error)."""
    for attempt in (src, None):
        if attempt is None:
            attempt = requote(src)  # Python 3.12 f-strings on an older Python (same lines and columns)
            if attempt is None:
                return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escape sequences and the like in the analysed code
                return ast.parse(attempt)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return None


def _statement_at(tree: ast.Module, line: int):
    """The innermost statement that contains this line (a compound statement when the line is its header)."""
    best = None
    stack: list[ast.AST] = list(tree.body)
    while stack:
        s = stack.pop()
        if not isinstance(s, ast.stmt) or not (s.lineno <= line <= (s.end_lineno or s.lineno)):
            continue
        best = s
        stack = [c for field in ("body", "orelse", "finalbody", "handlers", "cases") for c in getattr(s, field, []) or []]
        stack = [c for h in stack for c in ([h] if isinstance(h, ast.stmt) else getattr(h, "body", []))]
    return best


def _header(s) -> list[ast.AST]:
    """The expressions of a statement that run on its own lines (a compound statement's header only)."""
    if isinstance(s, ast.If) or isinstance(s, ast.While):
        return [s.test]
    if isinstance(s, (ast.For, ast.AsyncFor)):
        return [s.iter]
    if isinstance(s, (ast.With, ast.AsyncWith)):
        return [i.context_expr for i in s.items]
    if isinstance(s, _COMPOUND) or type(s).__name__ in ("Match", "TryStar"):
        return []
    return [s]


def provably_safe(ev: Evaluator, tree: ast.Module, cand: Candidate) -> bool:
    """The candidate's statement never runs, or every value it hands on is safe for the candidate's family."""
    s = _statement_at(tree, cand.line_start)
    if s is None or (s.end_lineno or s.lineno) < cand.line_end:
        return False  # the candidate spans more than one statement: keep
    key = span(s)
    if key in ev.dead and key not in ev.live:
        return True
    if key not in ev.live:
        return False
    parts = _header(s)
    if not parts:
        return False
    seen = False
    for part in parts:
        nested = {span(c) for n in ast.walk(part) if isinstance(n, ast.Call)
                  for a in [*n.args, *(k.value for k in n.keywords)] for c in ast.walk(a) if isinstance(c, ast.Call)}
        for n in ast.walk(part):
            if isinstance(n, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return False  # code that runs later, elsewhere: not judged
            if not isinstance(n, ast.Call):
                continue
            rec = ev.calls.get(span(n))
            if rec is None:
                if span(n) in ev.dead:
                    seen = True
                    continue
                return False  # a call we never evaluated: keep
            if span(n) in nested and isinstance(n.func, ast.Name) and n.func.id in ev.ix.functions:
                seen = True
                continue  # this file's function, run with these arguments: its result is judged where it goes
            fams = sanitizer_families(dotted(n.func)) if dotted(n.func) else None
            if fams is not None and cand.family in fams:
                seen = True
                continue  # an encoder for this family: its arguments are what it makes safe
            args = rec.args[:1] if cand.family == "sql-injection" and _SQL_SINKS.match(rec.name) and n.args else rec.args
            recv = ev.receivers.get(span(n))
            if recv is not None:
                args = [*args, recv]
            if not all(a.safe_for(cand.family) for a in args):
                return False
            seen = True
    stored = ev.values.get(key)
    if stored is not None:
        if not stored.safe_for(cand.family):
            return False
        seen = True
    return seen


def refine_python(texts: Mapping[str, str], candidates: Sequence[Candidate],
                  taint_rules: frozenset[str]) -> tuple[list[Candidate], FlowStats]:
    """The candidates with the provably safe Python taint candidates dropped (everything else kept as it is)."""
    stats = FlowStats()
    by_file: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_file.setdefault(c.file, []).append(c)
    out: list[Candidate] = [c for c in candidates if not c.file.endswith(PY_SUFFIXES) or c.file not in texts]
    for path in sorted(p for p in by_file if p.endswith(PY_SUFFIXES) and p in texts):
        mine = by_file[path]
        judged = [c for c in mine if c.rule in taint_rules and c.family in INJECTION_FAMILIES]
        if not judged:
            out.extend(mine)
            continue
        tree = parse(texts[path])
        ev = None
        if tree is not None:
            try:
                ev = evaluate_module(tree)
            except RecursionError:
                ev = None
        if tree is None or ev is None:
            stats.unparsed.append(path)
            out.extend(mine)
            continue
        stats.files += 1
        for c in mine:
            if c in judged and provably_safe(ev, tree, c):
                stats.dropped.append(f"{path}:{c.line_start} {c.rule}")
            else:
                out.append(c)
    out.sort(key=lambda c: (c.file, c.line_start, c.rule, c.line_end))
    return out, stats
