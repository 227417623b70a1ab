"""Candidate recall, false-positive rate and benchmark score per CWE on public labelled Java code.

    .venv/bin/python bench/labelled_java.py semgrep-rules /work/corpora/semgrep+semgrep-rules
    .venv/bin/python bench/labelled_java.py sonar-java    /work/corpora/SonarSource+sonar-java
    .venv/bin/python bench/labelled_java.py find-sec-bugs /work/corpora/find-sec-bugs+find-sec-bugs
    .venv/bin/python bench/labelled_java.py securibench   /work/corpora/securibench-micro
    .venv/bin/python bench/labelled_java.py cryptoapi     /work/corpora/cryptoapi-bench
    ... [--csv labels.csv] [--json out.json] [--misses] [--no-flow] [--by-folder]

Each corpus's own labels are turned into modernizer's plain label format (``file,line,cwe,vulnerable``,
what ``modernize eval`` reads; ``--csv`` writes it) and the corpus's files are scanned with
``modernizer.findings.candidates.find_candidates`` (our rules, no model). A label is *flagged* when a candidate
of its CWE family overlaps its line (give or take SLACK lines). Per CWE: recall = flagged vulnerable /
vulnerable, FPR = flagged safe / safe, score = recall - FPR (the OWASP Benchmark's figure of merit).

The corpora (fetched, never in the repo; nothing of them runs):

* semgrep-rules (semgrep/semgrep-rules, ``java/**``): test files annotate the line after
  ``// ruleid: RULE`` as vulnerable and after ``// ok: RULE`` as safe; the CWE is the rule's
  ``metadata.cwe`` in the YAML next to it. Only rules whose CWE is in one of our families count.
* sonar-java (SonarSource/sonar-java, ``java-checks-test-sources``): the check samples of the security
  checks below mark vulnerable lines ``// Noncompliant`` (``@+N`` shifts it) and safe ones ``// Compliant``.
  The CWE per sample file is SONAR_FILES.
* find-sec-bugs (find-sec-bugs/find-sec-bugs): the detector tests assert a bug type in a sample class at a
  line (``bugDefinition().bugType(T).inClass(C).atLine(N)``); those are the vulnerable labels (CWE per bug
  type: FSB_TYPES). The tests do not assert safe lines, so only recall and candidates per 1,000 lines.
* securibench (too4words/securibench-micro, Stanford SecuriBench Micro 1.08, Apache-2.0): servlet taint
  tests whose sink lines end in ``/* BAD */`` or ``/* OK */``; the CWE follows from the sink's call
  (SECURIBENCH_SINKS: writer.println -> XSS, sendRedirect, JDBC execute, file streams).
* cryptoapi (CryptoGuardOSS/cryptoapi-bench): per-file labels from its CryptoAPI-Bench_details.xlsx for the
  weak hash, weak cipher/ECB and untrusted PRNG folders (labels_cryptoapi).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modernizer.findings.candidates import family_of, find_candidates  # noqa: E402

SLACK = 1
# Files copied from held-out benchmarks (OWASP Benchmark, Juliet, WebGoat...) are dropped unread: some
# semgrep-rules and find-sec-bugs test files are excerpts of them.
HELD_OUT = re.compile(r"owasp\.benchmark|BenchmarkTest|juliet|testcasesupport|webgoat|juice.?shop|dvwa|openmrs|roller|mantis",
                      re.IGNORECASE)

SONAR_FILES = {  # java-checks-test-sources/default/src/main/java/checks/... -> CWE
    "security/SecureCookieCheckSample.java": "614",
    "security/SecureCookieCheckJakarta.java": "614",
    "security/CookieHttpOnlyCheck.java": "1004",
    "security/DataHashingCheckSample.java": "328",
    "security/EncryptionAlgorithmCheckSample.java": "327",
    "security/CryptographicKeySizeCheck.java": "326",
    "StrongCipherAlgorithmCheckSample.java": "327",
    "PseudoRandomCheckSample.java": "330",
    "SQLInjection.java": "89",
    "HardCodedPasswordCheckSample.java": "798",
    "security/DebugFeatureEnabledCheckSample.java": "489",
    "JacksonDeserializationCheckSample.java": "502",
}

FSB_TYPES = {
    "COMMAND_INJECTION": "78", "XSS_SERVLET": "79", "XSS_JSP_PRINT": "79", "XSS_REQUEST_WRAPPER": "79",
    "PATH_TRAVERSAL_IN": "22", "PATH_TRAVERSAL_OUT": "22", "SQL_INJECTION_SPRING_JDBC": "89",
    "SQL_INJECTION_HIBERNATE": "89", "SQL_INJECTION_JPA": "89", "SQL_INJECTION_JDBC": "89",
    "SQL_INJECTION_JDO": "89", "SQL_INJECTION": "89", "HARD_CODE_PASSWORD": "798", "HARD_CODE_KEY": "321",
    "XXE_DOCUMENT": "611", "XXE_SAXPARSER": "611", "XXE_XMLREADER": "611", "XXE_XMLSTREAMREADER": "611",
    "XXE_DTD_TRANSFORM_FACTORY": "611", "XXE_XSLT_TRANSFORM_FACTORY": "611", "XXE_SCHEMA_FACTORY": "611",
    "XXE_VALIDATOR": "611", "OBJECT_DESERIALIZATION": "502", "LDAP_INJECTION": "90", "OGNL_INJECTION": "917",
    "XPATH_INJECTION": "643", "PREDICTABLE_RANDOM": "330", "WEAK_MESSAGE_DIGEST_MD5": "328",
    "WEAK_MESSAGE_DIGEST_SHA1": "328", "INSECURE_COOKIE": "614", "HTTPONLY_COOKIE": "1004",
    "DES_USAGE": "327", "TDES_USAGE": "327", "ECB_MODE": "327", "GROOVY_SHELL": "94", "SPEL_INJECTION": "94",
    "EL_INJECTION": "94", "SCRIPT_ENGINE_INJECTION": "94", "UNVALIDATED_REDIRECT": "601",
    "SPRING_UNVALIDATED_REDIRECT": "601", "TRUST_BOUNDARY_VIOLATION": "501", "BLOWFISH_KEY_SIZE": "326",
    "RSA_KEY_SIZE": "326", "CUSTOM_MESSAGE_DIGEST": "327", "WEAK_MESSAGE_DIGEST": "328",
    "INFORMATION_EXPOSURE_THROUGH_AN_ERROR_MESSAGE": "209",
}


# ---------------------------------------------------------------------------------------------
# Labels: (file relative to the scanned root, line, cwe, vulnerable)


def _read(p: Path) -> str:
    return p.read_text(encoding="utf-8", errors="replace")


def labels_semgrep_rules(root: Path) -> tuple[Path, list[tuple[str, int, str, bool]]]:
    base = root / "java"
    try:
        from ruamel.yaml import YAML
    except ImportError:  # pragma: no cover
        raise SystemExit("needs ruamel.yaml (semgrep's dependency)")
    yaml = YAML(typ="safe", pure=True)
    cwe_of: dict[str, str] = {}
    for y in base.rglob("*.yaml"):
        try:
            doc = yaml.load(_read(y)) or {}
        except Exception:
            continue
        for r in doc.get("rules") or []:
            c = (r.get("metadata") or {}).get("cwe")
            c = c[0] if isinstance(c, list) and c else c
            m = re.search(r"CWE-(\d+)", str(c or ""))
            if m:
                cwe_of[r["id"]] = m.group(1)
    out = []
    for f in sorted(base.rglob("*.java")):
        lines = _read(f).split("\n")
        for i, ln in enumerate(lines):
            m = re.search(r"//\s*(ruleid|ok|todoruleid|todook)\s*:\s*([\w.,\s-]+)", ln)
            if not m or m.group(1).startswith("todo"):
                continue
            for rid in re.split(r"[,\s]+", m.group(2).strip()):
                cwe = cwe_of.get(rid)
                if not cwe or not family_of(cwe):
                    continue
                # the label is on the next line that is not a comment
                j = i + 1
                while j < len(lines) and (not lines[j].strip() or lines[j].strip().startswith("//")):
                    j += 1
                out.append((f.relative_to(base).as_posix(), j + 1, cwe, m.group(1) == "ruleid"))
    return base, out


def labels_sonar_java(root: Path) -> tuple[Path, list[tuple[str, int, str, bool]]]:
    base = root / "java-checks-test-sources" / "default" / "src" / "main" / "java" / "checks"
    out = []
    for rel, cwe in SONAR_FILES.items():
        f = base / rel
        if not f.is_file():
            continue
        for i, ln in enumerate(_read(f).split("\n")):
            if "//" not in ln:
                continue
            comment = ln[ln.index("//"):]
            m = re.search(r"\bNoncompliant(@([+-]?\d+))?", comment)
            if m:
                off = m.group(2)
                line = i + 1 + int(off) if off and off[0] in "+-" else (int(off) if off else i + 1)
                out.append((rel, line, cwe, True))
            elif re.search(r"\bCompliant\b", comment) and ln[: ln.index("//")].strip():
                out.append((rel, i + 1, cwe, False))
    return base, out


def labels_find_sec_bugs(root: Path) -> tuple[Path, list[tuple[str, int, str, bool]]]:
    tests = root / "findsecbugs-plugin" / "src" / "test" / "java"
    samples = [root / d / "src" / "test" / "java" for d in ("findsecbugs-samples-java", "findsecbugs-samples-java11")]
    by_class: dict[str, str] = {}
    for s in samples:
        for f in s.rglob("*.java"):
            by_class.setdefault(f.stem, f.relative_to(root).as_posix())
    out = set()
    for t in tests.rglob("*Test.java"):
        text = _read(t)
        for chain in re.findall(r"bugDefinition\(\)(.*?)\.build\(\)", text, re.S):
            bt = re.search(r'\.bugType\("(\w+)"\)', chain)
            cl = re.search(r'\.inClass\("([\w$]+)"\)', chain)
            lines = re.findall(r"\.atLine\((\d+)\)", chain)
            if not (bt and cl and lines) or bt.group(1) not in FSB_TYPES:
                continue
            file = by_class.get(cl.group(1).split("$")[0])
            if not file:
                continue
            for n in lines:
                out.add((file, int(n), FSB_TYPES[bt.group(1)], True))
    return root, sorted(out)


SECURIBENCH_SINKS = [  # the labelled line's call -> CWE
    (re.compile(r"\.(println|print|write)\("), "79"), (re.compile(r"sendRedirect\("), "601"),
    (re.compile(r"\.(execute\w*|prepareStatement|prepareCall)\("), "89"),
    (re.compile(r"new (FileWriter|FileInputStream|FileOutputStream|File|FileReader)\(|createNewFile\("), "22"),
]


def labels_securibench(root: Path) -> tuple[Path, list[tuple[str, int, str, bool]]]:
    """Stanford SecuriBench Micro: a sink line ends in ``/* BAD */`` (vulnerable) or ``/* OK */`` (safe)."""
    base = root / "src" / "securibench" / "micro"
    out = []
    for f in sorted(base.rglob("*.java")):
        for i, ln in enumerate(_read(f).split("\n")):
            m = re.search(r"/\*\s*(BAD|OK)\s*\*/", ln)
            if not m:
                continue
            cwe = next((c for pat, c in SECURIBENCH_SINKS if pat.search(ln)), None)
            if cwe:
                out.append((f.relative_to(base).as_posix(), i + 1, cwe, m.group(1) == "BAD"))
    return base, out


CRYPTOAPI_DIRS = {"brokenhash": "328", "brokencrypto": "327", "ecbcrypto": "327", "untrustedprng": "330"}


def _xlsx_rows(path: Path) -> list[dict[str, str]]:
    """The first sheet of an .xlsx as {column letter: cell text} rows (zip + XML; no spreadsheet library)."""
    import zipfile
    z = zipfile.ZipFile(path)
    shared = [re.sub(r"<[^>]+>", "", s) for s in re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode(), re.S)]
    rows = []
    for r in re.findall(r"<row[^>]*>(.*?)</row>", z.read("xl/worksheets/sheet1.xml").decode(), re.S):
        row = {}
        for col, attrs, body in re.findall(r'<c r="([A-Z]+)\d+"([^>]*?)(?:/>|>(.*?)</c>)', r, re.S):
            v = re.search(r"<v>(.*?)</v>", body or "")
            if v:
                row[col] = shared[int(v.group(1))] if 't="s"' in attrs else v.group(1)
        rows.append(row)
    return rows


def labels_cryptoapi(root: Path) -> tuple[Path, list[tuple[str, int, str, bool]]]:
    """CryptoAPI-Bench: CryptoAPI-Bench_details.xlsx says per test file whether it has a misuse (column D);
    the CWE follows from its folder (weak hash, weak cipher/ECB, untrusted PRNG). Labels are per file
    (line 0): a file is flagged when any candidate of its family is in it."""
    base = root / "src" / "main" / "java" / "org" / "cryptoapi" / "bench"
    verdict = {}
    for row in _xlsx_rows(root / "CryptoAPI-Bench_details.xlsx"):
        name, vuln = (row.get("B") or "").strip(), (row.get("D") or "").strip()
        if name and vuln in ("0", "1"):
            verdict[name.removesuffix(".java")] = vuln == "1"
    out = []
    for d, cwe in CRYPTOAPI_DIRS.items():
        for f in sorted((base / d).glob("*.java")):
            if f.stem in verdict:
                out.append((f.relative_to(base).as_posix(), 0, cwe, verdict[f.stem]))
    return base, out


CORPORA = {"semgrep-rules": labels_semgrep_rules, "sonar-java": labels_sonar_java, "find-sec-bugs": labels_find_sec_bugs,
           "securibench": labels_securibench, "cryptoapi": labels_cryptoapi}


# ---------------------------------------------------------------------------------------------
# Scoring


def score(labels, cands, slack: int = SLACK):
    by_file = defaultdict(list)
    for c in cands:
        by_file[c.file].append(c)
    per = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0, "tn": 0})
    misses = []
    for file, line, cwe, vuln in labels:
        fam = family_of(cwe)
        hit = any(c.family == fam and (line == 0 or c.line_start <= line + slack and c.line_end >= line - slack)
                  for c in by_file[file])
        s = per[f"CWE-{cwe}"]
        if vuln:
            s["tp" if hit else "fn"] += 1
            if not hit:
                misses.append(f"miss {file}:{line} CWE-{cwe}")
        else:
            s["fp" if hit else "tn"] += 1
            if hit:
                misses.append(f"false {file}:{line} CWE-{cwe}")
    rows = {}
    for cwe, s in sorted(per.items(), key=lambda kv: int(kv[0][4:])):
        pos, neg = s["tp"] + s["fn"], s["fp"] + s["tn"]
        rec = s["tp"] / pos if pos else None
        fpr = s["fp"] / neg if neg else None
        rows[cwe] = {**s, "recall": rec, "fpr": fpr,
                     "score": (rec - fpr) if rec is not None and fpr is not None else None}
    return rows, misses


def _f(x):
    return "-" if x is None else f"{x:.2f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", choices=sorted(CORPORA))
    ap.add_argument("root", type=Path)
    ap.add_argument("--csv", type=Path, help="write the labels as file,line,cwe,vulnerable")
    ap.add_argument("--json", type=Path, help="write the per-CWE table as JSON")
    ap.add_argument("--misses", action="store_true", help="list the missed and falsely flagged labels")
    ap.add_argument("--no-flow", action="store_true", help="Semgrep's candidates alone (without the Java flow evaluator)")
    ap.add_argument("--by-folder", action="store_true", help="vulnerable/safe flagged per top-level folder (SecuriBench's categories)")
    a = ap.parse_args(argv)
    base, labels = CORPORA[a.corpus](a.root.resolve())
    dropped = {f for f, *_ in labels if HELD_OUT.search(f) or HELD_OUT.search(_read(base / f))}
    labels = [x for x in labels if x[0] not in dropped]
    files = sorted({f for f, *_ in labels})
    texts = {f: _read(base / f) for f in files}
    # the properties files beside them too: an algorithm may be named in configuration
    for p in base.rglob("*.properties") if a.corpus != "find-sec-bugs" else []:
        texts.setdefault(p.relative_to(base).as_posix(), _read(p))
    if a.csv:
        a.csv.write_text("# file,line,cwe,vulnerable\n" + "".join(f"{f},{n},CWE-{c},{str(v).lower()}\n" for f, n, c, v in labels))
    t0 = time.perf_counter()
    cs = find_candidates(texts, jobs=2, timeout_s=900, java_flow=not a.no_flow)
    secs = time.perf_counter() - t0
    # SecuriBench puts a BAD and an OK sink on consecutive lines: its labels are matched on the line itself
    rows, misses = score(labels, cs.candidates, slack=0 if a.corpus == "securibench" else SLACK)
    kloc = sum(t.count("\n") + 1 for f, t in texts.items() if f.endswith(".java")) / 1000
    print(f"{a.corpus}: {len(files)} files ({len(dropped)} copied from held-out benchmarks dropped), {kloc:.1f} kloc, {sum(v for *_, v in labels)} vulnerable / "
          f"{sum(not v for *_, v in labels)} safe labels, {len(cs.candidates)} candidates "
          f"({len(cs.candidates) / kloc:.1f} per 1,000 lines), semgrep {cs.engine_version} {secs:.1f} s")
    print("| CWE | vulnerable | safe | recall | FPR | score |\n|---|---:|---:|---:|---:|---:|")
    for cwe, r in rows.items():
        print(f"| {cwe} | {r['tp']}/{r['tp'] + r['fn']} | {r['fp']}/{r['fp'] + r['tn']} | {_f(r['recall'])} | {_f(r['fpr'])} | {_f(r['score'])} |")
    recs = [r["recall"] for r in rows.values() if r["recall"] is not None]
    fprs = [r["fpr"] for r in rows.values() if r["fpr"] is not None]
    tp = sum(r["tp"] for r in rows.values())
    pos = sum(r["tp"] + r["fn"] for r in rows.values())
    fp = sum(r["fp"] for r in rows.values())
    neg = sum(r["fp"] + r["tn"] for r in rows.values())
    print(f"| all (pooled) | {tp}/{pos} | {fp}/{neg} | {_f(tp / pos if pos else None)} | {_f(fp / neg if neg else None)} | "
          f"{_f(tp / pos - fp / neg if pos and neg else None)} |")
    print(f"| mean of CWEs | | | {_f(sum(recs) / len(recs) if recs else None)} | {_f(sum(fprs) / len(fprs) if fprs else None)} | |")
    if cs.errors:
        print(f"({len(cs.errors)} scan errors, e.g. {cs.errors[0]})")
    if a.by_folder:
        slack = 0 if a.corpus == "securibench" else SLACK
        per = defaultdict(lambda: [0, 0, 0, 0])
        for f, line, cwe, vuln in labels:
            fam = family_of(cwe)
            hit = any(c.file == f and c.family == fam and (line == 0 or c.line_start <= line + slack and c.line_end >= line - slack)
                      for c in cs.candidates)
            s = per[f.split("/")[0]]
            s[0 if vuln else 2] += hit
            s[1 if vuln else 3] += 1
        print("| folder | vulnerable flagged | safe flagged |\n|---|---:|---:|")
        for k, (tp, pos, fp, neg) in sorted(per.items()):
            print(f"| {k} | {tp}/{pos} | {fp}/{neg} |")
    if a.misses:
        print("\n".join(misses))
    if a.json:
        a.json.write_text(json.dumps({"corpus": a.corpus, "rows": rows, "candidates": len(cs.candidates), "kloc": kloc,
                                      "seconds": secs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
