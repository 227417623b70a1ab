"""JSP pages seen as Java, so that the Java taint rules and the flow evaluator judge their scriptlets.

Semgrep has no JSP grammar, and regex rules see one line, not a flow: ``String s = request.getParameter("q");``
in one scriptlet and ``<%= s %>`` three lines on is a flow no regex follows, while ``<%= escapeHtml(s) %>``
is none. So each JSP page is also handed to Semgrep as a Java file (``page.jsp`` -> ``page.jsp._jsp_.java``,
written only into the engine's private temporary tree) in which

* scriptlets (``<% %>``, ``<jsp:scriptlet>``) are kept as they are, declarations (``<%! %>``,
  ``<jsp:declaration>``) become class members, ``<%@ page import %>`` become imports;
* an expression written into the page (``<%= e %>``, ``<jsp:expression>``) becomes ``out.print(e);``
  where ``out`` is the response's writer (the Java XSS rule's sink); one in an attribute of an action
  or custom tag (``<jsp:include page="<%= e %>">``, ``<c:out value="<%= e %>">``) is not output:
  ``_jspAttribute(e);``, and ``<jsp:include|forward page="<%= e %>">`` is ``request.getRequestDispatcher(e);``;
* everything else (HTML, EL, tags, comments) is blanked to spaces, newlines kept: every line of the
  Java is the line of the page, so a candidate found in it is reported on the page at the same line
  (``map_back``). The implicit objects (request, response, session, out...) are declared on line 1.

EL and tag switches (``${param.x}`` outside ``<c:out>``, ``escapeXml="false"``) stay regex rules (rules/jsp.yml).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from modernizer.findings.candidates.model import Candidate, CandidateSet, FileProblem

SUFFIX = "._jsp_.java"
JSP_EXTENSIONS = (".jsp", ".jspf", ".jspx", ".tag")

_HEAD = ("class _JspPage {{ void _jspService(javax.servlet.http.HttpServletRequest request, "
         "javax.servlet.http.HttpServletResponse response) throws Exception {{ {locals} ")
_LOCALS = ("javax.servlet.http.HttpSession session = request.getSession(); javax.servlet.ServletContext application = null; "
           "javax.servlet.jsp.PageContext pageContext = null; java.io.PrintWriter out = response.getWriter(); ")
_DECL_OPEN = " void _jspDeclared{n}(javax.servlet.http.HttpServletRequest request, javax.servlet.http.HttpServletResponse response) throws Exception {{ {locals}"

# one JSP element: comment, directive, declaration, expression, scriptlet (both syntaxes)
_ELEMENT = re.compile(
    r"<%--.*?--%>"
    r"|<%@(?P<directive>.*?)%>"
    r"|<%!(?P<decl>.*?)%>"
    r"|<%=(?P<expr>.*?)%>"
    r"|<%(?P<code>.*?)%>"
    r"|<jsp:declaration>(?P<xdecl>.*?)</jsp:declaration>"
    r"|<jsp:expression>(?P<xexpr>.*?)</jsp:expression>"
    r"|<jsp:scriptlet>(?P<xcode>.*?)</jsp:scriptlet>",
    re.DOTALL)
_IMPORT = re.compile(r"""\bimport\s*=\s*["']([^"']*)["']""")
_SCRIPTLETS = re.compile(r"<%.*?%>", re.DOTALL)
_OPEN_TAG = re.compile(r"<([A-Za-z][\w.-]*(?::[\w.-]+)?)\b[^<>]*$")
_CDATA = re.compile(r"<!\[CDATA\[|\]\]>")


def is_jsp(path: str) -> bool:
    return path.lower().endswith(JSP_EXTENSIONS)


def _blank(s: str) -> str:
    """The text as spaces, its line ends kept (so that every line keeps its number)."""
    return re.sub(r"[^\n]", " ", s)


def _tag_around(text: str, pos: int) -> str | None:
    """The name of the tag whose attributes ``pos`` lies in (``jsp:include``, ``a``), or None in text."""
    window = _SCRIPTLETS.sub(lambda m: _blank(m.group(0)), text[max(0, pos - 4000):pos])
    m = _OPEN_TAG.search(window)
    return m.group(1) if m else None


def _unescape_xml(code: str) -> str:
    """The Java of a JSP document's (.jspx) scripting element: CDATA markers gone, entities decoded."""
    return _CDATA.sub("", code).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def to_java(text: str) -> str:
    """The page as a Java compilation unit with the page's line numbers (see the module docstring)."""
    out: list[str] = []
    imports: list[str] = []
    declared = 0
    pos = 0
    for m in _ELEMENT.finditer(text):
        out.append(_blank(text[pos:m.start()]))
        pos = m.end()
        whole = m.group(0)
        if m.group("directive") is not None:
            d = m.group("directive")
            if re.match(r"\s*page\b", d):
                for imp in _IMPORT.findall(d):
                    imports += [i.strip() for i in imp.split(",") if re.fullmatch(r"(?:static\s+)?[\w.]+(?:\.\*)?", i.strip())]
            out.append(_blank(whole))
            continue
        decl = m.group("decl") if m.group("decl") is not None else m.group("xdecl")
        expr = m.group("expr") if m.group("expr") is not None else m.group("xexpr")
        code = m.group("code") if m.group("code") is not None else m.group("xcode")
        if decl is not None:
            declared += 1
            body = decl if m.group("decl") is not None else _unescape_xml(decl)
            # the service method closes, the members follow, a new method takes the page's code after them
            out.append(" } " + body + _DECL_OPEN.format(n=declared, locals=_LOCALS))
            continue
        if expr is not None:
            e = _unescape_xml(expr) if m.group("xexpr") is not None else expr
            tag = _tag_around(text, m.start())
            if tag and ":" in tag:
                call = "request.getRequestDispatcher(" if tag.lower() in ("jsp:include", "jsp:forward") else "_jspAttribute("
            else:
                call = "out.print("
            out.append(call + e + ");")
            continue
        if code is not None:
            out.append(_unescape_xml(code) if m.group("xcode") is not None else code)
            continue
        out.append(_blank(whole))  # a comment
    out.append(_blank(text[pos:]))
    body = "".join(out)
    head = "".join(f"import {i}; " for i in imports) + _HEAD.format(locals=_LOCALS)
    return head + body + " } }"


def translations(texts: Mapping[str, str]) -> dict[str, str]:
    """{synthetic Java path: JSP path} for the JSP pages among ``texts`` that hold Java (scriptlets)."""
    return {p + SUFFIX: p for p, t in texts.items() if is_jsp(p) and ("<%" in t or "<jsp:scriptlet" in t)}


def with_translations(texts: Mapping[str, str], mapping: Mapping[str, str]) -> dict[str, str]:
    """The texts and, for each page of ``mapping``, its Java twin."""
    return {**texts, **{j: to_java(texts[p]) for j, p in mapping.items() if j not in texts}}


def map_back(found: CandidateSet, mapping: Mapping[str, str], texts: Mapping[str, str]) -> CandidateSet:
    """The candidates, errors and problems of the Java twins said of their pages (same lines, the page's text)."""
    if not mapping:
        return found
    cands: list[Candidate] = []
    seen: set[tuple] = set()
    for c in found.candidates:
        page = mapping.get(c.file)
        if page is not None:
            lines = texts[page].split("\n")
            c = c.model_copy(update={"file": page, "snippet": "\n".join(lines[c.line_start - 1: min(c.line_end, c.line_start + 5)])})
        key = (c.rule, c.file, c.line_start, c.line_end)
        if key not in seen:
            seen.add(key)
            cands.append(c)
    cands.sort(key=lambda c: (c.file, c.line_start, c.rule, c.line_end))

    def said(s: str) -> str:
        """A message about a twin, said of its page (same line numbers)."""
        for j, p in mapping.items():
            if j in s:
                s = s.replace(j, p) + " (in the page's scriptlets, read as Java)"
        return s

    problems = [p if p.file not in mapping else FileProblem(file=mapping[p.file], kind=p.kind, message=said(p.message))
                for p in found.problems]
    return found.model_copy(update={"candidates": cands, "errors": sorted({said(e) for e in found.errors}),
                                    "problems": problems, "files_scanned": max(0, found.files_scanned - len(mapping))})
