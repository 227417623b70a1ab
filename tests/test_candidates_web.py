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

from modernizer.findings.candidates import find_candidates
from modernizer.findings.candidates.jsp_java import SUFFIX, to_java
from modernizer.cli import app
from support.twins import check_twin

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
    "web/nav.jsp": ("""\
<c:import url="${param.u}"/>
<c:import url="/static/help.html"/>
<c:redirect url="${param.next}"/>
<c:redirect url="/home"/>
<jsp:include page="${param.p}"/>
<%@ include file="header.jspf" %>
""", {1: "path-traversal", 3: "open-redirect", 5: "path-traversal"}, {2: "path-traversal", 4: "open-redirect", 6: "path-traversal"}),
    "web/old.inc": ('<p><%= request.getParameter("a") %></p>\n<p><%= Encode.forHtml(request.getParameter("a")) %></p>\n',
                    {1: "xss"}, {2: "xss"}),
    "src/AccountController.cs": ("""\
public class AccountController : Controller {
    public ActionResult Login(string user, int age) {
        var rnd = new Random();
        var cookie = new HttpCookie("remember", rnd.Next().ToString());
        var jitter = rnd.Next(100);
        Thread.Sleep(jitter);
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Session["user"] = Request.QueryString["user"];
        Session["visits"] = 1;
        var s = new DirectorySearcher("(uid=" + Request["u"] + ")");
        var s2 = new DirectorySearcher("(uid=" + Encoder.LdapFilterEncode(Request["u"]) + ")");
        var n = doc.SelectNodes("//user[@name='" + Request.Form["n"] + "']");
        var n2 = doc.SelectNodes("//user[@id='" + int.Parse(Request.Form["n"]) + "']");
        var md5 = System.Security.Cryptography.MD5.Create();
        var sha = new System.Security.Cryptography.SHA256Managed();
        var h = HashAlgorithm.Create("SHA1");
        var h2 = HashAlgorithm.Create("SHA256");
        var c2 = new HttpCookie("x") { Secure = true, HttpOnly = true };
        var c3 = new HttpCookie("y");
        byte[] key = new byte[32];
        new Random().NextBytes(key);
        var aes = new AesGcm(key);
        Response.Write(Request.QueryString["q"]);
        Response.Write(HttpUtility.HtmlEncode(Request.QueryString["q"]));
        var f = File.ReadAllText(Path.Combine("/srv", Request.QueryString["f"]));
        var f2 = File.ReadAllText(Path.Combine("/srv", Path.GetFileName(Request.QueryString["f"])));
        var cmd = new SqlCommand("SELECT * FROM t WHERE n = '" + user + "'", conn);
        var cmd2 = new SqlCommand("SELECT * FROM t WHERE n = @n", conn);
        string q = $"DELETE FROM t WHERE id = {age}";
        cmd2.CommandText = q;
        cmd2.CommandText = $"SELECT 1";
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Parse };
        var strict = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit };
        var html = Razor.Parse(Request.Form["tpl"]);
        var html2 = Razor.Parse("<b>@Model.Name</b>", model);
        var bf = new System.Runtime.Serialization.Formatters.Binary.BinaryFormatter();
        var js = new DataContractJsonSerializer(typeof(Order));
        var p = System.Diagnostics.Process.Start("cmd.exe", "/c " + Request["c"]);
        var p2 = new System.Diagnostics.ProcessStartInfo("git", "status");
        var j2 = new JsonSerializerSettings { TypeNameHandling = Newtonsoft.Json.TypeNameHandling.Auto };
        var j3 = new JsonSerializerSettings { TypeNameHandling = TypeNameHandling.None };
        var r1 = new SqlCommand(Request.Form["sql"]);
        var r2 = new SqlCommand(int.Parse(Request.Form["n"]).ToString());
        var r3 = db.Database.SqlQuery<Order>(user);
        ProcessStartInfo psi = new ProcessStartInfo("git");
        Process.Start(psi);
        return View();
    }
}
""", {4: "weak-random", 8: "trust-boundary", 10: "ldap-injection", 12: "xpath-injection", 14: "weak-crypto", 16: "weak-crypto",
      19: "insecure-cookie", 22: "weak-random", 23: "xss", 25: "path-traversal", 27: "sql-injection", 30: "sql-injection",
      32: "xxe", 34: "code-injection", 36: "deserialization", 38: "command-injection", 40: "deserialization",
      42: "sql-injection", 44: "sql-injection"},
        {5: "weak-random", 6: "weak-random", 7: "weak-random", 9: "trust-boundary", 11: "ldap-injection", 13: "xpath-injection",
         15: "weak-crypto", 17: "weak-crypto", 18: "insecure-cookie", 24: "xss", 26: "path-traversal", 28: "sql-injection",
         31: "sql-injection", 33: "xxe", 35: "code-injection", 37: "deserialization", 39: "command-injection",
         41: "deserialization", 43: "sql-injection", 45: "command-injection", 46: "command-injection"}),
    "templates/page.html": ("""\
<p>{{ name|safe }}</p>
<p>{{ name }}</p>
<a href="{{ next }}">go</a>
<a href="{{ url_for('home') }}">home</a>
<script>var user = {{ user_json }};</script>
<script>var user = {{ user|tojson }};</script>
<input value={{ q }}>
<input value="{{ q }}">
<p th:utext="${msg}">x</p>
<p th:text="${msg}">x</p>
<p th:text="__${param.lang}__">x</p>
""", {1: "xss", 3: "xss", 5: "xss", 7: "xss", 9: "xss", 11: "code-injection"},
        {2: "xss", 4: "xss", 6: "xss", 8: "xss", 10: "xss"}),
    "templates/list.twig": ("{{ comment.body|raw }}\n{{ comment.body }}\n", {1: "xss"}, {2: "xss"}),
    "templates/page.tpl": ("<p>{$smarty.get.q}</p>\n<p>{$smarty.get.q|escape}</p>\n<p>{$title nofilter}</p>\n<p>{$title}</p>\n",
                           {1: "xss", 3: "xss"}, {2: "xss", 4: "xss"}),
    "templates/mail.vm": ('Hello $request.getParameter("name")\nHello $esc.html($request.getParameter("name"))\n'
                          '#evaluate($body)\n#evaluate("static")\n', {1: "xss", 3: "code-injection"}, {2: "xss", 4: "code-injection"}),
    "templates/page.ftl": ("<p>${RequestParameters.q}</p>\n<p>${RequestParameters.q?html}</p>\n<#assign t = body?interpret>\n"
                           '<#assign t = "x"?upper_case>\n', {1: "xss", 3: "code-injection"}, {2: "xss", 4: "code-injection"}),
    "views/show.html.erb": ('<%== @post.body %>\n<%= @post.body %>\n<%= render file: "/tmp/#{params[:f]}" %>\n'
                            '<%= render partial: "form" %>\n', {1: "xss", 3: "path-traversal"}, {2: "xss", 4: "path-traversal"}),
    "web/ssti.php": ("<?php\n$tpl = $twig->createTemplate($_GET['t']);\n$tpl = $twig->createTemplate(\"Hello {{ name }}\");\n",
                     {2: "code-injection"}, {3: "code-injection"}),
    "web/ssti.js": ("""\
app.get('/t', (req, res) => {
  res.send(ejs.render(req.query.t, {}));
  res.send(ejs.render("<b><%= name %></b>", { name: req.query.n }));
});
""", {2: "code-injection"}, {3: "code-injection"}),
    "app/render.py": ("""\
import jinja2
from jinja2 import Environment, select_autoescape
env = jinja2.Environment(loader=jinja2.FileSystemLoader("t"))
safe_env = jinja2.Environment(loader=jinja2.FileSystemLoader("t"), autoescape=select_autoescape())
raw = Environment(autoescape=False)
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "OPTIONS": {"autoescape": False}}]
OK = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "OPTIONS": {"debug": False}}]
""", {3: "xss", 5: "xss", 6: "xss"}, {4: "xss", 7: "xss"}),
    "web/engine.js": ("""\
const page = Handlebars.compile(src, { noEscape: true });
const page2 = Handlebars.compile(src, { strict: true });
nunjucks.configure('views', { autoescape: false });
nunjucks.configure('views', { autoescape: true });
""", {1: "xss", 3: "xss"}, {2: "xss", 4: "xss"}),
    "web/engine.php": ("""\
<?php
$twig = new \\Twig\\Environment($loader, ['autoescape' => false]);
$twig2 = new \\Twig\\Environment($loader, ['cache' => '/tmp']);
$smarty->escape_html = false;
$smarty->escape_html = true;
""", {2: "xss", 4: "xss"}, {3: "xss", 5: "xss"}),
    "src/Ssti.java": ("""\
class Ssti {
  void h(HttpServletRequest request, Writer w, VelocityContext ctx) {
    Velocity.evaluate(ctx, w, "t", request.getParameter("tpl"));
    Velocity.evaluate(ctx, w, "t", "Hello $name");
  }
}
""", {3: "code-injection"}, {4: "code-injection"}),
}


@pytest.fixture(scope="module")
def scanned():
    return find_candidates({path: text for path, (text, _, _) in TWINS.items()})


@pytest.mark.parametrize("path", sorted(TWINS))
def test_each_rule_flags_its_vulnerable_line_and_not_its_safe_twin(scanned, path):
    _, must, must_not = TWINS[path]
    check_twin(scanned, path, must, must_not)


def test_a_pages_java_twin_keeps_its_lines_and_is_never_reported(scanned):
    page = TWINS["web/search.jsp"][0]
    java = to_java(page)
    assert java.count("\n") == page.count("\n")
    assert "out.print( shown );" in java.split("\n")[5] and "import java.sql.*;" in java.split("\n")[0]
    assert 'request.getRequestDispatcher( q );' in java.split("\n")[17]  # an action's attribute is not output
    assert not any(c.file.endswith(SUFFIX) for c in scanned.candidates)
    assert scanned.files_scanned == len(TWINS)
    jspx = to_java('<jsp:scriptlet>String a = request.getParameter("a"); if (a.length() &lt; 3) {}</jsp:scriptlet>\n'
                   "<jsp:expression>a</jsp:expression>\n")
    assert 'if (a.length() < 3) {}' in jspx and jspx.split("\n")[1] == "out.print(a);"  # the XML syntax (.jspx) too
    xss = next(c for c in scanned.candidates if c.file == "web/search.jsp" and c.line_start == 6)
    assert xss.snippet == "<p>You searched <%= shown %></p>"  # the page's text, not the twin's


def test_pages_and_templates_through_the_cli(tmp_path):
    """A real git tree: the JSP flow is reported on the page, every template kind we read is scanned,
    the Java twin appears nowhere and nothing is written into the analysed tree."""
    import subprocess

    tree = tmp_path / "shop"
    files = {
        "web/search.jsp": '<%\n  String q = request.getParameter("q");\n%>\n<p><%= q %></p>\n',
        "templates/a.twig": "{{ body|raw }}\n",
        "templates/a.tpl": "<p>{$smarty.get.q}</p>\n",
        "templates/a.vm": 'Hello $request.getParameter("n")\n',
        "templates/a.ftl": "<p>${RequestParameters.q}</p>\n",
    }
    for rel, text in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)
    git = ["git", "-C", str(tree), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "shop"], check=True)
    res = runner.invoke(app, ["analyze", str(tree), "--no-llm", "--candidates", "-o", str(tmp_path / "out"), "-f", "json"])
    assert res.exit_code == 0, res.output
    raw = next((tmp_path / "out").glob("*.json")).read_text()
    items = json.loads(raw)["candidates"]["items"]
    assert {(c["file"], c["line_start"], c["family"]) for c in items} == {
        ("web/search.jsp", 4, "xss"), ("templates/a.twig", 1, "xss"), ("templates/a.tpl", 1, "xss"),
        ("templates/a.vm", 1, "xss"), ("templates/a.ftl", 1, "xss")}
    assert next(c for c in items if c["file"] == "web/search.jsp")["snippet"] == "<p><%= q %></p>"
    assert SUFFIX not in raw
    status = subprocess.run([*git, "status", "--porcelain", "--ignored"], capture_output=True, text=True, check=True)
    assert status.stdout == ""


def test_a_page_whose_scriptlets_are_not_java_is_said_of_the_page_and_keeps_what_parses():
    """Scriptlets are fragments: an unclosed block or a broken expression makes the twin partly invalid
    Java. Semgrep keeps what it parsed; the error names the page, its line and why, never the twin."""
    page = '<%@ page import="java.util.*" %>\n<% if (x) { %>\n<p><%= request.getParameter("a") %></p>\n<%= ))) %>\n'
    cs = find_candidates({"web/broken.jsp": page})
    assert [(c.file, c.line_start, c.family) for c in cs.candidates] == [("web/broken.jsp", 3, "xss")]
    assert [p.file for p in cs.problems] == ["web/broken.jsp"] and cs.files_scanned == 1
    assert all(SUFFIX not in e and "web/broken.jsp:4" in e and "read as Java" in e for e in cs.errors), cs.errors
    assert SUFFIX not in cs.problems[0].message
