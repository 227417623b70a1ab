"""Computed candidates: a static pass (Semgrep OSS with modernizer's own rules, no model) that lists the
sites per CWE family worth a look. The caller reads and filters the files; the pass gets their texts.

    from modernizer.findings.candidates import find_candidates, family_of
    cs = find_candidates({"src/Dao.java": text, ...})          # repo-relative path -> text
    cs.candidates[0]  # Candidate(rule="java-sql-concat", family="sql-injection", cwe="CWE-89", file=..., line_start=...)

Each semgrep run costs a few seconds of start-up, so each tree is scanned once per module."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import HOTEL, SAMPLES
from modernizer.findings.candidates import (
    FAMILIES,
    CandidatesUnavailable,
    builtin_rules,
    family_of,
    find_candidates,
)
from modernizer.findings.candidates.engine import SNIPPET_LINES
from modernizer.errors import InputError

PYSHOP = SAMPLES / "legacy-pyshop"
MINI = Path(__file__).parent / "data" / "owasp-mini"


def read_repo(root: Path) -> dict[str, str]:
    """What the caller hands over: every text file of the repo, by repo-relative posix path, minus the labels."""
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "EXPECTED.json"}


def near(c, file: str, family: str, start: int, end: int) -> bool:
    return c.file == file and c.family == family and c.line_start <= end + 5 and c.line_end >= start - 5


def misses(cs, root: Path) -> list[str]:
    """The labelled vulnerabilities that no candidate of their family reaches (same file, within 5 lines)."""
    out = []
    for v in json.loads((root / "EXPECTED.json").read_text())["vulnerabilities"]:
        fam = family_of(v["cwe"])
        if not any(near(c, v["file"], fam, v["line_start"], v["line_end"]) for c in cs.candidates):
            out.append(f"{v['id']} {v['cwe']} ({fam}) {v['file']}:{v['line_start']}")
    return out


@pytest.fixture(scope="module")
def hotel():
    texts = read_repo(HOTEL)
    return texts, find_candidates(texts)


@pytest.fixture(scope="module")
def pyshop():
    texts = read_repo(PYSHOP)
    return texts, find_candidates(texts)


# ---------------------------------------------------------------------------------------------
# Recall on our labelled samples (a floor: the samples are ours)


def test_every_labelled_vulnerability_of_the_hotel_sample_has_a_candidate(hotel):
    texts, cs = hotel
    assert misses(cs, HOTEL) == []
    assert cs.engine == "semgrep" and cs.engine_version and cs.rules == len(builtin_rules())
    assert cs.files_scanned == len(texts)  # JSP, properties, XML and SQL too, not only Java
    assert cs.errors == []


def test_every_labelled_vulnerability_of_the_python2_sample_has_a_candidate(pyshop):
    texts, cs = pyshop
    assert misses(cs, PYSHOP) == []  # Python 2 code (print statements, "except X, e") that Python 3 cannot parse
    assert cs.errors == []


@pytest.mark.parametrize("sample", ["hotel", "pyshop"])
def test_candidates_are_facts_from_the_code(sample, request):
    texts, cs = request.getfixturevalue(sample)
    assert cs.candidates
    keys = [(c.file, c.line_start, c.rule, c.line_end) for c in cs.candidates]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)  # deterministic order, no duplicates
    for c in cs.candidates:
        lines = texts[c.file].split("\n")
        assert 1 <= c.line_start <= c.line_end <= len(lines), c
        assert c.snippet == "\n".join(lines[c.line_start - 1: min(c.line_end, c.line_start - 1 + SNIPPET_LINES)])
        assert c.snippet.strip(), c
        assert c.family in FAMILIES and family_of(c.cwe) == c.family and c.cwe.startswith("CWE-")
        assert c.rule in builtin_rules()
        assert c.message and "\n" not in c.message


# ---------------------------------------------------------------------------------------------
# Precision, broken files, user rules: one scan of a small mixed tree

CLEAN_JAVA = """\
import java.sql.*;
class UserLookup {
    User find(Connection con, String name) throws SQLException {
        PreparedStatement ps = con.prepareStatement("SELECT * FROM users WHERE name = ?");
        ps.setString(1, name);
        ResultSet rs = ps.executeQuery();
        String all = "SELECT id " + "FROM users";
        con.createStatement().executeQuery(all);
        return map(rs);
    }
}
"""
CLEAN_PY = """\
def find_user(cursor, name):
    cursor.execute("SELECT * FROM users WHERE name = %s", (name,))
    return cursor.fetchone()
"""
VULNERABLE_PY = """\
def find_user(cursor, name):
    cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)
    return cursor.fetchone()
"""
# One vulnerable line and one safe twin per language: (text, {line: family expected}, lines that must have none)
LANGS = {
    "web/routes.js": ("""\
const { exec } = require('child_process');
app.get('/run', (req, res) => {
  exec("ls " + req.query.dir);
  exec("uptime");
  db.query("SELECT * FROM users WHERE id = ?", [req.query.id]);
  res.redirect(req.query.next);
});
""", {3: "command-injection", 6: "open-redirect"}, [4, 5]),
    "web/token.ts": ("""\
export function makeToken(): string {
  return Math.random().toString(36);
}
const apiKey: string = "sk_live_0123456789";
""", {2: "weak-random", 4: "hardcoded-credentials"}, []),
    "web/page.php": ("""\
<?php
$r = mysql_query("SELECT * FROM users WHERE id = " . $_GET['id']);
$s = mysql_query("SELECT * FROM users");
echo "Hello " . $_GET['name'];
echo htmlspecialchars($_GET['name']);
$data = unserialize($_COOKIE['prefs']);
""", {2: "sql-injection", 4: "xss", 6: "deserialization"}, [3, 5]),
    "src/ReportsController.cs": ("""\
public class ReportsController : Controller {
    public ActionResult Find(string name) {
        var cmd = new SqlCommand("SELECT * FROM Users WHERE Name = '" + name + "'", conn);
        var ok = new SqlCommand("SELECT * FROM Users WHERE Name = @name", conn);
        var bf = new BinaryFormatter();
        var md5 = MD5.Create();
        return View();
    }
}
""", {3: "sql-injection", 5: "deserialization", 6: "weak-crypto"}, [4]),
    "web/hello.jsp": ("""\
<p>Hello <%= request.getParameter("name") %></p>
<p>Hello <%= org.owasp.encoder.Encode.forHtml(request.getParameter("name")) %></p>
""", {1: "xss"}, [2]),
}
BROKEN_JAVA = "class Broken {\n  void f( {\n    Runtime.getRuntime().exec(cmd);\n  }}}} ((( \n"
BROKEN_PY = "def f(:\n    eval(x)\n"
USER_RULE = """\
rules:
  - id: acme-legacy-cipher
    languages: [python]
    severity: WARNING
    message: AcmeCrypt is our retired in-house cipher
    metadata: {cwe: "CWE-327"}
    pattern: acmecrypt.encrypt(...)
"""


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    rules = tmp_path_factory.mktemp("rules") / "acme.yml"
    rules.write_text(USER_RULE)
    texts = {"src/UserLookup.java": CLEAN_JAVA, "app/clean.py": CLEAN_PY, "app/vulnerable.py": VULNERABLE_PY,
             "src/Broken.java": BROKEN_JAVA, "app/broken.py": BROKEN_PY,
             "app/vault.py": "import acmecrypt\ntoken = acmecrypt.encrypt(secret)\n",
             **{path: text for path, (text, _, _) in LANGS.items()}}
    return texts, find_candidates(texts, extra_rules=[rules])


def test_parameterised_queries_give_no_sql_candidate_and_concatenated_ones_do(mixed):
    _, cs = mixed
    sql = {(c.file, c.line_start) for c in cs.candidates if c.family == "sql-injection"}
    assert sql == {("app/vulnerable.py", 2), ("web/page.php", 2), ("src/ReportsController.cs", 3)}


@pytest.mark.parametrize("path", sorted(LANGS))
def test_each_language_gets_its_sinks_and_not_their_safe_twins(mixed, path):
    _, cs = mixed
    _, expected, clean = LANGS[path]
    found = {(c.line_start, c.family) for c in cs.candidates if c.file == path}
    assert set(expected.items()) <= found
    assert not [f for f in found if f[0] in clean]


def test_a_file_the_engine_cannot_parse_is_an_error_entry_not_a_crash(mixed):
    texts, cs = mixed
    assert any(e.startswith("src/Broken.java:") for e in cs.errors), cs.errors
    assert cs.files_scanned == len(texts)
    assert ("src/Broken.java", 3) in {(c.file, c.line_start) for c in cs.candidates}  # what parsed is still matched


def test_a_users_rule_file_adds_its_candidates(mixed):
    _, cs = mixed
    [c] = [c for c in cs.candidates if c.rule == "acme-legacy-cipher"]
    assert (c.file, c.line_start, c.family, c.cwe) == ("app/vault.py", 2, "weak-crypto", "CWE-327")
    assert c.snippet == "token = acmecrypt.encrypt(secret)"
    assert cs.rules == len(builtin_rules()) + 1


@pytest.mark.parametrize("text, says", [
    ("rules: [\n  - id: x\n", "not valid YAML"),
    ("something: else\n", "no 'rules' list"),
    ("rules:\n  - id: no-cwe\n    languages: [python]\n    severity: INFO\n    message: m\n    pattern: eval(...)\n", "no metadata.cwe"),
    ("rules:\n  - id: java-sql-concat\n    languages: [java]\n    severity: INFO\n    message: m\n"
     "    metadata: {cwe: CWE-89}\n    pattern: f(...)\n", "already used"),
])
def test_an_invalid_extra_rules_file_is_an_input_error(tmp_path, text, says):
    bad = tmp_path / "bad.yml"
    bad.write_text(text)
    with pytest.raises(InputError, match=says):
        find_candidates({"a.py": "x = 1\n"}, extra_rules=[bad])
    with pytest.raises(InputError, match="does not exist"):
        find_candidates({"a.py": "x = 1\n"}, extra_rules=[tmp_path / "missing.yml"])


def test_a_rule_the_engine_rejects_is_an_input_error_naming_the_rule(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("rules:\n  - id: broken-pattern\n    languages: [python]\n    severity: INFO\n    message: m\n"
                   "    metadata: {cwe: CWE-95}\n    pattern: eval(\n")
    with pytest.raises(InputError, match="broken-pattern"):
        find_candidates({"a.py": "eval(x)\n"}, extra_rules=[bad])


# ---------------------------------------------------------------------------------------------
# The analysed repo is untrusted: its semgrep/git files change nothing


def test_semgrep_and_git_files_the_repo_ships_change_nothing(pyshop):
    texts, baseline = pyshop
    hostile = dict(texts)
    hostile.update({
        ".semgrepignore": "*.py\n*.sql\n",                    # would hide every file
        "templates/.semgrepignore": "*\n",
        ".semgrep.yml": "rules:\n  - id: planted\n    languages: [python]\n    severity: ERROR\n"
                        "    message: planted\n    pattern: $X\n",
        ".semgrep/planted.yml": "rules: []\n",
        ".gitignore": "*.py\n",
        ".git/config": "[core]\n\tfsmonitor = touch /tmp/pwned-by-candidates\n",
        # semgrep's default ignore list would skip tests/; a nosemgrep comment would hide the site
        "tests/test_shell.py": "import os\ndef wipe(path):\n    os.system('rm -rf ' + path)  # nosemgrep\n",
    })
    cs = find_candidates(hostile)
    key = lambda c: (c.rule, c.file, c.line_start, c.line_end)  # noqa: E731
    assert {key(c) for c in cs.candidates if c.file != "tests/test_shell.py"} == {key(c) for c in baseline.candidates}
    assert [(c.rule, c.line_start) for c in cs.candidates if c.file == "tests/test_shell.py"] == [("py-command-injection", 3)]
    assert not any(c.rule == "planted" for c in cs.candidates)
    assert not Path("/tmp/pwned-by-candidates").exists()


# ---------------------------------------------------------------------------------------------
# The OWASP-format corpus: its vulnerable tests get candidates, its safe twins none


def test_the_owasp_mini_corpus_gets_candidates_for_its_vulnerable_tests_only():
    texts = read_repo(MINI)
    cs = find_candidates(texts)
    with open(MINI / "expectedresults-mini.csv") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    for name, _category, real, cwe in rows:
        file = f"src/main/java/org/owasp/benchmark/testcode/{name}.java"
        found = [c for c in cs.candidates if c.file == file and c.family == family_of(cwe)]
        assert bool(found) == (real == "true"), (name, cwe, found)


# ---------------------------------------------------------------------------------------------
# Families and the engine as a whole


def test_families_map_cwes_both_ways():
    assert family_of("CWE-89") == family_of("89") == "sql-injection"
    assert family_of("cwe-079") == "xss"
    assert family_of("CWE-1392") == "hardcoded-credentials"
    assert family_of("CWE-312") == "cleartext-storage" and family_of("CWE-209") == "information-exposure"
    assert family_of("CWE-99999") is None and family_of("n/a") is None
    every = [c for cwes in FAMILIES.values() for c in cwes]
    assert len(every) == len(set(every))  # a CWE is in one family only
    for fam in ("sql-injection", "command-injection", "path-traversal", "xxe", "deserialization", "code-injection",
                "xss", "open-redirect", "weak-crypto", "weak-random", "hardcoded-credentials", "sensitive-logging",
                "missing-authorization"):
        assert any(family_of(r["metadata"]["cwe"]) == fam for r in builtin_rules().values()), fam


def test_a_missing_engine_is_candidates_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv("MODERNIZER_SEMGREP", str(tmp_path / "no-semgrep-here"))
    with pytest.raises(CandidatesUnavailable, match="semgrep"):
        find_candidates({"a.py": "x = 1\n"})
