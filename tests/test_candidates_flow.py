"""The Java flow evaluator through find_candidates: each vulnerable/safe twin of tests/data/java-flow
(constant conditions, switch on a constant char, map keys, list indices, same-file helper classes,
encoders) is flagged or left alone; Semgrep's own result without the evaluator, for contrast; a file
tree-sitter cannot parse keeps Semgrep's result. One Semgrep scan of the twins per mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from modernizer.findings.candidates import find_candidates
from modernizer.findings.candidates.java_flow import CRYPTO_RULE, RULE, evaluate_file, refine_java
from modernizer.findings.candidates.model import Candidate

from support.twins import hits, marks as twin_marks

TWINS = Path(__file__).parent / "data" / "java-flow"


def marks() -> list[tuple[str, int, str, str]]:
    return twin_marks(TWINS)


def _texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(TWINS.glob("*.java"))}


@pytest.fixture(scope="module")
def flow():
    return find_candidates(_texts())


@pytest.fixture(scope="module")
def semgrep_only():
    return find_candidates(_texts(), java_flow=False)


@pytest.mark.parametrize("file, line, kind, family", marks(), ids=lambda v: str(v))
def test_each_flow_twin_is_flagged_or_left_alone(flow, file, line, kind, family):
    rules = hits(flow, file, line, family)
    if kind == "vuln":
        assert rules, f"{file}:{line} should be a {family} candidate"
    else:
        assert not rules, f"{file}:{line} is safe but got {rules}"


def test_the_evaluator_both_drops_and_adds_compared_with_semgrep_alone(flow, semgrep_only):
    assert flow.errors == [] and semgrep_only.errors == []
    safe = [(f, n, fam) for f, n, k, fam in marks() if k == "safe"]
    vuln = [(f, n, fam) for f, n, k, fam in marks() if k == "vuln"]
    dropped = [m for m in safe if hits(semgrep_only, *m)]
    added = [m for m in vuln if not hits(semgrep_only, *m)]
    # Semgrep alone flags several safe twins (path-insensitive, no map keys) and misses helper flows
    assert len(dropped) >= 5, dropped
    assert len(added) >= 2, added
    assert any(c.rule == RULE for c in flow.candidates)
    # a weak algorithm handed to a helper as a constant argument is found where the helper calls getInstance
    assert [(c.file, c.cwe) for c in flow.candidates if c.rule == CRYPTO_RULE] == [
        ("CryptoHelpers.java", "CWE-328"), ("CryptoHelpers.java", "CWE-327")]
    assert {c.family for f, n, k, fam in marks() for c in flow.candidates if c.rule == RULE} <= {
        "xss", "sql-injection", "command-injection", "path-traversal", "ldap-injection", "xpath-injection", "trust-boundary"}
    # every twin family of the issue is covered
    assert {fam for *_, fam in marks()} >= {"xss", "sql-injection", "command-injection", "path-traversal", "weak-crypto",
                                              "ldap-injection", "xpath-injection", "trust-boundary"}


def test_a_file_tree_sitter_cannot_parse_keeps_semgreps_result():
    broken = "class X { void f(HttpServletRequest r) { String p = r.getParameter(\"a\"); if (1 > 2 { } }"
    assert evaluate_file(broken.encode()) is None
    cand = Candidate(rule="java-xss-response-writer", family="xss", cwe="CWE-79", file="X.java", line_start=1,
                     line_end=1, snippet=broken, message="m")
    out, stats = refine_java({"X.java": broken}, [cand], frozenset({"java-xss-response-writer"}))
    assert out == [cand] and stats.unparsed == ["X.java"] and stats.dropped == []


def test_unknown_values_keep_the_candidate():
    src = ("class Y { void f(javax.servlet.http.HttpServletRequest r, javax.servlet.http.HttpServletResponse s, String p)"
           " throws Exception {\n String v = p;\n if (System.currentTimeMillis() > 5) v = \"k\";\n s.getWriter().println(v);\n } }")
    cand = Candidate(rule="java-xss-response-writer", family="xss", cwe="CWE-79", file="Y.java", line_start=4,
                     line_end=4, snippet="", message="m")
    out, stats = refine_java({"Y.java": src}, [cand], frozenset({"java-xss-response-writer"}))
    assert out == [cand] and stats.files == 1 and stats.dropped == []


def test_a_list_handed_to_helpers_deeper_than_followed_is_not_trusted_afterwards():
    src = ("class D { void f(javax.servlet.http.HttpServletRequest request, javax.servlet.http.HttpServletResponse response)"
           " throws Exception {\n java.util.List<String> l = new java.util.ArrayList<>(); l.add(\"x\");"
           " a(l, request.getParameter(\"p\"));\n response.getWriter().println(l.get(0));\n }\n"
           + "".join(f" void {x}(java.util.List<String> l, String v) {{ {y}(l, v); }}\n" for x, y in zip("abcd", "bcde"))
           + " void e(java.util.List<String> l, String v) { l.set(0, v); }\n}\n")
    cand = Candidate(rule="java-xss-response-writer", family="xss", cwe="CWE-79", file="D.java", line_start=3,
                     line_end=3, snippet="", message="m")
    out, stats = refine_java({"D.java": src}, [cand], frozenset({"java-xss-response-writer"}))
    assert out == [cand] and stats.dropped == []
