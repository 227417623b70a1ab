"""An intra-procedural constant-and-taint evaluator for one Java file (tree-sitter-java).

Semgrep's taint mode is path-insensitive and does not track collections by key: a servlet that writes
``(7 * 42) - 86 > 200 ? "constant" : param`` or ``map.get("keyA")`` (where keyA holds a constant) is
a Semgrep finding but cannot leak. This evaluator walks a method body in order with each local as a
value of java_values (constant, clean, tainted, unknown; maps and lists by constant key/index), folds
constant conditions (if/else, ternaries, switch, ``charAt`` of a constant), follows same-file helpers
(their body evaluated with the arguments' values, a few calls deep), and records what reaches every
call: java_flow turns those records into dropped and added candidates. What it cannot tell stays
unknown, and unknown keeps a candidate (recall first). Nothing of the code runs.
"""

from __future__ import annotations

from modernizer.findings.candidates.java_api import SOURCE_ANNOTATIONS
from modernizer.findings.candidates.java_expr import CallRecord, Expressions, FileIndex, text
from modernizer.findings.candidates.java_values import NULL, TAINT, UNK, ListV, MapV, V, Value, copy_env, flat, join_all, join_env

MAX_DEPTH = 3  # helper calls followed from one method
MAX_HELPER_RUNS = 2000  # helper evaluations per file: past it a helper's result is unknown (bounded time)
__all__ = ["CallRecord", "Evaluator", "FileIndex", "MAX_DEPTH", "text"]


class Evaluator(Expressions):
    """Evaluates methods of one file; ``calls`` collects what reached each call site (by start byte)."""

    def __init__(self, index: FileIndex):
        self.ix = index
        self.calls: dict[tuple[int, int], CallRecord] = {}
        self.dead: set[tuple[int, int]] = set()   # calls on a branch a constant condition never takes
        self.stack: list[int] = []
        self.returns: list[Value] = []
        self.budget = MAX_HELPER_RUNS

    # -- methods ---------------------------------------------------------------------------------
    def run_method(self, method, args: list[Value] | None = None) -> Value:
        """Evaluate a method (a method/constructor declaration node); its return value."""
        if args is not None:
            self.budget -= 1
        if method.start_byte in self.stack or len(self.stack) > MAX_DEPTH or self.budget < 0:
            if any(isinstance(a, (ListV, MapV)) for a in args or []):
                self._escape(None, [*args, UNK], None)  # not followed: a list or map handed to it may hold anything now
            return UNK
        env: dict[str, Value] = {}
        params = method.child_by_field_name("parameters")
        plist = [p for p in (params.named_children if params else []) if p.type in ("formal_parameter", "spread_parameter")]
        for i, p in enumerate(plist):
            name = p.child_by_field_name("name") or next((c for c in p.named_children if c.type == "variable_declarator"), None)
            if name is None:
                continue
            if name.type == "variable_declarator":
                name = name.child_by_field_name("name")
            annotated = any(text(self.ix.src, a.child_by_field_name("name") or a).lstrip("@") in SOURCE_ANNOTATIONS
                            for m in p.named_children if m.type == "modifiers" for a in m.named_children)
            env[text(self.ix.src, name)] = V(TAINT, line=p.start_point[0] + 1) if annotated else \
                (args[i] if args is not None and i < len(args) else UNK)  # Java passes references: a helper may fill a caller's list
        body = method.child_by_field_name("body")
        saved, self.returns = self.returns, []
        self.stack.append(method.start_byte)
        try:
            if body is not None:
                self.block(body, env)
        finally:
            self.stack.pop()
        out, self.returns = self.returns, saved
        return join_all(out) if out else NULL

    def mark_dead(self, node) -> None:
        stack = [node] if node is not None else []
        while stack:
            n = stack.pop()
            if n.type in ("method_invocation", "object_creation_expression"):
                self.dead.add((n.start_byte, n.end_byte))
            stack.extend(n.named_children)

    # -- statements ------------------------------------------------------------------------------
    def block(self, node, env: dict) -> dict:
        for c in node.named_children:
            env = self.stmt(c, env)
        return env

    def stmt(self, n, env: dict) -> dict:
        t = n.type
        if t in ("block", "constructor_body"):
            return self.block(n, env)
        if t == "local_variable_declaration":
            for d in n.named_children:
                if d.type == "variable_declarator":
                    name = text(self.ix.src, d.child_by_field_name("name"))
                    val = d.child_by_field_name("value")
                    env[name] = self.expr(val, env) if val is not None else NULL
            return env
        if t == "expression_statement":
            for c in n.named_children:
                self.expr(c, env)
            return env
        if t == "return_statement":
            self.returns.append(self.expr(n.named_children[0], env) if n.named_children else NULL)
            return env
        if t == "if_statement":
            cond = flat(self.expr(n.child_by_field_name("condition"), env))
            then, other = n.child_by_field_name("consequence"), n.child_by_field_name("alternative")
            if cond.is_const and isinstance(cond.value, bool):
                chosen, skipped = (then, other) if cond.value else (other, then)
                self.mark_dead(skipped)
                return self.stmt(chosen, env) if chosen is not None else env
            a = self.stmt(then, copy_env(env))
            b = self.stmt(other, copy_env(env)) if other is not None else env
            return join_env(a, b)
        if t in ("switch_expression", "switch_statement"):
            return self.switch(n, env)
        if t in ("while_statement", "do_statement", "for_statement", "enhanced_for_statement"):
            return self.loop(n, env)
        if t == "try_statement" or t == "try_with_resources_statement":
            return self.try_(n, env)
        if t in ("class_declaration", "lambda_expression", "local_class_declaration"):
            return env
        if t in ("break_statement", "continue_statement", "line_comment", "block_comment", "empty_statement"):
            return env
        if t == "labeled_statement" or t == "synchronized_statement":
            for c in n.named_children:
                env = self.stmt(c, env) if c.type.endswith(("statement", "block")) or c.type == "block" else env
            return env
        # anything else: its expressions in order (side effects), on a path that may not run
        after = copy_env(env)
        for c in n.named_children:
            if c.type.endswith("statement") or c.type == "block":
                after = self.stmt(c, after)
            else:
                self.expr(c, after)
        return join_env(env, after)

    def switch(self, n, env: dict) -> dict:
        subject = flat(self.expr(n.child_by_field_name("condition"), env))
        groups = [g for g in (n.child_by_field_name("body").named_children if n.child_by_field_name("body") else [])
                  if g.type in ("switch_block_statement_group", "switch_rule")]
        labels = []
        for g in groups:
            vals, default = [], False
            for lab in (c for c in g.named_children if c.type == "switch_label"):
                if not lab.named_children:
                    default = True
                vals += [flat(self.expr(x, env)) for x in lab.named_children]
            labels.append((vals, default))
        if subject.is_const and all(v.is_const for vals, _ in labels for v in vals):
            start = next((i for i, (vals, _) in enumerate(labels) if any(v.value == subject.value for v in vals)), None)
            if start is None:
                start = next((i for i, (_, d) in enumerate(labels) if d), None)
            return env if start is None else self._run_groups(groups[start:], env)
        outs = [self._run_groups(groups[i:], copy_env(env)) for i in range(len(groups))]
        result = env if not any(d for _, d in labels) else None
        for o in outs:
            result = o if result is None else join_env(result, o)
        return result if result is not None else env

    def _run_groups(self, groups, env: dict) -> dict:
        """Statements from one case on, falling through until a break (a rule ``->`` never falls through)."""
        for g in groups:
            for c in g.named_children:
                if c.type == "switch_label":
                    continue
                if c.type == "break_statement":
                    return env
                if c.type.endswith("statement") or c.type in ("block", "local_variable_declaration"):
                    env = self.stmt(c, env)
                else:
                    self.expr(c, env)
            if g.type == "switch_rule":
                return env
        return env

    def loop(self, n, env: dict) -> dict:
        init = n.child_by_field_name("init")
        if init is not None:
            env = self.stmt(init, env) if init.type == "local_variable_declaration" else (self.expr(init, env), env)[1]
        if n.type == "enhanced_for_statement":
            coll = flat(self.expr(n.child_by_field_name("value"), env))
            env[text(self.ix.src, n.child_by_field_name("name"))] = coll
        body = n.child_by_field_name("body")
        cond = n.child_by_field_name("condition")
        if cond is not None:
            c = flat(self.expr(cond, env))
            if c.is_const and c.value is False and n.type != "do_statement":
                return env
        state = env
        for _ in range(2):  # twice: a value set late in the body reaches the next iteration's start
            after = self.stmt(body, copy_env(state)) if body is not None else state
            for u in n.children_by_field_name("update"):
                self.expr(u, after)
            state = join_env(state, after)
        return state

    def try_(self, n, env: dict) -> dict:
        for r in n.children_by_field_name("resources"):
            for d in r.named_children:
                if d.type == "resource" and d.child_by_field_name("name") is not None:
                    env[text(self.ix.src, d.child_by_field_name("name"))] = self.expr(d.child_by_field_name("value"), env)
        before = copy_env(env)
        env = self.stmt(n.child_by_field_name("body"), env)
        for c in n.named_children:
            if c.type == "catch_clause":
                env = join_env(env, self.stmt(c.child_by_field_name("body"), join_env(copy_env(before), copy_env(env))))
            elif c.type == "finally_clause":
                for b in c.named_children:
                    env = self.stmt(b, env)
        return env

    # -- expressions -----------------------------------------------------------------------------
