"""Issue 19 for JSP pages, C# and server-side templates: a page's scriptlets judged as Java (its Java twin,
candidates/jsp_java.py), EL and tag switches, C# taint rules (request data to SQL, commands, paths,
LDAP, XPath, the session, the page), weak randomness by use, both spellings of the crypto types, and
the template engines' raw-output switches and templates built from request data.

Each rule has a vulnerable line and a safe twin; one real Semgrep scan covers them all. The code is
ours, written for these tests (the shapes are those of the public corpora in bench/labelled_web.py,
none of whose files is copied)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from modernizer.candidates import find_candidates
from modernizer.candidates.jsp_java import SUFFIX, to_java
from modernizer.cli import app

runner = CliRunner()

# path -> (text, {line: family a candidate must have}, {line: family no candidate may have})
TWINS = {
    "web/search.jsp": ("""\
<%@ page import="java.sql.*, java.util.*" %>
<%
  String q = request.getParameter("q");
  String shown = q;
%>
<p>You searched <%= shown %></p>
<p>You searched <%= org.owasp.encoder.Encode.forHtml(shown) %></p>
<%
  Statement st = conn.createStatement();
  st.executeQuery("SELECT * FROM t WHERE n = '" + q + "'");
  st.executeQuery("SELECT count(*) FROM t");
  session.setAttribute("who", q);
  session.setAttribute("seen", "yes");
  Runtime.getRuntime().exec("ping " + q);
  Runtime.getRuntime().exec("uptime");
  response.sendRedirect(q);
%>
<jsp:include page="<%= q %>" />
<jsp:include page="/footer.jsp" />
<a href="?lang=${param.lang}">x</a>
<c:out value="${param.lang}"/>
<c:out value="${param.lang}" escapeXml="false"/>
<c:if test="${param.lang != null}">ok</c:if>
<%= request.getAttribute("msg") %>
<%= (Long) request.getAttribute("count") %>
<spring:eval expression="${param.e}" var="r"/>
<spring:eval expression="param.e" var="r"/>
<x:transform xml="${doc}" xslt="${param.x}"/>
<%! String suffix(String s) { return s + "!"; } %>
<%= suffix("fixed") %>
""", {6: "xss", 10: "sql-injection", 12: "trust-boundary", 14: "command-injection", 16: "open-redirect",
      18: "path-traversal", 20: "xss", 22: "xss", 24: "xss", 26: "code-injection", 28: "code-injection"},
        {7: "xss", 11: "sql-injection", 13: "trust-boundary", 15: "command-injection", 18: "xss", 19: "path-traversal",
         21: "xss", 23: "xss", 25: "xss", 27: "code-injection", 30: "xss"}),
}


@pytest.fixture(scope="module")
def scanned():
    return find_candidates({path: text for path, (text, _, _) in TWINS.items()})


@pytest.mark.parametrize("path", sorted(TWINS))
def test_each_rule_flags_its_vulnerable_line_and_not_its_safe_twin(scanned, path):
    _, must, must_not = TWINS[path]
    found = {(c.line_start, c.family) for c in scanned.candidates if c.file == path}
    assert not scanned.errors, scanned.errors
    missing = {(line, fam) for line, fam in must.items() if (line, fam) not in found}
    assert not missing, f"no candidate for {sorted(missing)} in {path}; found {sorted(found)}"
    wrong = {(line, fam) for line, fam in must_not.items() if (line, fam) in found}
    assert not wrong, f"a safe twin is a candidate: {sorted(wrong)} in {path}"


def test_a_pages_java_twin_keeps_its_lines_and_is_never_reported(scanned):
    page = TWINS["web/search.jsp"][0]
    java = to_java(page)
    assert java.count("\n") == page.count("\n")
    assert "out.print( shown );" in java.split("\n")[5] and "import java.sql.*;" in java.split("\n")[0]
    assert 'request.getRequestDispatcher( q );' in java.split("\n")[17]  # an action's attribute is not output
    assert not any(c.file.endswith(SUFFIX) for c in scanned.candidates)
    assert scanned.files_scanned == len(TWINS)
    xss = next(c for c in scanned.candidates if c.file == "web/search.jsp" and c.line_start == 6)
    assert xss.snippet == "<p>You searched <%= shown %></p>"  # the page's text, not the twin's
