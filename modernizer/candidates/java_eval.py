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

import re
from dataclasses import dataclass, field

from modernizer.candidates.java_values import (
    CLEAN_V, CONST, NULL, TAINT, UNK, ListV, MapV, V, Value, copy_env, copy_value, flat, fold_binary,
    fold_string_method, join, join_all, join_env,
)

MAX_DEPTH = 3  # helper calls followed from one method
SOURCES = frozenset({
    "getParameter", "getParameterValues", "getParameterMap", "getParameterNames", "getHeader", "getHeaders",
    "getHeaderNames", "getCookies", "getQueryString", "getPathInfo", "getPathTranslated", "getRequestURI",
    "getRequestURL", "getServletPath", "getInputStream", "getReader", "getRemoteUser", "getSubmittedFileName",
    "getOriginalFilename", "getPart", "getParts", "getenv"})
WRAPPER_SOURCE = re.compile(r"(?i)^get(?!init)\w*(param|parameter|header|cookie|querystring)\w*$")
SOURCE_ANNOTATIONS = frozenset({"RequestParam", "PathVariable", "RequestHeader", "CookieValue", "RequestBody",
                                "QueryParam", "PathParam", "FormParam", "HeaderParam", "CookieParam"})
# Encoders and what they make a value safe for (a family of modernizer.candidates.model.FAMILIES).
SANITIZERS: dict[str, frozenset[str]] = {
    "encodeForHTML": frozenset({"xss"}), "encodeForHTMLAttribute": frozenset({"xss"}),
    "encodeForJavaScript": frozenset({"xss"}), "encodeForXML": frozenset({"xss", "xpath-injection"}),
    "escapeHtml": frozenset({"xss"}), "escapeHtml4": frozenset({"xss"}), "escapeXml": frozenset({"xss"}),
    "escapeXml10": frozenset({"xss"}), "escapeXml11": frozenset({"xss"}), "htmlEscape": frozenset({"xss"}),
    "forHtml": frozenset({"xss"}), "forHtmlContent": frozenset({"xss"}), "forHtmlAttribute": frozenset({"xss"}),
    "escapeEcmaScript": frozenset({"xss"}), "encodeForSQL": frozenset({"sql-injection"}),
    "escapeSql": frozenset({"sql-injection"}), "encodeForLDAP": frozenset({"ldap-injection"}),
    "encodeForDN": frozenset({"ldap-injection"}), "encodeForXPath": frozenset({"xpath-injection"}),
    "encodeForOS": frozenset({"command-injection"}), "getValidFileName": frozenset({"path-traversal"}),
    "getName": frozenset({"path-traversal"}), "getFileName": frozenset({"path-traversal"})}
URL_ENCODED = frozenset({"path-traversal", "open-redirect", "command-injection", "ldap-injection"})
# Calls whose result carries no request text whatever their input (numbers, booleans, hashes of it).
CLEAN_RESULTS = frozenset({
    "parseInt", "parseLong", "parseDouble", "parseFloat", "parseBoolean", "length", "size", "hashCode", "equals",
    "equalsIgnoreCase", "isEmpty", "contains", "containsKey", "startsWith", "endsWith", "matches", "indexOf",
    "lastIndexOf", "compareTo", "nextInt", "nextLong", "nextBoolean", "nextDouble", "currentTimeMillis", "nanoTime"})
APPENDERS = frozenset({"append", "insert", "write", "print", "println", "concat"})
MAP_TYPES = re.compile(r"^(java\.util\.)?(HashMap|TreeMap|LinkedHashMap|Hashtable|Properties|ConcurrentHashMap|WeakHashMap|EnumMap)\b")
LIST_TYPES = re.compile(r"^(java\.util\.)?(ArrayList|LinkedList|Vector|Stack|ArrayDeque|CopyOnWriteArrayList)\b")
STRINGISH = re.compile(r"^(java\.lang\.)?(StringBuilder|StringBuffer|String)$")


@dataclass
class CallRecord:
    """What reached one call site, joined over every context it was evaluated in."""

    name: str
    line: int
    receiver: str                 # the receiver's source text ("" when none)
    args: list[V] = field(default_factory=list)
    contexts: int = 0


@dataclass
class FileIndex:
    """The methods and constants of one parsed file."""

    src: bytes
    methods: dict[tuple[str, int], list] = field(default_factory=dict)   # (name, arity) -> method nodes
    consts: dict[str, V] = field(default_factory=dict)                  # static final fields with a constant value


def text(src: bytes, node) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _str_literal(src: bytes, node) -> str:
    out = []
    for c in node.named_children:
        t = text(src, c)
        if c.type == "escape_sequence":
            t = {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\\"": "\"", "\\'": "'", "\\\\": "\\"}.get(t, t)
        out.append(t)
    return "".join(out)


def _char_literal(raw: str) -> str:
    body = raw[1:-1]
    return {"\\n": "\n", "\\t": "\t", "\\'": "'", "\\\\": "\\"}.get(body, body[:1] if not body.startswith("\\") else body)


def _int_literal(raw: str) -> int | None:
    r = raw.replace("_", "").rstrip("lL")
    try:
        return int(r, 16) if r[:2] in ("0x", "0X") else int(r, 2) if r[:2] in ("0b", "0B") else \
            int(r, 8) if len(r) > 1 and r[0] == "0" else int(r)
    except ValueError:
        return None


class Evaluator:
    """Evaluates methods of one file; ``calls`` collects what reached each call site (by start byte)."""

    def __init__(self, index: FileIndex):
        self.ix = index
        self.calls: dict[tuple[int, int], CallRecord] = {}
        self.dead: set[tuple[int, int]] = set()   # calls on a branch a constant condition never takes
        self.stack: list[int] = []
        self.returns: list[Value] = []

    # -- methods ---------------------------------------------------------------------------------
    def run_method(self, method, args: list[Value] | None = None) -> Value:
        """Evaluate a method (a method/constructor declaration node); its return value."""
        if method.start_byte in self.stack or len(self.stack) > MAX_DEPTH:
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
                (copy_value(args[i]) if args is not None and i < len(args) else UNK)
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
    def expr(self, n, env: dict) -> Value:
        if n is None:
            return UNK
        t, src = n.type, self.ix.src
        if t == "string_literal":
            return V(CONST, _str_literal(src, n))
        if t == "character_literal":
            return V(CONST, _char_literal(text(src, n)))
        if t in ("decimal_integer_literal", "hex_integer_literal", "octal_integer_literal", "binary_integer_literal"):
            i = _int_literal(text(src, n))
            return V(CONST, i) if i is not None else CLEAN_V
        if t in ("decimal_floating_point_literal", "hex_floating_point_literal"):
            return CLEAN_V
        if t in ("true", "false"):
            return V(CONST, t == "true")
        if t == "null_literal":
            return NULL
        if t == "identifier":
            name = text(src, n)
            return env[name] if name in env else self._field(name)
        if t == "field_access":
            key = text(src, n)
            return env[key] if key in env else self._field(text(src, n.child_by_field_name("field")))
        if t in ("parenthesized_expression", "cast_expression"):
            inner = n.child_by_field_name("value") if t == "cast_expression" else n.named_children[0]
            return self.expr(inner, env)
        if t == "unary_expression":
            v = flat(self.expr(n.child_by_field_name("operand"), env))
            op = text(src, n.child_by_field_name("operator"))
            if v.is_const:
                try:
                    return V(CONST, {"!": lambda x: not x, "-": lambda x: -x, "+": lambda x: x, "~": lambda x: ~x}[op](v.value))
                except (TypeError, KeyError):
                    return CLEAN_V
            return v if v.kind != TAINT else CLEAN_V
        if t == "binary_expression":
            op = text(src, n.child_by_field_name("operator"))
            a = flat(self.expr(n.child_by_field_name("left"), env))
            if op in ("&&", "||") and a.is_const and isinstance(a.value, bool) and a.value == (op == "||"):
                return a  # short circuit: the right side never runs
            return fold_binary(op, a, flat(self.expr(n.child_by_field_name("right"), env)))
        if t == "ternary_expression":
            c = flat(self.expr(n.child_by_field_name("condition"), env))
            if c.is_const and isinstance(c.value, bool):
                self.mark_dead(n.child_by_field_name("alternative" if c.value else "consequence"))
                return self.expr(n.child_by_field_name("consequence" if c.value else "alternative"), env)
            return join(self.expr(n.child_by_field_name("consequence"), env),
                        self.expr(n.child_by_field_name("alternative"), env))
        if t == "assignment_expression":
            return self.assign(n, env)
        if t == "update_expression":
            target = n.named_children[0]
            name = text(src, target)
            v = flat(env.get(name, UNK))
            if v.is_const and isinstance(v.value, int):
                env[name] = V(CONST, v.value + (1 if "++" in text(src, n) else -1))
            elif name in env:
                env[name] = v if v.kind != CONST else CLEAN_V
            return v
        if t == "method_invocation":
            return self.call(n, env)
        if t == "object_creation_expression":
            return self.new(n, env)
        if t == "array_creation_expression":
            init = n.child_by_field_name("value")
            if init is not None:
                return self.expr(init, env)
            dims = [flat(self.expr(d, env)) for d in n.named_children if d.type == "dimensions_expr" for d in d.named_children]
            if len(dims) == 1 and dims[0].is_const and isinstance(dims[0].value, int) and 0 <= dims[0].value <= 256:
                return ListV([NULL] * dims[0].value)
            return ListV([])
        if t == "array_initializer":
            return ListV([self.expr(c, env) for c in n.named_children])
        if t == "array_access":
            arr = self.expr(n.child_by_field_name("array"), env)
            idx = flat(self.expr(n.child_by_field_name("index"), env))
            if isinstance(arr, ListV) and idx.is_const and isinstance(idx.value, int) and 0 <= idx.value < len(arr.items):
                return arr.items[idx.value]
            return flat(arr) if not isinstance(arr, ListV) or arr.items else UNK
        if t in ("instanceof_expression", "class_literal"):
            return CLEAN_V
        if t in ("this", "super"):
            return CLEAN_V
        if t in ("lambda_expression", "method_reference"):
            return UNK
        if t in ("switch_expression",):
            self.switch(n, env)
            return UNK
        for c in n.named_children:
            self.expr(c, env)
        return UNK

    def _field(self, name: str) -> Value:
        """A field (or a name we did not see declared): its constant when static final, else unknown (tracking
        taint by field name across methods was measured: more false positives than finds on SecuriBench)."""
        return self.ix.consts.get(name, UNK)

    def assign(self, n, env: dict) -> Value:
        left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
        op = text(self.ix.src, n.child_by_field_name("operator"))
        v = self.expr(right, env)
        if op != "=":
            v = fold_binary(op[:-1], flat(self.expr(left, env)), flat(v))
        obj = left.child_by_field_name("object") if left.type == "field_access" else None
        if (left.type == "identifier" and text(self.ix.src, left) in env) or \
                (obj is not None and obj.type == "identifier" and text(self.ix.src, obj) in env):
            env[text(self.ix.src, left)] = v  # a local, or a field of an object held in a local
        elif left.type in ("identifier", "field_access"):
            pass  # a field: shared with other methods and requests, so never a constant we rely on
        elif left.type == "array_access":
            arr_node = left.child_by_field_name("array")
            arr = self.expr(arr_node, env)
            idx = flat(self.expr(left.child_by_field_name("index"), env))
            if isinstance(arr, ListV):
                if idx.is_const and isinstance(idx.value, int) and 0 <= idx.value < len(arr.items):
                    arr.items[idx.value] = v
                else:
                    arr.items = [join(x, v) for x in arr.items] or [v]
            elif arr_node.type == "identifier" and arr_node is not None:
                env[text(self.ix.src, arr_node)] = join(arr, v)
        return v

    def _record(self, n, name: str, receiver: str, args: list[Value]) -> None:
        rec = self.calls.get((n.start_byte, n.end_byte))
        fa = [flat(a) for a in args]
        if rec is None:
            self.calls[(n.start_byte, n.end_byte)] = CallRecord(name, n.start_point[0] + 1, receiver, fa, 1)
        else:
            rec.args = [join(a, b) for a, b in zip(rec.args, fa)]  # type: ignore[misc]
            rec.contexts += 1

    def new(self, n, env: dict) -> Value:
        typ = text(self.ix.src, n.child_by_field_name("type"))
        argn = n.child_by_field_name("arguments")
        args = [self.expr(a, env) for a in (argn.named_children if argn else [])]
        self._record(n, "new " + typ.split("<")[0], "", args)
        if n.child_by_field_name("body") is not None if hasattr(n, "child_by_field_name") else False:
            return UNK
        if MAP_TYPES.match(typ):
            return MapV() if not args else MapV({}, flat(args[0]) if isinstance(args[0], V) else flat(args[0]))
        if LIST_TYPES.match(typ):
            if not args or (isinstance(args[0], V) and isinstance(args[0].value, int) and args[0].is_const):
                return ListV()
            return copy_value(args[0]) if isinstance(args[0], ListV) else ListV([flat(args[0])])
        if STRINGISH.match(typ.split("<")[0]):
            if not args or (len(args) == 1 and flat(args[0]).is_const and isinstance(flat(args[0]).value, int)):
                return V(CONST, "")
            return flat(args[0]) if len(args) == 1 else join_all(args)
        return join_all(args) if args else CLEAN_V

    def call(self, n, env: dict) -> Value:
        src = self.ix.src
        obj = n.child_by_field_name("object")
        name = text(src, n.child_by_field_name("name"))
        argn = n.child_by_field_name("arguments")
        args = [self.expr(a, env) for a in (argn.named_children if argn else [])]
        recv_text = text(src, obj) if obj is not None else ""
        recv = self.expr(obj, env) if obj is not None else None
        self._record(n, name, recv_text, args)
        if name in SOURCES or (obj is not None and WRAPPER_SOURCE.match(name)):
            return V(TAINT, line=n.start_point[0] + 1)
        if obj is not None and obj.type in ("identifier", "field_access") and recv_text in env and isinstance(env[recv_text], (MapV, ListV)):
            return self.container(env, recv_text, name, args)
        helpers = self.ix.methods.get((name, len(args)))
        if helpers and (obj is None or obj.type in ("this", "object_creation_expression", "identifier", "field_access")):
            return join_all([self.run_method(m, args) for m in helpers])
        if name in SANITIZERS or (name == "encode" and recv_text.endswith("URLEncoder")):
            v = join_all(args) if args else (flat(recv) if recv is not None else UNK)
            fams = SANITIZERS.get(name, URL_ENCODED) if name != "encode" else URL_ENCODED
            return V(TAINT, sanitized=v.sanitized | fams, line=v.line) if v.kind == TAINT else v
        if name in CLEAN_RESULTS:
            return self._fold(name, recv, args) or CLEAN_V
        if name == "arraycopy" and len(args) == 5 and argn.named_children[2].type == "identifier":
            dst = text(src, argn.named_children[2])
            env[dst] = join(env.get(dst, UNK), flat(args[0]))
            return NULL
        if name == "getChars" and len(args) == 4 and argn.named_children[2].type == "identifier":
            dst = text(src, argn.named_children[2])
            env[dst] = join(env.get(dst, UNK), flat(recv) if recv is not None else UNK)
            return NULL
        if name == "asList" and (obj is None or recv_text.endswith("Arrays")):
            return copy_value(args[0]) if len(args) == 1 and isinstance(args[0], ListV) else ListV(list(args))
        folded = self._fold(name, recv, args)
        if folded is not None:
            return folded
        if obj is not None and obj.type == "identifier" and recv_text in env and name in APPENDERS | {"replace", "setLength", "reverse", "deleteCharAt", "delete"}:
            if name in APPENDERS or name == "replace":
                new = join_all([env[recv_text], *args[-1:]]) if args else flat(env[recv_text])
                env[recv_text] = new
                return new
            return env[recv_text]
        if obj is None or (obj.type == "identifier" and recv_text not in env and recv_text[:1].isupper()):
            inputs = list(args)   # a static call, or this class's own method we could not resolve
            if obj is None and not args:
                return UNK
        else:
            inputs = [recv, *args]
        return join_all(inputs) if inputs else UNK

    def _fold(self, name: str, recv: Value | None, args: list[Value]) -> Value | None:
        """A String method or String.valueOf on constants, else None."""
        fa = [flat(a) for a in args]
        if not all(a.is_const for a in fa):
            return None
        r = flat(recv) if recv is not None else None
        if name == "valueOf" and len(fa) == 1 and (r is None or r.kind != CONST):
            x = fa[0].value
            return V(CONST, x if isinstance(x, str) else ("true" if x is True else "false" if x is False else str(x)))
        if r is not None and r.is_const and isinstance(r.value, str):
            try:
                return V(CONST, fold_string_method(name, r.value, [a.value for a in fa]))
            except (KeyError, TypeError, IndexError, ValueError):
                return None
        return None

    def container(self, env: dict, var: str, name: str, args: list[Value]) -> Value:
        c = env[var]
        fa = [flat(a) for a in args]
        if isinstance(c, MapV):
            if name in ("put", "setProperty", "putIfAbsent") and len(args) == 2:
                if fa[0].is_const:
                    old = c.entries.get(fa[0].value, c.rest)
                    c.entries[fa[0].value] = args[1] if name != "putIfAbsent" else join(old, args[1])
                    return old
                c.rest = join(c.rest, args[1])
                c.entries = {k: join(v, args[1]) for k, v in c.entries.items()}
                return UNK
            if name in ("get", "getProperty", "getOrDefault", "remove") and args:
                if fa[0].is_const:
                    got = c.entries.get(fa[0].value, join(c.rest, fa[1]) if name != "get" and len(fa) > 1 else c.rest)
                    if name == "remove":
                        c.entries.pop(fa[0].value, None)
                    return got
                return c.flat()
            if name == "putAll" and args:
                c.rest = join(c.rest, flat(args[0]))
                c.entries = {k: join(v, flat(args[0])) for k, v in c.entries.items()}
                return NULL
            if name == "clear":
                env[var] = MapV()
                return NULL
            if name in ("load", "loadFromXML", "putAll", "merge", "compute", "computeIfAbsent", "replaceAll"):
                c.rest, c.entries = UNK, {k: join(v, UNK) for k, v in c.entries.items()}
                return NULL
            return CLEAN_V if name in CLEAN_RESULTS else c.flat()
        if name in ("add", "addLast", "offer", "addElement", "offerLast") and len(args) == 1:
            c.items.append(args[0])
            return V(CONST, True)
        if name in ("add", "insertElementAt") and len(args) == 2:
            i, x = (fa[0], args[1]) if name == "add" else (fa[1], args[0])
            if i.is_const and isinstance(i.value, int) and 0 <= i.value <= len(c.items):
                c.items.insert(i.value, x)
            else:
                c.items = [join(y, x) for y in c.items] + [x]
            return NULL
        if name in ("addFirst", "offerFirst") and len(args) == 1:
            c.items.insert(0, args[0])
            return NULL
        if name in ("get", "elementAt", "remove", "set") and args:
            i = fa[0]
            if i.is_const and isinstance(i.value, int) and not isinstance(i.value, bool) and 0 <= i.value < len(c.items):
                got = c.items[i.value]
                if name == "remove":
                    c.items.pop(i.value)
                elif name == "set" and len(args) == 2:
                    c.items[i.value] = args[1]
                return got
            if name == "remove":
                got = c.flat()
                if i.is_const and isinstance(i.value, int):  # an index past the end: the code throws
                    return got
                env[var] = ListV([got] * max(len(c.items) - 1, 0)) if c.items else ListV()
                return V(CONST, True) if not isinstance(i.value, int) else got
            if name == "set" and len(args) == 2:
                c.items = [join(y, args[1]) for y in c.items]
            return c.flat()
        if name in ("getLast", "peekLast", "pollLast", "removeLast", "lastElement") and c.items:
            got = c.items[-1]
            if name in ("pollLast", "removeLast"):
                c.items.pop()
            return got
        if name in ("getFirst", "peekFirst", "pollFirst", "removeFirst", "poll", "firstElement", "element") and c.items:
            got = c.items[0]
            if name in ("pollFirst", "removeFirst", "poll"):
                c.items.pop(0)
            return got
        if name in ("addAll", "set") and args:
            c.items = [join(y, flat(args[-1])) for y in c.items] + [flat(args[-1])]
            return NULL
        if name == "clear":
            env[var] = ListV()
            return NULL
        if name in ("push", "addAll", "replaceAll", "sort", "removeIf", "retainAll", "removeAll"):
            env[var] = ListV([join(c.flat(), flat(args[0]) if args else UNK)])  # order or content no longer known
            return NULL
        return CLEAN_V if name in CLEAN_RESULTS else c.flat()
