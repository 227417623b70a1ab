"""Fingerprints: what a finding is across runs. Same kind of problem, same file, same enclosing
symbol, same code: same fingerprint, wherever the lines moved and however the model worded it."""

from __future__ import annotations

from conftest import HOTEL
from modernizer.repo.ingest import load_snapshot
from modernizer.findings.identity import fingerprint, kind_fingerprint
from modernizer.repo.symbols import enclosing_symbol
from support.labelled import EXPECTED, labelled_report, pipeline_result, security_findings

ROOM_DAO = "src/main/java/com/grandhotel/dao/RoomDao.java"


def by_file_and_kind(report):
    return {(f.file, f.category, f.snippet): f for f in report.findings}


def test_enclosing_symbols_on_the_hotel_sample():
    def sym(path, line):
        text = (HOTEL / path).read_text(encoding="utf-8")
        return enclosing_symbol(text, load_snapshot(HOTEL).file(path).language, line)

    assert sym(ROOM_DAO, 38) == "RoomDao.findAvailable"
    assert sym("src/main/java/com/grandhotel/util/DBUtil.java", 26) == "DBUtil"          # a field
    assert sym("src/main/java/com/grandhotel/util/DBUtil.java", 59) == "DBUtil.finalize"
    assert sym("db/procs.sql", 20) == "sp_search_bookings"
    assert sym("src/main/webapp/results.jsp", 10) == ""


def test_symbols_in_other_languages():
    python = "import os\n\nclass Cart:\n    def total(self):\n        q = '''\nselect 1\n'''\n        return q\n\n    x = 1\n\ndef free():\n    pass\n"
    assert [enclosing_symbol(python, "python", n) for n in (1, 4, 6, 8, 10, 13)] == \
        ["", "Cart.total", "Cart.total", "Cart.total", "Cart", "free"]
    js = ("const api = {\n  load: function (id) {\n    return fetch('/x/{' + id);\n  },\n};\n"
          "class View extends Base {\n  render() {\n    el.innerHTML = html;\n  }\n}\n"
          "const onClick = (e) => {\n  go(e);\n};\n")
    assert [enclosing_symbol(js, "javascript", n) for n in (3, 5, 8, 10, 12)] == \
        ["load", "", "View.render", "View", "onClick"]  # a closing brace belongs to what it closes
    csharp = ("namespace Shop\n{\n    public class OrderService\n    {\n        public void Save(Order o)\n        {\n"
              "            var sql = \"DELETE {\" + o.Id;\n        }\n    }\n}\n")
    assert enclosing_symbol(csharp, "csharp", 7) == "OrderService.Save"
    php = "<?php\nclass Login {\n  public function check($u) {\n    $q = \"SELECT * FROM u WHERE n='$u'\";\n  }\n}\n"
    assert enclosing_symbol(php, "php", 4) == "Login.check"


def test_fingerprint_ignores_prose_lines_and_whitespace_but_not_code_category_file_or_symbol():
    fp = fingerprint("sql-injection", "a/B.java", 'q = "SELECT " + x;', "B.find")
    assert fp == fingerprint("SQL Injection", "a/B.java", '  q  =  "select " +\n x; ', "B.find")
    assert fp != fingerprint("xss", "a/B.java", 'q = "SELECT " + x;', "B.find")
    assert fp != fingerprint("sql-injection", "a/C.java", 'q = "SELECT " + x;', "B.find")
    assert fp != fingerprint("sql-injection", "a/B.java", 'q = "SELECT " + x;', "B.other")
    assert fp != fingerprint("sql-injection", "a/B.java", 'q = "SELECT * " + x;', "B.find")  # literal contents count
    # secrets are redacted before hashing: the fingerprint does not carry, nor depend on, the value
    assert fingerprint("hardcoded-credentials", "x.properties", "db.password=hunter2hunter2") == \
        fingerprint("hardcoded-credentials", "x.properties", "db.password=rotated-0ne!")


def test_sarifs_fingerprint_keys_on_the_kind_not_the_category_wording():
    """SARIF's fingerprint (modernizer/v2) hashes the stable kind (a CWE or our own rule) where the
    report's hashes the category: the same code under xss, xss-reflected or Cross Site Scripting
    is one alert. It hashes the quote as the report keeps it, so a copied line number and the two
    characters a redaction keeps do not count."""
    fp = kind_fingerprint("CWE-79", "web/a.jsp", "<%= request.getParameter(\"q\") %>", "")
    assert fp == kind_fingerprint("CWE-79", "web/a.jsp", "12| <%=  request.getParameter(\"q\")\n %>", "")
    assert fp != kind_fingerprint("CWE-80", "web/a.jsp", "<%= request.getParameter(\"q\") %>", "")
    assert fp != kind_fingerprint("CWE-79", "web/b.jsp", "<%= request.getParameter(\"q\") %>", "")
    assert fp != kind_fingerprint("CWE-79", "web/a.jsp", "<%= request.getParameter(\"q\") %>", "Page.render")
    assert fp != kind_fingerprint("CWE-79", "web/a.jsp", "<%= request.getParameter(\"p\") %>", "")
    # a report keeps two characters of a long secret; a rotated one hashes alike
    assert kind_fingerprint("CWE-798", "a/Db.java", "getConnection(url, user, hu«redacted»)") == \
        kind_fingerprint("CWE-798", "a/Db.java", "getConnection(url, user, ro«redacted»)")
    # the report's own fingerprint is unchanged (suppressions and baselines match it): it keeps the category
    assert fingerprint("xss", "web/a.jsp", "<%= x %>") != fingerprint("xss-reflected", "web/a.jsp", "<%= x %>")


def test_every_labelled_finding_is_verified_with_a_distinct_fingerprint():
    report = labelled_report(HOTEL)
    assert len(report.findings) == len(EXPECTED["vulnerabilities"]) + len(EXPECTED["deprecated_apis"])
    assert {f.grounding.status for f in report.findings} == {"verified"}
    assert len({f.fingerprint for f in report.findings}) == len(report.findings)
    v1 = next(f for f in report.findings if f.file == ROOM_DAO and f.category == "sql-injection")
    assert v1.symbol == "RoomDao.findAvailable"


def test_fingerprints_survive_line_moves_rewording_and_a_different_quote_of_the_same_line(hotel_copy):
    before = labelled_report(hotel_copy)
    # move code: 7 lines inserted at the top of RoomDao.java shift every finding in it
    path = hotel_copy / ROOM_DAO
    text = path.read_text(encoding="utf-8")
    path.write_text("// moved\n" * 7 + text, encoding="utf-8")
    findings = security_findings(retitle="Reworded: ")
    for f in findings:
        f["reason"] = "The model explains it differently this time."
        if f["file"] == ROOM_DAO:
            f["line_start"] += 7
            f["line_end"] += 7
            f["snippet"] = "String sql = \"SELECT r.* FROM rooms r WHERE r.room_type = '\" + roomType"  # more of the same line
    after = labelled_report(hotel_copy, pipeline_result(security=findings))
    assert {f.fingerprint for f in after.findings} == {f.fingerprint for f in before.findings}
    moved = next(f for f in after.findings if f.file == ROOM_DAO and f.category == "sql-injection")
    assert moved.line_start == 45 and moved.title.startswith("Reworded")
