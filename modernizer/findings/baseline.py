"""Comparing a run with an earlier report.

``compare`` is a pure function of two reports: every current finding becomes ``new`` or
``unchanged`` by fingerprint, and every baseline finding whose fingerprint is gone is listed in
``Report.fixed``. With the current snapshot at hand (``present``), a vanished finding whose code
is still there, unchanged, is told apart as ``not-reported``: a model may leave a finding out of
one run, and that is not a fix.

Rejected findings (the cited file or lines do not exist) take no part: they are never new, never
fixed and never fail a build.
"""

from __future__ import annotations

from collections.abc import Callable

from modernizer.findings.identity import legacy_fingerprint, present_fingerprints
from modernizer.report import BaselineInfo, Report, ReportFinding
from modernizer.repo.snapshot import Snapshot

def present_in(snapshot: Snapshot) -> Callable[[ReportFinding], bool]:
    """Whether a baseline finding's code is still in ``snapshot``, unchanged and in the same symbol."""
    cache: dict[tuple[str, str], set[str]] = {}

    def present(f: ReportFinding) -> bool:
        src = snapshot.file(f.file)
        if src is None:
            return False
        key = (f.file, f.category)
        if key not in cache:
            cache[key] = present_fingerprints(src, f.category)
        return f.fingerprint in cache[key]

    return present


def compare(current: Report, baseline: Report, source: str = "",
            present: Callable[[ReportFinding], bool] | None = None) -> Report:
    """``current`` with each finding marked new or unchanged against ``baseline``, and the
    baseline's vanished findings in ``fixed`` (``not-reported`` when ``present`` says their code is
    still there). A 1.0 baseline is matched with the 1.0 fingerprint recomputed from our findings."""
    legacy = baseline.schema_version == "1.0"

    def key(f: ReportFinding) -> str:
        return legacy_fingerprint(f.category, f.file, f.snippet) if legacy else f.fingerprint

    before = {f.fingerprint for f in baseline.findings if f.grounding.status != "rejected"}
    findings, now = [], set()
    for f in current.findings:
        if f.grounding.status == "rejected":
            findings.append(f.model_copy(update={"baseline_status": None}))
            continue
        k = key(f)
        now.add(k)
        findings.append(f.model_copy(update={"baseline_status": "unchanged" if k in before else "new"}))
    fixed, seen = [], set()
    for f in baseline.findings:
        if f.grounding.status == "rejected" or f.fingerprint in now or f.fingerprint in seen:
            continue
        seen.add(f.fingerprint)
        still_there = present is not None and not legacy and present(f)
        fixed.append(f.model_copy(update={"baseline_status": "not-reported" if still_there else "fixed",
                                          "suppressed": False}))
    info = BaselineInfo(source=source, generated_at=baseline.generated_at, schema_version=baseline.schema_version,
                        commit=baseline.repo.git.commit if baseline.repo.git else None)
    notes = list(current.notes)
    if baseline.repo.name != current.repo.name:
        notes.append(f"The baseline is a report on {baseline.repo.name!r}, not {current.repo.name!r}: most findings will show as new.")
    if legacy:
        notes.append("The baseline is a schema 1.0 report: findings were matched by its older fingerprint (file, category, quote).")
    return current.model_copy(update={"findings": findings, "fixed": fixed, "baseline": info, "notes": notes})
