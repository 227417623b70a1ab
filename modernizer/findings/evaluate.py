"""Scoring a run against labels: does a report find what is there, and only that?

Labels come in three formats (``load_labels``): the samples' ``EXPECTED.json`` (every vulnerability
of the tree, with its file, lines and CWE: a *complete* list, so a finding that matches none is a
false positive), the OWASP Benchmark's ``expectedresults-*.csv`` (``test name, category, real
vulnerability, cwe``; a test's file is the one named after it; each test says vulnerable or not)
and a plain CSV ``file,line,cwe,vulnerable``. Pure functions of a report and labels; counts only.

A finding takes part when it has a CWE and is grounded (verified or unverified; rejected findings
name code that is not there and are counted apart). It matches a label with the same file and
CWE; at line level, also when its lines come within ``slack`` lines of the labelled ones.

Where labels include safe cases, each case is also counted once the benchmark way (``case_rates``):
TPR over the vulnerable cases, FPR over the safe ones, score TPR - FPR, per CWE, for the findings and
for the candidates (``candidate_hits``: a candidate of the label's CWE family in its file, near its
lines). bench/labelled_corpora.py scores public corpora with the same two functions.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, Field

from modernizer.findings.candidates.model import family_of
from modernizer.errors import InputError
from modernizer.report import Report, ReportFinding

DEFAULT_SLACK = 5


class Label(BaseModel):
    file: str
    cwe: str = Field(description="normalised: the number only, '89'")
    vulnerable: bool = True
    line_start: int | None = None
    line_end: int | None = None


class Labels(BaseModel):
    source: str
    complete: bool = Field(description="every vulnerability of the tree is listed: an unmatched finding is a false positive")
    labels: list[Label]


class Score(BaseModel):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return round(self.tp / (self.tp + self.fp), 4) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return round(self.tp / (self.tp + self.fn), 4) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return round(2 * p * r / (p + r), 4) if p and r else (0.0 if p is not None and r is not None else None)

    def out(self) -> dict[str, float | int | None]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision, "recall": self.recall, "f1": self.f1}


class Rates(BaseModel):
    """Per labelled case, the benchmark way: a vulnerable case found (tp) or missed (fn), a safe case
    flagged (fp) or left alone (tn). FPR and the score (TPR - FPR) exist only where safe cases are labelled:
    a tool that flags everything has TPR 1.0 and scores 0."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def out(self) -> dict[str, float | int | None]:
        tpr = round(self.tp / (self.tp + self.fn), 4) if self.tp + self.fn else None
        fpr = round(self.fp / (self.fp + self.tn), 4) if self.fp + self.tn else None
        score = round(tpr - fpr, 4) if tpr is not None and fpr is not None else None
        return {"tp": self.tp, "fn": self.fn, "fp": self.fp, "tn": self.tn, "tpr": tpr, "fpr": fpr, "score": score}


class Evaluation(BaseModel):
    labels: str
    complete: bool
    slack: int
    findings_scored: int
    findings_without_cwe: int
    findings_rejected: int
    findings_unverified: int
    findings_unlabelled: int = Field(description="matching no label (false positives when the labels are complete)")
    file_level: dict[str, float | int | None]
    line_level: dict[str, float | int | None]
    by_cwe: dict[str, dict[str, float | int | None]] = Field(description="line level, per CWE")
    candidate_recall: float | None = Field(default=None, description=(
        "labelled vulnerabilities with a computed candidate of their CWE family in their file, within the slack of their "
        "lines (None when the report has no candidates section)"))
    candidates: int | None = Field(default=None, description="candidates in the report")
    candidate_misses: list[str] = Field(default_factory=list, description="labelled vulnerabilities no candidate reaches")
    rates_by_cwe: dict[str, dict[str, float | int | None]] = Field(default_factory=dict, description=(
        "findings, per labelled case and CWE (line level): tp/fn on vulnerable cases, fp/tn on safe ones, TPR, FPR, score = TPR - FPR"))
    candidate_rates_by_cwe: dict[str, dict[str, float | int | None]] = Field(default_factory=dict, description=(
        "the same for the candidates (a candidate of the label's CWE family in its file, within the slack of its lines)"))
    lines_analysed: int | None = Field(default=None, description="lines of the analysed roles (None in reports without roles)")
    candidates_per_kloc: float | None = Field(default=None, description="candidates per 1,000 analysed lines: what the static pass costs the model")


def cwe_number(value: str | int | None) -> str:
    m = re.search(r"\d+", str(value or ""))
    return str(int(m.group())) if m else ""


def load_labels(path: Path) -> Labels:
    """Labels from any of the three formats, told apart by name and content; a clear error otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the labels {path}: {getattr(exc, 'strerror', None) or exc}",
                         "give EXPECTED.json, an OWASP Benchmark expectedresults-*.csv, or a CSV file,line,cwe,vulnerable") from exc
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
            labels = [Label(file=v["file"], cwe=cwe_number(v.get("cwe")), line_start=v.get("line_start"), line_end=v.get("line_end"))
                      for v in data["vulnerabilities"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path} is not a labels file ({exc.__class__.__name__}: {exc})",
                             "EXPECTED.json has a 'vulnerabilities' list of {file, cwe, line_start, line_end}") from exc
        return Labels(source=path.name, complete=True, labels=labels)
    rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].lstrip().startswith("#")]
    if not rows:
        raise InputError(f"{path} holds no labels", "one row per labelled file")
    if len(rows[0]) >= 4 and rows[0][0].strip().lower() in ("file", "path"):
        rows = rows[1:]
    labels = []
    owasp = all(len(r) >= 4 and r[2].strip().lower() in ("true", "false") and not r[1].strip().isdigit() for r in rows)
    for r in rows:
        if owasp:  # test name, category, real vulnerability, cwe
            labels.append(Label(file=r[0].strip(), cwe=cwe_number(r[3]), vulnerable=r[2].strip().lower() == "true"))
        elif len(r) >= 4:  # file, line, cwe, vulnerable
            line = int(r[1]) if r[1].strip().isdigit() else None
            labels.append(Label(file=r[0].strip(), cwe=cwe_number(r[2]), vulnerable=r[3].strip().lower() in ("1", "true", "yes"),
                                line_start=line, line_end=line))
        else:
            raise InputError(f"{path}: a row has {len(r)} columns: {','.join(r)[:80]}",
                             "OWASP rows are 'test name, category, real vulnerability, cwe'; plain rows 'file,line,cwe,vulnerable'")
    return Labels(source=path.name, complete=False, labels=labels)


def _same_file(label: str, finding: str, by_stem: bool) -> bool:
    if label == finding:
        return True
    # an OWASP test is named, not pathed: BenchmarkTest00001 is the file BenchmarkTest00001.java anywhere
    return by_stem and PurePosixPath(finding).stem == label


def _candidate_recall(report: Report, positives: list[Label], slack: int, by_stem: bool) -> tuple[float | None, list[str]]:
    """Candidate recall: could the static pass have pointed the model at each labelled vulnerability?"""
    if report.candidates is None or report.candidates.skipped or not positives:
        return None, []
    misses = []
    for label in positives:
        family = family_of(label.cwe)
        if not candidate_hits(label, report.candidates.items, slack, by_stem):
            misses.append(f"{label.file}:{label.line_start or '-'} CWE-{label.cwe}" + ("" if family else " (no candidate family)"))
    return round(1 - len(misses) / len(positives), 4), misses


def _cwe_key(cwe: str) -> tuple[int, str]:
    return (int(cwe) if cwe.isdigit() else 0, cwe)


def case_rates(labels: list[Label], hit) -> dict[str, dict[str, float | int | None]]:
    """Per CWE, each label counted once: ``hit(label)`` says whether the tool flagged that case."""
    per: dict[str, Rates] = defaultdict(Rates)
    for label in labels:
        flagged = bool(hit(label))
        r = per[label.cwe]
        if label.vulnerable:
            r.tp += flagged
            r.fn += not flagged
        else:
            r.fp += flagged
            r.tn += not flagged
    return {f"CWE-{c}": r.out() for c, r in sorted(per.items(), key=lambda kv: _cwe_key(kv[0]))}


def candidate_hits(label: Label, candidates, slack: int, by_stem: bool) -> bool:
    """Does a candidate of the label's CWE family lie in its file (and, for a line label, near its lines)?"""
    family = family_of(label.cwe)
    return family is not None and any(
        c.family == family and _same_file(label.file, c.file, by_stem)
        and (label.line_start is None
             or (c.line_start <= (label.line_end or label.line_start) + slack and c.line_end >= label.line_start - slack))
        for c in candidates)


def evaluate(report: Report, labels: Labels, slack: int = DEFAULT_SLACK) -> Evaluation:
    grounded = [f for f in report.findings if f.grounding.status != "rejected"]
    scored = [f for f in grounded if cwe_number(f.cwe)]
    by_stem = not any("/" in label.file or "." in label.file for label in labels.labels)

    def file_match(label: Label, f: ReportFinding) -> bool:
        return label.cwe == cwe_number(f.cwe) and _same_file(label.file, f.file, by_stem)

    def line_match(label: Label, f: ReportFinding) -> bool:
        if not file_match(label, f):
            return False
        if label.line_start is None:
            return True
        a, b = label.line_start, label.line_end or label.line_start
        return f.line_start <= b + slack and f.line_end >= a - slack

    result: dict[str, Score] = {"file": Score(), "line": Score()}
    per_cwe: dict[str, Score] = defaultdict(Score)
    positives = [x for x in labels.labels if x.vulnerable]
    negatives = [x for x in labels.labels if not x.vulnerable]
    for level, match in (("file", file_match), ("line", line_match)):
        s = result[level]
        for label in positives:
            hit = any(match(label, f) for f in scored)
            s.tp += hit
            s.fn += not hit
            if level == "line":
                per_cwe[label.cwe].tp += hit
                per_cwe[label.cwe].fn += not hit
        for f in scored:
            if any(match(x, f) for x in positives):
                continue
            if any(match(x, f) for x in negatives) or labels.complete:
                s.fp += 1
                if level == "line":
                    per_cwe[cwe_number(f.cwe)].fp += 1
    unlabelled = sum(1 for f in scored if not any(file_match(x, f) for x in labels.labels))
    recall, misses = _candidate_recall(report, positives, slack, by_stem)
    has_candidates = report.candidates is not None and not report.candidates.skipped
    lines = sum(r.lines for r in report.roles if r.analysed) if report.roles else None
    n_candidates = len(report.candidates.items) if has_candidates else None
    return Evaluation(
        rates_by_cwe=case_rates(labels.labels, lambda x: any(line_match(x, f) for f in scored)),
        candidate_rates_by_cwe=case_rates(labels.labels, lambda x: candidate_hits(x, report.candidates.items, slack, by_stem))
        if has_candidates else {},
        lines_analysed=lines,
        candidates_per_kloc=round(1000 * n_candidates / lines, 2) if n_candidates is not None and lines else None,
        candidate_recall=recall, candidates=len(report.candidates.items) if report.candidates and not report.candidates.skipped else None,
        candidate_misses=misses,
        labels=labels.source, complete=labels.complete, slack=slack, findings_scored=len(scored),
        findings_without_cwe=len(grounded) - len(scored),
        findings_rejected=sum(f.grounding.status == "rejected" for f in report.findings),
        findings_unverified=sum(f.grounding.status == "unverified" for f in report.findings),
        findings_unlabelled=unlabelled, file_level=result["file"].out(), line_level=result["line"].out(),
        by_cwe={f"CWE-{c}": s.out() for c, s in sorted(per_cwe.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0)},
    )
