"""Java candidates: each rule's vulnerable/safe twins (tests/data/java-twins), both spellings of the JDK
types, request data followed through locals, builders, collections and helpers, and algorithms that come
from the project's .properties files. One Semgrep scan of the twins per module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modernizer.findings.candidates import builtin_rules, family_of, find_candidates
from modernizer.findings.candidates.config_values import NEVER, config_algorithms, fill_rule_slots, parse_properties

from support.twins import marks as twin_marks

TWINS = Path(__file__).parent / "data" / "java-twins"


def marks() -> list[tuple[str, int, str, str]]:
    return twin_marks(TWINS)


@pytest.fixture(scope="module")
def twins():
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(TWINS.iterdir()) if p.suffix in (".java", ".properties")}
    return texts, find_candidates(texts)


@pytest.mark.parametrize("file, line, kind, family", marks(), ids=lambda v: str(v))
def test_each_twin_is_flagged_or_left_alone(twins, file, line, kind, family):
    _, cs = twins
    hits = [c.rule for c in cs.candidates if c.file == file and c.family == family and c.line_start <= line <= c.line_end]
    if kind == "vuln":
        assert hits, f"{file}:{line} should be a {family} candidate"
    else:
        assert not hits, f"{file}:{line} is safe but got {hits}"


def test_the_twins_cover_every_java_family_we_claim(twins):
    _, cs = twins
    assert cs.errors == []
    fams = {f for *_, f in marks()}
    assert {"sql-injection", "command-injection", "path-traversal", "xss", "ldap-injection", "xpath-injection",
            "trust-boundary", "weak-crypto", "weak-random", "insecure-cookie"} <= fams
    # every taint rule of java.yml fires on the twins: a rule file Semgrep refused would fire none
    fired = {c.rule for c in cs.candidates}
    for rid in ("java-sql-taint", "java-command-taint", "java-path-from-request", "java-xss-response-writer",
                "java-xss-error-message", "java-ldap-injection", "java-ldap-filter-concat", "java-xpath-injection", "java-trust-boundary",
                "java-weak-random-use", "java-weak-hash-config", "java-weak-cipher-config", "java-weak-hash",
                "java-weak-cipher", "java-cookie-insecure"):
        assert rid in fired, rid


def test_new_families_and_error_message_xss_map_from_their_cwes():
    assert family_of("CWE-90") == "ldap-injection" and family_of("CWE-643") == "xpath-injection"
    assert family_of("CWE-501") == "trust-boundary" and family_of("CWE-81") == "xss"
    rules = builtin_rules()
    assert rules["java-xss-error-message"]["metadata"]["cwe"] == "CWE-81"
    assert rules["java-trust-boundary"]["metadata"]["cwe"] == "CWE-501"


def test_the_algorithm_named_in_configuration_needs_the_properties_file(twins):
    texts, _ = twins
    without = {k: v for k, v in texts.items() if not k.endswith(".properties")}
    cs = find_candidates(without)
    config = {(c.file, c.line_start) for c in cs.candidates if c.rule.endswith("-config")}
    # without app.properties only the weak default of a key no file defines is left
    assert config == {("ConfigCrypto.java", 12)}


def test_properties_are_parsed_the_java_way():
    text = "# comment\n! also a comment\nhashAlg1=MD5\nhashAlg2 : SHA-256\ncryptoAlg1 DES/ECB/PKCS5Padding\n\nempty\n"
    assert parse_properties(text) == {"hashAlg1": "MD5", "hashAlg2": "SHA-256", "cryptoAlg1": "DES/ECB/PKCS5Padding", "empty": ""}
    algs = config_algorithms({"conf/app.properties": text, "notes.txt": "hashAlg3=MD5\n"})
    assert algs.weak_hash_keys == ["hashAlg1"] and algs.weak_cipher_keys == ["cryptoAlg1"]
    assert algs.defined_keys == ["cryptoAlg1", "empty", "hashAlg1", "hashAlg2"]


def test_rule_slots_are_filled_with_escaped_keys_or_a_regex_that_matches_nothing():
    slot = "regex: '^(__WEAK_HASH_KEYS__)$' '^(__WEAK_CIPHER_KEYS__)$' '^(?!(__DEFINED_KEYS__)$)'"
    algs = config_algorithms({"a.properties": "crypto.hash.alg=MD5\n"})
    filled = fill_rule_slots(slot, algs)
    assert "crypto\\.hash\\.alg" in filled and "__" not in filled
    assert filled.count(NEVER) == 1  # no weak cipher key
    assert re.match(r"^(?!)$", "anything") is None
    assert fill_rule_slots("no slots here", algs) == "no slots here"
