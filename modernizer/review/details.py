"""What [d]etails shows about a finding, beyond the heading every view repeats: the validator's
verdict, the plan item that addresses it, the enclosing symbol, the cited lines with a few lines
around them, and the weakness's help (the CWE table that the SARIF's rule help comes from).

Read from the report (the verdict and plan are the run's, not re-asked of a model) and from the
code as it is now (``code_root``: the review worktree once fixes land there, so lines that moved
are found again). Pure apart from reading those two; the terminal renders the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from modernizer.findings.cwe import cwe_for_category, lookup
from modernizer.errors import ModernizerError
from modernizer.report import Report
from modernizer.review.apply import locate_finding
from modernizer.review.state import FindingRef
from modernizer.repo.symbols import enclosing_symbol

DETAIL_CONTEXT = 3  # lines shown around the cited ones in the details (the [c]ode view shows more)
MAX_VIEW_LINES = 60


class PlanLink(BaseModel):
    id: str
    title: str
    phase: str
    effort: str
    how: str = Field(description="'addresses it' (the plan names the finding) or 'changes its file'")


class Weakness(BaseModel):
    cwe: str
    name: str
    remediation: str
    uri: str
    inferred: bool = Field(default=False, description="the finding named no CWE: the one its category means")


class FindingDetails(BaseModel):
    source: str = ""
    verdict: str | None = Field(default=None, description="confirmed, false-positive, uncertain; None: not judged")
    verdict_note: str = ""
    plan: list[PlanLink] = Field(default_factory=list)
    symbol: str = ""
    weakness: Weakness | None = None
    view: dict[str, Any] = Field(default_factory=dict, description="the cited lines with context (see code_view)")


def code_view(root: Path, ref: FindingRef, context: int) -> dict[str, Any]:
    """The real lines around the finding, from the file as it is now (not the redacted report)."""
    try:
        tf, a, b, note = locate_finding(root, ref)
    except ModernizerError as exc:
        return {"path": ref.file, "error": exc.message}
    lines = tf.text.splitlines()
    lo, hi = max(1, a - context), min(len(lines), b + context)
    if hi - lo > MAX_VIEW_LINES:
        hi = lo + MAX_VIEW_LINES
    src = tf.source()
    return {"path": ref.file, "start": lo, "end": hi, "code": "\n".join(lines[lo - 1:hi]), "flagged": (a, b), "note": note,
            "symbol": enclosing_symbol(src.text, src.language, a)}


def weakness_of(ref: FindingRef) -> Weakness | None:
    w, inferred = (lookup(ref.cwe), False) if ref.cwe else (None, False)
    if w is None:
        w, inferred = cwe_for_category(ref.category), True
    if w is None:
        return None
    return Weakness(cwe=w.cwe, name=w.name, remediation=w.remediation, uri=w.uri, inferred=inferred)


def details_of(report: Report | None, ref: FindingRef, root: Path) -> FindingDetails:
    view = code_view(root, ref, DETAIL_CONTEXT)
    found = next((f for f in report.findings if f.id == ref.id and f.fingerprint == ref.fingerprint), None) if report else None
    plan: list[PlanLink] = []
    for p in report.plan if report else []:
        how = "addresses it" if ref.id in p.addresses else "changes its file" if ref.file in p.files else ""
        if how:
            plan.append(PlanLink(id=p.id, title=p.title, phase=p.phase, effort=p.effort, how=how))
    plan.sort(key=lambda p: p.how != "addresses it")
    return FindingDetails(source=found.source if found else "", verdict=found.verdict if found else None,
                          verdict_note=found.verdict_note if found else "", plan=plan,
                          symbol=view.get("symbol") or (found.symbol if found else ""), weakness=weakness_of(ref), view=view)


class DetailsSource:
    """The report, read once per session when [d] is first pressed (the session itself holds only
    the findings' references)."""

    def __init__(self, report_path: Path) -> None:
        self.report_path = report_path
        self._report: Report | None = None
        self._tried = False

    def report(self) -> Report | None:
        if not self._tried:
            self._tried = True
            try:
                from modernizer.report.files import load_report

                self._report = load_report(self.report_path)[0]
            except ModernizerError:
                self._report = None  # the details still show the code and the CWE
        return self._report

    def of(self, ref: FindingRef, root: Path) -> FindingDetails:
        return details_of(self.report(), ref, root)
