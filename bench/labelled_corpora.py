"""Candidates against public labelled corpora (PHP, Python, JS): per CWE, TPR, FPR and TPR - FPR.

    .venv/bin/python bench/labelled_corpora.py benchpy /work/corpora/benchpy
    .venv/bin/python bench/labelled_corpora.py sard-php /work/corpora/phpsuite [--per-dir 40]
    .venv/bin/python bench/labelled_corpora.py semgrep-tests /work/corpora/semgrep-rules --langs php,python,javascript
    .venv/bin/python bench/labelled_corpora.py pyt /work/corpora/pyt
    ... [--json bench/results/labelled/NAME.json] [--markdown] [--no-python-flow]
    .venv/bin/python bench/labelled_corpora.py --compare BEFORE.json AFTER.json

The corpora are fetched public trees, never part of this repository, and nothing in them runs: their
files are read as text and handed to ``modernizer.findings.candidates.find_candidates`` (our rules, our Semgrep),
and each labelled case is scored by ``modernizer.findings.evaluate.case_rates``/``candidate_hits``, the very
functions behind ``modernize eval``'s candidate columns. Label formats:

* ``benchpy``: OWASP BenchmarkPython (expectedresults-*.csv; test N is testcode/BenchmarkTestN.py;
  a case per file, vulnerable or safe).
* ``sard-php``: the generated PHP vulnerability test suite (stivalet/PHP-Vulnerability-test-suite):
  ``<family>/CWE_<n>[_<sink>]/{safe,unsafe}/*.php``, a case per file. It has ~27,000 files: every
  k-th file of each folder (sorted) is kept so that a folder gives at most --per-dir files.
* ``semgrep-tests``: the test files of semgrep/semgrep-rules, a case per annotated line
  (``ruleid: R`` vulnerable, ``ok: R`` safe) whose rule R carries a CWE in a family we have; rules
  under an ``audit`` folder (sinks, not flows) are left out. Line cases match a candidate within 2
  lines (their rules often report the line that builds a string, ours the line that runs it). We only measure on them; none of their rules is copied.
* ``pyt``: python-security/pyt's examples/vulnerable_code, labelled by its engine tests
  (tests/vulnerabilities/vulnerabilities_test.py: ``expected_length=N`` flows, 0 = safe); a case per file.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modernizer.findings.candidates import find_candidates  # noqa: E402
from modernizer.findings.candidates.model import family_of  # noqa: E402
from modernizer.findings.evaluate import Label, candidate_hits, case_rates, cwe_number  # noqa: E402

# the CWEs of the families issue 19 added (LDAP, XPath, trust boundary): kept in the semgrep-tests cases
# whatever the checkout's family table says, so that runs before and after score the same cases
ISSUE19_CWES = frozenset({"90", "91", "643", "501"})
EXT = {"php": (".php",), "python": (".py",), "javascript": (".js", ".jsx", ".mjs"), "typescript": (".ts", ".tsx")}


def rule_cwes(doc: dict, with_audit: bool = False) -> dict[str, str]:
    """A semgrep-rules file's rules by short id -> the CWE number they label, for the families we
    score. ``with_audit``: audit rules count too, and "improper encoding of output" (CWE-116, how
    template/JSP rules label XSS) counts as XSS (labelled_web.py)."""
    cwes = {}
    for rule in doc.get("rules") or []:
        meta = rule.get("metadata") or {}
        cwe = meta.get("cwe")
        cwe = cwe[0] if isinstance(cwe, list) and cwe else cwe
        n = cwe_number(str(cwe or ""))
        if n == "116" and with_audit:
            n = "79"
        if n and (family_of(n) or n in ISSUE19_CWES) and (with_audit or "audit" not in str(meta.get("subcategory", ""))):
            cwes[rule["id"].split(".")[-1]] = n
    return cwes


def _read(p: Path) -> str:
    return p.read_text(encoding="utf-8", errors="replace")


def benchpy(root: Path, args) -> tuple[dict[str, str], list[Label], int]:
    csv_path = sorted(root.glob("expectedresults-*.csv"))[0]
    texts, labels = {}, []
    for r in csv.reader(_read(csv_path).splitlines()):
        if not r or r[0].startswith("#"):
            continue
        rel = f"testcode/{r[0].strip()}.py"
        texts[rel] = _read(root / rel)
        labels.append(Label(file=rel, cwe=cwe_number(r[3]), vulnerable=r[2].strip() == "true"))
    return texts, labels, 5


def sard_php(root: Path, args) -> tuple[dict[str, str], list[Label], int]:
    texts, labels = {}, []
    for d in sorted(p for p in root.glob("*/CWE_*/*") if p.is_dir() and p.name in ("safe", "unsafe")):
        files = sorted(d.glob("*.php"))
        step = max(1, -(-len(files) // args.per_dir))
        for f in files[::step]:
            rel = f.relative_to(root).as_posix()
            texts[rel] = _read(f)
            labels.append(Label(file=rel, cwe=cwe_number(d.parent.name), vulnerable=d.name == "unsafe"))
    return texts, labels, 5


_ANNOT = re.compile(r"(?:#|//|/\*|<!--)\s*(ruleid|ok|todoruleid|todook)\s*:\s*([\w.,\- ]+)")


def annotated_cases(rel: str, lines: list[str], cwes: dict[str, str], cases: dict, annot: re.Pattern = _ANNOT,
                    own_line: tuple[str, ...] = (), strip: str | None = None) -> None:
    """semgrep-rules' test annotations into ``cases[(file, line, cwe)] = vulnerable``: a ``ruleid:`` or
    ``ok:`` comment labels its own line when code stands before it (unless that is only a comment opener
    in ``own_line``, as in templates), else the next line that is neither blank nor an annotation; the
    rule ids map to CWEs through ``cwes``, and ``strip`` is what is stripped from each id."""
    for i, line in enumerate(lines):
        m = annot.search(line)
        if not m or m.group(1).startswith("todo"):
            continue
        before = line[:m.start()].strip()
        target = i + 1 if before and not before.startswith(own_line) else next(
            (j + 1 for j in range(i + 1, len(lines)) if lines[j].strip() and not annot.search(lines[j])), None)
        if target is None:
            continue
        for rid in (x.strip(strip) for x in m.group(2).split(",")):
            if rid in cwes:
                key = (rel, target, cwes[rid])
                cases[key] = cases.get(key, False) or m.group(1) == "ruleid"


def semgrep_tests(root: Path, args) -> tuple[dict[str, str], list[Label], int]:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    texts, cases = {}, {}
    for lang in args.langs.split(","):
        for rule_file in sorted((root / lang).rglob("*.yaml")):
            if "audit" in rule_file.parts or ".github" in rule_file.parts:
                continue
            try:
                doc = yaml.load(_read(rule_file)) or {}
            except Exception:  # noqa: BLE001 - a rule file we cannot read is left out of the corpus
                continue
            cwes = rule_cwes(doc)
            if not cwes:
                continue
            for test in sorted(rule_file.parent.glob(rule_file.stem + ".*")):
                if test.suffix not in EXT.get(lang, ()) or ".fixed" in test.name:
                    continue
                rel = test.relative_to(root).as_posix()
                lines = _read(test).splitlines()
                texts[rel] = "\n".join(lines)
                annotated_cases(rel, lines, cwes, cases)
    labels = [Label(file=f, cwe=c, vulnerable=v, line_start=n, line_end=n) for (f, n, c), v in sorted(cases.items())]
    # slack 2: their rules often report where the string is built, ours where it is run, a line or two on
    return texts, labels, 2


_PYT_CASE = re.compile(r"run_analysis\(\s*'(examples/[^']+\.py)'.*?expected_length=(\d+)", re.S)


def pyt(root: Path, args) -> tuple[dict[str, str], list[Label], int]:
    """python-security/pyt: its engine tests run the analyser on examples/ and assert how many flows it must
    report (0: a safe example); a case per file, its CWE from the file's name or the sink it calls."""
    texts, labels = {}, []
    test = _read(root / "tests" / "vulnerabilities" / "vulnerabilities_test.py")
    for chunk in re.split(r"\n    def ", test):
        m = _PYT_CASE.search(chunk)
        if not m or m.group(1) in texts:
            continue
        rel, text = m.group(1), _read(root / m.group(1))
        name = Path(rel).name.lower()
        cwe = ("22" if "path_traversal" in name else "79" if "xss" in name else "89" if "sql" in rel or "execute(" in text
               else "78" if re.search(r"subprocess\.|os\.system", text) else None)
        if cwe is None:
            continue
        texts[rel] = text
        labels.append(Label(file=rel, cwe=cwe, vulnerable=int(m.group(2)) > 0))
    return texts, labels, 5


CORPORA = {"benchpy": benchpy, "sard-php": sard_php, "semgrep-tests": semgrep_tests, "pyt": pyt}


def score(name: str, root: Path, args) -> dict:
    texts, labels, slack = CORPORA[name](root, args)
    slack = slack if args.slack is None else args.slack
    texts = {k: v for k, v in texts.items() if k in {x.file for x in labels}}
    t0 = time.perf_counter()
    flow = {} if not getattr(args, "no_python_flow", False) else {"python_flow": False}
    cands = find_candidates(texts, jobs=args.jobs, timeout_s=args.timeout, **flow)
    seconds = time.perf_counter() - t0
    lines = sum(t.count("\n") + 1 for t in texts.values())
    by_cwe = case_rates(labels, lambda x: candidate_hits(x, cands.candidates, slack, by_stem=False))
    tp = sum(r["tp"] for r in by_cwe.values())
    fn = sum(r["fn"] for r in by_cwe.values())
    fp = sum(r["fp"] for r in by_cwe.values())
    tn = sum(r["tn"] for r in by_cwe.values())
    scored = [r for r in by_cwe.values() if r["score"] is not None]
    return {"corpus": name + (f" ({args.langs})" if name == "semgrep-tests" else ""), "root": str(root), "files": len(texts), "lines": lines, "cases": len(labels),
            "candidates": len(cands.candidates), "candidates_per_kloc": round(1000 * len(cands.candidates) / max(1, lines), 2),
            "engine": f"{cands.engine} {cands.engine_version}", "rules": cands.rules, "seconds": round(seconds, 1),
            "errors": len(cands.errors), "slack": slack,
            "overall": {"tpr": round(tp / (tp + fn), 4) if tp + fn else None, "fpr": round(fp / (fp + tn), 4) if fp + tn else None},
            "mean_score": round(sum(r["score"] for r in scored) / len(scored), 4) if scored else None,
            "by_cwe": by_cwe}


def markdown(res: dict) -> str:
    fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    out = [f"{res['corpus']}: {res['files']} files, {res['lines']} lines, {res['cases']} labelled cases; "
           f"{res['candidates']} candidates ({res['candidates_per_kloc']} per 1,000 lines), {res['engine']}, "
           f"{res['rules']} rules, {res['seconds']} s; overall TPR {fmt(res['overall']['tpr'])}, FPR {fmt(res['overall']['fpr'])}, "
           f"mean score per CWE {fmt(res['mean_score'])}", "",
           "| CWE | vulnerable | safe | TPR | FPR | score |", "|---|---:|---:|---:|---:|---:|"]
    for cwe, r in res["by_cwe"].items():
        out.append(f"| {cwe} | {r['tp'] + r['fn']} | {r['fp'] + r['tn']} | {fmt(r['tpr'])} | {fmt(r['fpr'])} | {fmt(r['score'])} |")
    return "\n".join(out)


def compare(before: dict, after: dict) -> str:
    """One corpus, per CWE: vulnerable and safe cases, then TPR / FPR / score before and after."""
    fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    head = (f"**{after['corpus']}** ({after['files']} files, {after['lines']:,} lines, {after['cases']} labelled cases, "
            f"slack {after['slack']}). Candidates {before['candidates']} -> {after['candidates']} "
            f"({before['candidates_per_kloc']} -> {after['candidates_per_kloc']} per 1,000 lines); overall TPR "
            f"{fmt(before['overall']['tpr'])} -> {fmt(after['overall']['tpr'])}, FPR {fmt(before['overall']['fpr'])} -> "
            f"{fmt(after['overall']['fpr'])}; mean score per CWE {fmt(before['mean_score'])} -> {fmt(after['mean_score'])}.")
    out = [head, "", "| CWE | vulnerable | safe | TPR before | FPR before | score before | TPR after | FPR after | score after |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for cwe, a in after["by_cwe"].items():
        b = before["by_cwe"].get(cwe, {})
        out.append(f"| {cwe} | {a['tp'] + a['fn']} | {a['fp'] + a['tn']} | {fmt(b.get('tpr'))} | {fmt(b.get('fpr'))} | "
                   f"{fmt(b.get('score'))} | {fmt(a['tpr'])} | {fmt(a['fpr'])} | {fmt(a['score'])} |")
    return "\n".join(out)


def main() -> None:
    if sys.argv[1:2] == ["--compare"] and len(sys.argv) == 4:
        print(compare(*(json.loads(Path(p).read_text()) for p in sys.argv[2:4])))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog="--compare BEFORE.json AFTER.json prints a before/after table")
    ap.add_argument("corpus", choices=sorted(CORPORA))
    ap.add_argument("root", type=Path)
    ap.add_argument("--per-dir", type=int, default=40, help="sard-php: at most this many files per safe/unsafe folder")
    ap.add_argument("--langs", default="php,python,javascript", help="semgrep-tests: language folders")
    ap.add_argument("--slack", type=int, help="line cases: a candidate within this many lines matches (default: the corpus's)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--no-python-flow", action="store_true",
                    help="Semgrep's Python taint candidates as they are (the Python flow evaluator off: the 'before' of its tables)")
    ap.add_argument("--json", type=Path, help="write the result here")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table instead of JSON")
    args = ap.parse_args()
    if not args.root.is_dir():
        sys.exit(f"{args.root} is not a directory: fetch the corpus first (see the docstring)")
    res = score(args.corpus, args.root.resolve(), args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=2) + "\n")
    print(markdown(res) if args.markdown else json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
