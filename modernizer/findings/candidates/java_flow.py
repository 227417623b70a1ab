"""Java taint candidates refined by the flow evaluator (java_eval): drop the provably safe, add the missed.

Semgrep's taint mode reports a servlet whose sink sees a constant when a constant condition, a map key
or a list index decides, and misses request data that comes back from a helper class of the same file.
For each Java file with a taint candidate or a request read, every method is evaluated (java_eval);
then

* a Semgrep taint candidate of an injection family is **dropped** when every argument of every call of
  its statement is provably safe for that family (a constant, clean data, or request data through an
  encoder for that family). A statement we did not evaluate, or a value we cannot tell, keeps it;
* a **new** candidate (rule ``java-flow-taint``) is added where request data reaches a known sink and no
  candidate of that family is there yet.

A file tree-sitter cannot parse keeps Semgrep's result unchanged. Nothing of the code runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from pydantic import BaseModel, Field

from modernizer.findings.candidates.java_eval import CallRecord, Evaluator, FileIndex, text
from modernizer.findings.candidates.java_values import CONST, V
from modernizer.findings.candidates.model import Candidate

RULE = "java-flow-taint"
CRYPTO_RULE = "java-flow-weak-crypto"
# Families whose Semgrep candidates are taint flows from the request that the evaluator can judge.
INJECTION_FAMILIES = frozenset({"sql-injection", "command-injection", "path-traversal", "xss", "ldap-injection",
                                "xpath-injection", "trust-boundary", "code-injection", "open-redirect"})
CWE_OF = {"sql-injection": "CWE-89", "command-injection": "CWE-78", "path-traversal": "CWE-22", "xss": "CWE-79",
          "ldap-injection": "CWE-90", "xpath-injection": "CWE-643", "trust-boundary": "CWE-501"}
# Sinks the evaluator adds candidates for: (family, call name, receiver pattern or None for any).
_SINKS: list[tuple[str, re.Pattern, re.Pattern | None]] = [
    ("sql-injection", re.compile(r"^(executeQuery|executeUpdate|executeLargeUpdate|addBatch|prepareStatement|prepareCall|"
                                 r"createNativeQuery|createSQLQuery|queryForObject|queryForList|queryForMap|queryForRowSet|"
                                 r"queryForLong|queryForInt|batchUpdate)$"), None),
    ("sql-injection", re.compile(r"^(execute|query|update)$"), re.compile(r"(?i)stat|stmt|conn|jdbc|template|^st$|^ps$")),
    ("command-injection", re.compile(r"^exec$"), re.compile(r"(?i)runtime|^r$|^rt$|^proc")),
    ("command-injection", re.compile(r"^(new (java\.lang\.)?ProcessBuilder|command)$"), None),
    ("path-traversal", re.compile(r"^new (java\.io\.)?(File|FileInputStream|FileOutputStream|FileReader|FileWriter|RandomAccessFile)$"), None),
    ("path-traversal", re.compile(r"^(get|of)$"), re.compile(r"^(java\.nio\.file\.)?(Paths|Path)$")),
    ("xss", re.compile(r"^(print|println|write|format|printf|append)$"),
     re.compile(r"getWriter\(\)|getOutputStream\(\)|^(out|writer|pw|printWriter|sos)$")),
    ("ldap-injection", re.compile(r"^search$"), re.compile(r"(?i)ctx|context|ldap|dir")),
    ("xpath-injection", re.compile(r"^(evaluate|compile)$"), re.compile(r"(?i)xpath|^xp$")),
    ("trust-boundary", re.compile(r"^(setAttribute|putValue)$"), re.compile(r"(?i)session")),
]
_REQUEST_READ = re.compile(r"getParameter|getHeader|getCookies|getQueryString|getenv|getInputStream|getReader|@\w*Param|"
                           r"getInstance|SecretKeySpec")
# Where the query is among a sink's arguments (the rest are bound parameters: JdbcTemplate.query(sql, args),
# DirContext.search(base, filter, filterArgs, controls), XPath.evaluate(expr, doc)); other sinks: every argument.
_QUERY_ARGS = {"sql-injection": 1, "ldap-injection": 2, "xpath-injection": 1}
_CALLS = ("method_invocation", "object_creation_expression")
_STATEMENT = re.compile(r"statement$|^local_variable_declaration$")


class FlowStats(BaseModel):
    """What the evaluator changed in one run (reported beside the candidates, and measured in bench/)."""

    files: int = 0
    unparsed: list[str] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list, description="'file:line rule' of the Semgrep candidates dropped")
    added: int = 0


@lru_cache(maxsize=1)
def _parser():
    import tree_sitter_java
    from tree_sitter import Language, Parser
    return Parser(Language(tree_sitter_java.language()))


def index_file(src: bytes):
    """The tree and FileIndex of one Java text, or None when tree-sitter finds syntax errors in it."""
    tree = _parser().parse(src)
    if tree.root_node.has_error:
        return None
    ix = FileIndex(src)
    stack = [tree.root_node]
    fields = []
    while stack:
        n = stack.pop()
        if n.type in ("method_declaration", "constructor_declaration"):
            params = n.child_by_field_name("parameters")
            arity = sum(1 for p in (params.named_children if params else []) if p.type in ("formal_parameter", "spread_parameter"))
            ix.methods.setdefault((text(src, n.child_by_field_name("name")), arity), []).append(n)
        elif n.type in ("field_declaration", "constant_declaration"):
            fields.append(n)
        stack.extend(n.named_children)
    ev = Evaluator(ix)
    for f in fields:
        mods = next((c for c in f.named_children if c.type == "modifiers"), None)
        final = f.type == "constant_declaration" or (mods is not None and "final" in text(src, mods).split())
        for d in (c for c in f.named_children if c.type == "variable_declarator"):
            val = d.child_by_field_name("value")
            if final and val is not None:
                v = ev.expr(val, {})
                if isinstance(v, V) and v.kind == CONST:
                    ix.consts[text(src, d.child_by_field_name("name"))] = v
    return tree, ix


def evaluate_file(src: bytes):
    """Every method of the file evaluated with unknown parameters: (tree, {call span: CallRecord}, dead call spans) or None."""
    got = index_file(src)
    if got is None:
        return None
    tree, ix = got
    ev = Evaluator(ix)
    for methods in ix.methods.values():
        for m in methods:
            ev.run_method(m)
    return tree, ev.calls, ev.dead - set(ev.calls)


def _statement_calls(stmt) -> list:
    """The calls of a statement that are not arguments of another call (the sink and its receiver chain)."""
    out, stack = [], [stmt]
    while stack:
        n = stack.pop()
        if n.type in ("lambda_expression", "class_body"):
            continue
        if n.type in _CALLS:
            out.append(n)
            stack.extend(c for c in n.named_children if c.type != "argument_list")
            continue
        stack.extend(n.named_children)
    return out


def _statements_on(root, first: int, last: int) -> list:
    out, stack = [], [root]
    while stack:
        n = stack.pop()
        if n.end_point[0] + 1 < first or n.start_point[0] + 1 > last:
            continue
        if _STATEMENT.search(n.type) and n.type not in ("if_statement", "while_statement", "for_statement",
                                                         "enhanced_for_statement", "try_statement", "do_statement",
                                                         "switch_statement", "try_with_resources_statement") \
                and first <= n.start_point[0] + 1 <= last:
            out.append(n)
            continue
        stack.extend(n.named_children)
    return out


def provably_safe(tree, calls: dict[tuple[int, int], CallRecord], dead: set, cand: Candidate) -> bool:
    """Every argument of every call on the candidate's statements is safe for its family (and we saw them
    all), or the statement is on a branch that a constant condition never takes."""
    stmts = _statements_on(tree.root_node, cand.line_start, cand.line_end)
    seen_args = False
    for s in stmts:
        for c in _statement_calls(s):
            rec = calls.get((c.start_byte, c.end_byte))
            if rec is None and (c.start_byte, c.end_byte) in dead:
                seen_args = True
                continue
            if rec is None:
                return False  # not evaluated (a lambda, a field initializer...): keep
            if rec.args:
                seen_args = True
            args = rec.args[:_QUERY_ARGS.get(cand.family)] if _sink_family(rec) == cand.family else rec.args
            if not all(a.safe_for(cand.family) for a in args):
                return False
    return seen_args


def _sink_family(rec: CallRecord) -> str | None:
    for fam, name, recv in _SINKS:
        if name.match(rec.name) and (recv is None or recv.search(rec.receiver)):
            return fam
    return None


def _only_named(tree, span: tuple[int, int]) -> bool:
    """``new File(x).getName()``: the File is made only to take the last part of its name (no file is touched)."""
    node = tree.root_node.descendant_for_byte_range(*span)
    parent = node.parent if node is not None else None
    return parent is not None and parent.type == "method_invocation" and parent.child_by_field_name("object") == node \
        and parent.child_by_field_name("name").text in (b"getName", b"getFileName")


def added_candidates(path: str, lines: list[str], calls: dict[tuple[int, int], CallRecord], existing: Sequence[Candidate],
                     tree=None) -> list[Candidate]:
    out: list[Candidate] = []
    taken = {(c.family, ln) for c in existing if c.file == path for ln in range(c.line_start, c.line_end + 1)}
    for span, rec in sorted(calls.items(), key=lambda kv: kv[1].line):
        fam = _sink_family(rec)
        if fam is None or (fam, rec.line) in taken or (fam == "path-traversal" and tree is not None and _only_named(tree, span)):
            continue
        hit = next((a for a in rec.args[:_QUERY_ARGS.get(fam)] if a.tainted_for(fam)), None)
        if hit is None:
            continue
        taken.add((fam, rec.line))
        where = f" (read on line {hit.line})" if hit.line else ""
        out.append(Candidate(rule=RULE, family=fam, cwe=CWE_OF[fam], file=path, line_start=rec.line, line_end=rec.line,
                             snippet=lines[rec.line - 1] if rec.line <= len(lines) else "",
                             message=f"request data{where} reaches {rec.name}() through locals, collections or a helper "
                                     f"of this file (modernizer's Java flow evaluator)"))
    return out


# Algorithms named by a constant that reaches the call in some context (a helper called with "MD5"):
# (class, argument index, weak-algorithm pattern, CWE); the same names as java.yml's weak-hash/cipher rules.
_WEAK_CIPHER = r"des|desede|tripledes|3des|rc2|rc4|arcfour|blowfish|idea|pbewithmd5.*|des/.*|desede/.*|rc2/.*|blowfish/.*"
_CRYPTO = [
    ("getInstance", re.compile(r"(^|\.)MessageDigest$"), 0, re.compile(r"(?i)^(md2|md4|md5|sha|sha-?1)$"), "CWE-328"),
    ("getInstance", re.compile(r"(^|\.)Cipher$"), 0, re.compile(rf"(?i)^({_WEAK_CIPHER}|aes|.*/ecb/.*)$"), "CWE-327"),
    ("getInstance", re.compile(r"(^|\.)(KeyGenerator|SecretKeyFactory)$"), 0, re.compile(rf"(?i)^({_WEAK_CIPHER})$"), "CWE-327"),
    ("new SecretKeySpec", None, 1, re.compile(rf"(?i)^({_WEAK_CIPHER})$"), "CWE-327"),
    ("new javax.crypto.spec.SecretKeySpec", None, 1, re.compile(rf"(?i)^({_WEAK_CIPHER})$"), "CWE-327"),
]


def weak_crypto_candidates(path: str, lines: list[str], calls: dict[tuple[int, int], CallRecord],
                           existing: Sequence[Candidate]) -> list[Candidate]:
    """A weak hash or cipher named by a constant that reaches getInstance through locals or helper arguments."""
    taken = {ln for c in existing if c.file == path and c.family == "weak-crypto" for ln in range(c.line_start, c.line_end + 1)}
    out = []
    for rec in sorted(calls.values(), key=lambda r: r.line):
        for name, recv, i, weak, cwe in _CRYPTO:
            if rec.name != name or (recv is not None and not recv.search(rec.receiver)) or i >= len(rec.constants):
                continue
            algs = sorted(a for a in rec.constants[i] if weak.match(a))
            if algs and rec.line not in taken:
                taken.add(rec.line)
                out.append(Candidate(rule=CRYPTO_RULE, family="weak-crypto", cwe=cwe, file=path, line_start=rec.line,
                                     line_end=rec.line, snippet=lines[rec.line - 1] if rec.line <= len(lines) else "",
                                     message=f"{rec.receiver or name}: the weak algorithm {algs[0]!r} reaches it through "
                                             f"locals or a helper's arguments (modernizer's Java flow evaluator)"))
    return out


def refine_java(texts: Mapping[str, str], candidates: Sequence[Candidate], taint_rules: frozenset[str]) -> tuple[list[Candidate], FlowStats]:
    """The candidates with the provably safe Java taint candidates dropped and the missed flows added."""
    stats = FlowStats()
    by_file: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_file.setdefault(c.file, []).append(c)
    out: list[Candidate] = [c for c in candidates if not c.file.endswith(".java")]
    for path in sorted(p for p in texts if p.endswith(".java")):
        mine = by_file.get(path, [])
        judged = [c for c in mine if c.rule in taint_rules and c.family in INJECTION_FAMILIES]
        if not judged and not _REQUEST_READ.search(texts[path]):
            out.extend(mine)
            continue
        try:
            got = evaluate_file(texts[path].encode("utf-8", "surrogateescape"))
        except (RecursionError, ValueError):
            got = None
        if got is None:
            stats.unparsed.append(path)
            out.extend(mine)
            continue
        stats.files += 1
        tree, calls, dead = got
        for c in mine:
            if c in judged and provably_safe(tree, calls, dead, c):
                stats.dropped.append(f"{path}:{c.line_start} {c.rule}")
            else:
                out.append(c)
        lines = texts[path].split("\n")
        new = added_candidates(path, lines, calls, mine, tree) + weak_crypto_candidates(path, lines, calls, mine)
        stats.added += len(new)
        out.extend(new)
    out.sort(key=lambda c: (c.file, c.line_start, c.rule, c.line_end))
    return out, stats

