"""The expressions of the Java flow evaluator: literals folded, locals read, calls modelled (sources,
encoders, String methods on constants, maps and lists by constant key/index, same-file helpers run with
the arguments' values) and every call site recorded with the values that reached it (CallRecord).
java_eval.Evaluator adds the statements; this mixin is only its expression half."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from modernizer.findings.candidates.java_api import (
    APPENDERS, CLEAN_RESULTS, FILE_READERS, LIST_TYPES, MAP_TYPES, SANITIZERS, SOURCES, STRINGISH, URL_ENCODED,
    WRAPPER_SOURCE, container_call,
)
from modernizer.findings.candidates.java_values import (
    CLEAN_V, CONST, NULL, TAINT, UNK, ListV, MapV, V, Value, copy_value, flat, fold_binary,
    fold_string_method, join, join_all,
)


_CLASS_REF = re.compile(r"^([a-z_]\w*\.)*[A-Z]\w*$")  # Math, java.util.UUID, org.owasp.esapi.ESAPI


@dataclass
class CallRecord:
    """What reached one call site, joined over every context it was evaluated in."""

    name: str
    line: int
    receiver: str                 # the receiver's source text ("" when none)
    args: list[V] = field(default_factory=list)
    contexts: int = 0
    constants: list[set] = field(default_factory=list)  # per argument: every constant string seen in some context


def record_call(calls: dict, key, name: str, line: int, receiver: str, args: list, join) -> None:
    """One more context of the call site ``key``: its flattened ``args`` joined (by the language's own
    ``join``) into what reached it before, and their constant strings kept. The Java and Python
    evaluators both record through here."""
    rec = calls.get(key)
    if rec is None:
        rec = calls[key] = CallRecord(name, line, receiver, args, 1, [set() for _ in args])
    else:
        rec.args = [join(a, b) for a, b in zip(rec.args, args)]
        rec.contexts += 1
    for seen, a in zip(rec.constants, args):
        if a.is_const and isinstance(a.value, str):
            seen.add(a.value)


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


class Expressions:
    """The expression half of java_eval.Evaluator (which provides ix, calls, dead, run_method and switch)."""

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
        record_call(self.calls, (n.start_byte, n.end_byte), name, n.start_point[0] + 1, receiver, [flat(a) for a in args], join)

    def new(self, n, env: dict) -> Value:
        typ = text(self.ix.src, n.child_by_field_name("type"))
        argn = n.child_by_field_name("arguments")
        args = [self.expr(a, env) for a in (argn.named_children if argn else [])]
        self._record(n, "new " + typ.split("<")[0], "", args)
        if any(c.type == "class_body" for c in n.named_children):
            return UNK  # an anonymous class: its methods are evaluated on their own
        if MAP_TYPES.match(typ):
            if args and isinstance(args[0], MapV):
                return copy_value(args[0])
            first = flat(args[0]) if args else NULL
            return MapV() if first.is_const else MapV({}, first)  # new HashMap<>(16): an initial capacity
        if LIST_TYPES.match(typ):
            if not args or (isinstance(args[0], V) and isinstance(args[0].value, int) and args[0].is_const):
                return ListV()
            return copy_value(args[0]) if isinstance(args[0], ListV) else ListV([flat(args[0])])
        if STRINGISH.match(typ.split("<")[0]):
            if not args or (len(args) == 1 and flat(args[0]).is_const and isinstance(flat(args[0]).value, int)):
                return V(CONST, "")
            return flat(args[0]) if len(args) == 1 else join_all(args)
        if FILE_READERS.match(typ):
            return UNK  # the content of a file named by the request is not request data (the name is: see the sink)
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
            return container_call(env, recv_text, name, args)
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
        self._escape(argn, args, recv)
        static = obj is not None and recv_text.split(".")[0] not in env and _CLASS_REF.match(recv_text) is not None
        if obj is None or static:
            inputs = list(args)   # a static call, or this class's own method we could not resolve
            if not args:
                # a library's static call without input (XPathFactory.newInstance()) reads no request data;
                # an unresolved call of this class's own (inherited) methods may
                return CLEAN_V if static else UNK
        else:
            inputs = [recv, *args]
        return join_all(inputs) if inputs else UNK

    def _escape(self, argn, args: list[Value], recv: Value | None) -> None:
        """A local list or map handed to a call we do not model may be filled by it (``reader.read(buf)``,
        ``Collections.addAll(list, x)``): its elements become what the call's other inputs are, or unknown."""
        for i, a in enumerate(args):
            if isinstance(a, (ListV, MapV)):
                others = join_all([*(x for j, x in enumerate(args) if j != i), recv if recv is not None else CLEAN_V])
                if isinstance(a, ListV):
                    a.items = [join(x, others) for x in a.items] or [others]
                else:
                    a.rest, a.entries = join(a.rest, others), {k: join(v, others) for k, v in a.entries.items()}

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
