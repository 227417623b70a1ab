"""Candidates against public labelled JSP, C# and server-side template code: per CWE, TPR, FPR, score.

    .venv/bin/python bench/labelled_web.py fsb-jsp       /work/corpora/find-sec-bugs+find-sec-bugs
    .venv/bin/python bench/labelled_web.py semgrep-web   /work/corpora/semgrep-rules --kind jsp|csharp|templates
    .venv/bin/python bench/labelled_web.py sonar-dotnet  /work/corpora/sonar-dotnet
    .venv/bin/python bench/labelled_web.py scs           /work/corpora/security-code-scan
    ... [--json bench/results/labelled/NAME.json] [--markdown]
    .venv/bin/python bench/labelled_corpora.py --compare BEFORE.json AFTER.json

The same scoring as bench/labelled_corpora.py (its ``score``: ``find_candidates`` over the corpus's
files read as text, each labelled case scored by ``modernizer.findings.evaluate.case_rates``/``candidate_hits``,
the functions behind ``modernize eval``). Nothing of a corpus runs; none is copied into the repo.

* ``fsb-jsp``: find-sec-bugs' JSP samples (findsecbugs-samples-jsp/src/test/webapp), labelled by what
  its detector tests assert (JspXssDetectorTest, XssResourceBundleTest, JstlOutDetectorTest,
  JstlExpressionWhiteListerTest, JspIncludeDetectorTest, JspSpringEvalDetectorTest,
  XslTransformJspDetectorTest): a line reported is vulnerable; a line of a test that asserts
  ``never()`` or exactly the lines it lists, and that writes or evaluates a value, is safe. FSB_JSP below
  is that transcription (line numbers and CWEs only). Left out: lines asserted at "Low" priority (an
  encoder used in the wrong context) and the cases that depend on FSB's custom taint configuration
  (xss_8's "safe" attributes, the jstl_expression_custom_* pages). JSP_INCLUDE (FSB: CWE-917) is counted
  as CWE-98, file inclusion: the include target is what the request chooses.
* ``semgrep-web``: semgrep/semgrep-rules test files, a case per ``ruleid:`` (vulnerable) / ``ok:``
  (safe) annotated line of a rule whose CWE is in one of our families: ``csharp`` = ``csharp/**/*.cs``
  (audit rules left out, as bench/labelled_corpora.py does), ``jsp`` = ``**/*.jsp`` and ``templates`` =
  ``*.html *.erb *.mustache *.ejs *.cshtml *.twig *.j2 *.vm *.ftl`` (these rules are all "audit" ones:
  kept, there is nothing else; their CWE-116, improper output encoding, is counted as CWE-79). A candidate
  matches a C# case within 2 lines, a page or template case on its line only (their files put a
  vulnerable and a safe line two lines apart).
* ``sonar-dotnet``: SonarSource/sonar-dotnet analyzer test cases (analyzers/tests/SonarAnalyzer.Test/
  TestCases) of the security rules in SONAR_DOTNET: ``// Noncompliant`` (``@+N`` shifts it) is
  vulnerable, ``// Compliant`` on a line with code is safe. Sonar's hotspot semantics: every use of
  System.Random or MD5 is Noncompliant, whatever the value becomes.
* ``scs``: security-code-scan/security-code-scan's analyzer tests (SecurityCodeScan.Test/Tests): each
  ``[DataRow(sink, ..., "SCSnnnn"?)]`` of a test whose C# is a ``$@"..."`` template is rendered into it and
  is a case, vulnerable with the diagnostic it expects (SCS_CWE), safe without (the test's one CWE); a
  fixed ``@"..."`` test is a case too, vulnerable when its ``VerifyCSharpDiagnostic(cSharpTest, ...)``
  expects diagnostics. A case is the whole rendered file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import labelled_corpora as lc  # noqa: E402

from modernizer.findings.evaluate import Label  # noqa: E402

# file -> (CWE, vulnerable lines, safe lines), from the find-sec-bugs detector tests named above
FSB_JSP = {
    "xss/xss_1_direct_use.jsp": ("79", (10, 15), ()),
    "xss/xss_2_transfer_local.jsp": ("79", (10,), ()),
    "xss/xss_3_false_positive_static_function.jsp": ("79", (), (9, 10, 11)),
    "xss/xss_4_false_positive_overwrite_local.jsp": ("79", (), (10,)),
    "xss/xss_5_multiple_transfer_local.jsp": ("79", (13,), ()),
    "xss/xss_6_get_parameter.jsp": ("79", (7,), ()),
    "xss/xss_7_false_positive_direct_cast.jsp": ("79", (), (5, 6)),
    "xss/xss_8_request_attribute.jsp": ("79", (16, 17), ()),
    "xss/xss_9_owasp_taglib.jsp": ("79", (7,), ()),
    "xss_fp/xss_resource_bundle.jsp": ("79", (8, 15), (10, 11, 12, 16)),
    "jstl/jstl_expression_insecure.jsp": ("79", (3, 5, 7), ()),
    "jstl/jstl_expression_secure.jsp": ("79", (), (7, 11, 13, 15, 17, 19, 21, 23)),
    "jstl/jstl_escape_1.jsp": ("79", (), (3,)),
    "jstl/jstl_escape_2.jsp": ("79", (), (3,)),
    "jstl/jstl_escape_3.jsp": ("79", (3,), ()),
    "jstl/jstl_escape_4.jsp": ("79", (3,), ()),
    "includes/jsp_include_1.jsp": ("98", (4,), ()),
    "includes/jsp_include_2_safe.jsp": ("98", (), (4,)),
    "includes/jsp_include_3.jsp": ("98", (8,), ()),
    "includes/jsp_include_4_safe.jsp": ("98", (), (2,)),
    "spring/spring_eval_1.jsp": ("917", (17,), ()),
    "spring/spring_eval_2.jsp": ("917", (17,), ()),
    "spring/spring_eval_3.jsp": ("917", (17,), ()),
    "spring/spring_eval_4_safe.jsp": ("917", (), (17,)),
    "xsl/xsl1.jsp": ("94", (2,), ()),
    "xsl/xsl2.jsp": ("94", (2,), ()),
    "xsl/xsl3.jsp": ("94", (), (2,)),
    "xsl/xsl4.jsp": ("94", (), (2,)),
}


def fsb_jsp(root: Path, args) -> tuple[dict[str, str], list[Label], int]:
    base = root / "findsecbugs-samples-jsp" / "src" / "test" / "webapp"
    texts, labels = {}, []
    for rel, (cwe, bad, good) in FSB_JSP.items():
        f = base / rel
        if not f.is_file():
            continue
        texts[rel] = lc._read(f)
        labels += [Label(file=rel, cwe=cwe, vulnerable=True, line_start=n, line_end=n) for n in bad]
        labels += [Label(file=rel, cwe=cwe, vulnerable=False, line_start=n, line_end=n) for n in good]
    return texts, labels, 0


TEMPLATE_EXT = (".html", ".erb", ".mustache", ".ejs", ".cshtml", ".twig", ".j2", ".jinja", ".vm", ".ftl", ".tpl")
KINDS = {"csharp": (("csharp",), (".cs",), False), "jsp": ((".",), (".jsp",), True), "templates": ((".",), TEMPLATE_EXT, True)}
_ANNOT = re.compile(r"(?:#|//|/\*|<!--|<%--|<%#|\{\{!|\{#)\s*(ruleid|ok|todoruleid|todook)\s*:\s*([\w.,\- ]+)")


def semgrep_web(root: Path, args) -> tuple[dict[str, str], list[Label], int]:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    dirs, exts, with_audit = KINDS[args.kind]
    texts, cases = {}, {}
    for d in dirs:
        for rule_file in sorted((root / d).rglob("*.yaml")):
            parts = rule_file.relative_to(root).parts
            if ".github" in parts or (not with_audit and "audit" in parts):
                continue
            tests = [t for t in sorted(rule_file.parent.glob(rule_file.stem + ".*"))
                     if t.name.endswith(exts) and ".fixed" not in t.name and t.suffix not in (".yaml", ".yml")]
            if args.kind == "templates":  # a template test, not a Python/JS/C# source named .html by accident
                tests = [t for t in tests if t.suffix in TEMPLATE_EXT]
            if not tests:
                continue
            try:
                doc = yaml.load(lc._read(rule_file)) or {}
            except Exception:  # noqa: BLE001 - a rule file we cannot read is left out of the corpus
                continue
            cwes = lc.rule_cwes(doc, with_audit)
            for test in tests:
                rel = test.relative_to(root).as_posix()
                lines = lc._read(test).splitlines()
                texts[rel] = "\n".join(lines)
                lc.annotated_cases(rel, lines, cwes, cases, _ANNOT, own_line=("<!--", "{{!"), strip=" -")
    labels = [Label(file=f, cwe=c, vulnerable=v, line_start=n, line_end=n) for (f, n, c), v in sorted(cases.items())]
    # C#: slack 2 as bench/labelled_corpora.py (a rule may report where a string is built, ours where it runs);
    # pages and templates: 0, their test files put a vulnerable and a safe line two lines apart
    return texts, labels, 2 if args.kind == "csharp" else 0


SONAR_DOTNET = {  # TestCases file -> CWE (the rule's), the C# security rules with a family of ours
    "ExecutingSqlQueries.Net46.cs": "89", "ExecutingSqlQueries.MicrosoftDataSqlClient.cs": "89",
    "ExecutingSqlQueries.EntityFrameworkCoreLatest.cs": "89", "ExecutingSqlQueries.Dapper.cs": "89",
    "ExecutingSqlQueries.MySqlData.cs": "89",
    "CreatingHashAlgorithms.cs": "328", "CreatingHashAlgorithms.NetFramework.cs": "328",
    "InsecureEncryptionAlgorithm.cs": "327", "EncryptionAlgorithmsShouldBeSecure.cs": "327",
    "DoNotUseRandom.cs": "330",
    "CookieShouldBeSecure.cs": "614", "CookieShouldBeHttpOnly.cs": "1004",
    "InsecureDeserialization.cs": "502",
    "XmlExternalEntityShouldNotBeParsed_XmlDocument.cs": "611", "XmlExternalEntityShouldNotBeParsed_XmlTextReader.cs": "611",
    "XmlExternalEntityShouldNotBeParsed_XmlReader_Net4.cs": "611",
    "DoNotHardcodeCredentials.DefaultValues.cs": "798",
}  # CommandPath.cs (S4036) is CWE-426, an untrusted search path: no family of ours


def sonar_dotnet(root: Path, args) -> tuple[dict[str, str], list[Label], int]:
    base = root / "analyzers" / "tests" / "SonarAnalyzer.Test" / "TestCases"
    texts, labels = {}, []
    for rel, cwe in SONAR_DOTNET.items():
        f = base / rel
        if not f.is_file():
            continue
        text = lc._read(f)
        texts[rel] = text
        seen: dict[int, bool] = {}
        for i, ln in enumerate(text.split("\n")):
            if "//" not in ln:
                continue
            comment = ln[ln.index("//"):]
            m = re.search(r"\bNoncompliant(?:@([+-]?\d+))?", comment, re.IGNORECASE)
            if m and not re.match(r"\s*//\s*(?:Compliant|FN|FP)\b", comment):
                off = m.group(1)
                line = i + 1 + int(off) if off and off[0] in "+-" else (int(off) if off else i + 1)
                seen[line] = True
            elif re.search(r"\bCompliant\b", comment) and ln[: ln.index("//")].strip():
                seen.setdefault(i + 1, False)
        labels += [Label(file=rel, cwe=cwe, vulnerable=v, line_start=n, line_end=n) for n, v in sorted(seen.items())]
    return texts, labels, 0


SCS_CWE = {"SCS0001": "78", "SCS0002": "89", "SCS0003": "643", "SCS0005": "330", "SCS0006": "328", "SCS0007": "611",
           "SCS0008": "614", "SCS0009": "1004", "SCS0010": "327", "SCS0013": "327", "SCS0018": "22", "SCS0026": "90",
           "SCS0027": "601", "SCS0028": "502", "SCS0029": "79", "SCS0031": "90"}
_SIG = re.compile(r"public\s+(?:async\s+)?Task\s+(\w+)\s*\(([^)]*)\)")
_STR = re.compile(r'@"(?:[^"]|"")*"|"(?:[^"\\]|\\.)*"|[^,\s][^,]*')


def _cs_literal(tok: str) -> str | None:
    tok = tok.strip()
    if tok.startswith('@"'):
        return tok[2:-1].replace('""', '"')
    if tok.startswith('"'):
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(m.group(1), m.group(1)), tok[1:-1])
    return None if tok == "null" else tok


def _args(text: str) -> list[str | None]:
    return [_cs_literal(m.group(0)) for m in _STR.finditer(text)]


def _verbatim(text: str, start: int) -> str | None:
    """The body of the C# verbatim string that opens at ``start`` (its opening quote), "" unescaped later."""
    i = start + 1
    while i < len(text):
        if text[i] == '"':
            if text[i + 1: i + 2] == '"':
                i += 2
                continue
            return text[start + 1: i]
        i += 1
    return None


def scs(root: Path, args) -> tuple[dict[str, str], list[Label], int]:
    """security-code-scan's analyzer tests: each [DataRow(sink, "SCSnnnn"?)] rendered into the test's C#
    template is a case, vulnerable with the diagnostic it expects, safe without (the method's CWE)."""
    texts, labels = {}, []
    for test in sorted((root / "SecurityCodeScan.Test" / "Tests").rglob("*.cs")):
        src = lc._read(test)
        lines = src.split("\n")
        for m in _SIG.finditer(src):
            params = [re.sub(r"=.*$", "", p).split()[-1] for p in m.group(2).split(",") if p.strip()]
            line_no = src.count("\n", 0, m.start())
            rows, j = [], line_no - 1
            while j >= 0 and (lines[j].strip().startswith(("[", "//")) or not lines[j].strip()):
                row = re.match(r"\s*\[DataRow\((.*)\)\]\s*$", lines[j])
                if row:
                    rows.append(_args(row.group(1)))
                j -= 1
            body_start = m.end()
            nxt = _SIG.search(src, body_start)
            body = src[body_start: nxt.start() if nxt else len(src)]
            t = re.search(r'var\s+cSharpTest\s*=\s*(\$?)@"', body)
            if not t:
                continue
            template = _verbatim(body, t.end() - 1)
            if template is None:
                continue
            if not t.group(1):  # a fixed test: vulnerable if it expects a diagnostic of ours
                if rows:
                    continue
                # vulnerable: the C# check expects diagnostics (a second argument), safe: it expects none
                call = re.search(r"VerifyCSharpDiagnostic\(\s*cSharpTest\s*([,)])", body)
                named = [i for i in re.findall(r'"(SCS\d{4})"', body) if i in SCS_CWE]
                file_cwes = {SCS_CWE[i] for i in re.findall(r'"(SCS\d{4})"', src) if i in SCS_CWE}
                cwe = SCS_CWE[named[0]] if named else (next(iter(file_cwes)) if len(file_cwes) == 1 else None)
                expected = bool(call) and call.group(1) == ","
                if cwe and call:
                    rel = f"{test.relative_to(root / 'SecurityCodeScan.Test' / 'Tests').with_suffix('').as_posix()}/{m.group(1)}.cs"
                    texts[rel] = template.replace('""', '"')
                    labels.append(Label(file=rel, cwe=cwe, vulnerable=bool(expected)))
                continue
            if not rows:
                continue
            ids = {a for r in rows for a in r if a and re.fullmatch(r"SCS\d{4}", a)}
            cwes = {SCS_CWE[i] for i in ids if i in SCS_CWE}
            for n, row in enumerate(reversed(rows)):
                values = dict(zip(params, row))
                rendered = template.replace('""', '"').replace("{{", "\0").replace("}}", "\1")
                ok = True

                def sub(mm):
                    nonlocal ok
                    name = mm.group(1)
                    if name not in values or values[name] is None:
                        ok = False
                        return ""
                    return values[name]

                rendered = re.sub(r"\{(\w+)\}", sub, rendered)
                if not ok or re.search(r"\{[^}]*\}", rendered.replace("\0", "").replace("\1", "")):
                    continue
                rendered = rendered.replace("\0", "{").replace("\1", "}")
                found = [a for a in row if a and re.fullmatch(r"SCS\d{4}", a)]
                if found:
                    cwe = SCS_CWE.get(found[0])
                    vulnerable = True
                elif len(cwes) == 1:
                    cwe, vulnerable = next(iter(cwes)), False
                else:
                    continue
                if not cwe:
                    continue
                rel = f"{test.relative_to(root / 'SecurityCodeScan.Test' / 'Tests').with_suffix('').as_posix()}/{m.group(1)}_{n:03d}.cs"
                texts[rel] = rendered
                labels.append(Label(file=rel, cwe=cwe, vulnerable=vulnerable))
    return texts, labels, 0


lc.CORPORA.update({"fsb-jsp": fsb_jsp, "semgrep-web": semgrep_web, "sonar-dotnet": sonar_dotnet, "scs": scs})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", choices=["fsb-jsp", "semgrep-web", "sonar-dotnet", "scs"])
    ap.add_argument("root", type=Path)
    ap.add_argument("--kind", choices=sorted(KINDS), default="csharp", help="semgrep-web: which test files")
    ap.add_argument("--slack", type=int, help="a candidate within this many lines matches (default: the corpus's)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--json", type=Path, help="write the result here")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table instead of JSON")
    args = ap.parse_args()
    args.langs = args.kind  # labelled_corpora.score names semgrep-tests runs by it
    if not args.root.is_dir():
        sys.exit(f"{args.root} is not a directory: fetch the corpus first (see the docstring)")
    res = lc.score(args.corpus, args.root.resolve(), args)
    if args.corpus == "semgrep-web":
        res["corpus"] = f"semgrep-web ({args.kind})"
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=2) + "\n")
    print(lc.markdown(res) if args.markdown else json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
