"""Comparing a run with an earlier report, and the exit code a CI job gates on.

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
from pathlib import Path
from typing import Literal

from modernizer.report import BaselineInfo, Report, ReportFinding, legacy_fingerprint, present_fingerprints
from modernizer.schemas import SEVERITIES
from modernizer.snapshot import Snapshot

FailOn = Literal["critical", "high", "medium", "low", "never"]
FAIL_ON_CHOICES: tuple[str, ...] = ("critical", "high", "medium", "low", "never")
EXIT_FINDINGS = 1  # findings at or above --fail-on (new ones when a baseline is given)
EXIT_INCOMPLETE = 5  # the report is written, but some agents or modules failed (it lists them with their reasons)


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


def gating_findings(report: Report, fail_on: str) -> list[ReportFinding]:
    """The findings that make ``--fail-on`` fail: at or above the threshold, grounded (not
    rejected), not suppressed, and, when the report was compared with a baseline, new."""
    if fail_on == "never":
        return []
    if fail_on not in SEVERITIES:
        raise ValueError(f"unknown threshold {fail_on!r}")
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    limit = rank[fail_on]
    return [f for f in report.findings
            if f.counts and rank.get(f.severity, len(SEVERITIES)) <= limit
            and (report.baseline is None or f.baseline_status == "new")]


def incomplete(report: Report) -> list[str]:
    """What of the analysis did not finish: every failed agent (single context) or agent-in-module
    (chunked), with its reason. Plan-detail follow-ups are not counted: their plan items stand."""
    return [f"{a.agent}{' in ' + a.subject if a.subject else ''}: {a.error or a.status}" for a in report.agents if a.status != "ok"]


def exit_code(report: Report, fail_on: str) -> int:
    """The exit code of a finished run: EXIT_FINDINGS when a finding gates (see ``gating_findings``),
    else EXIT_INCOMPLETE when part of the analysis failed (so a CI job never passes a run that did
    not look at everything), else 0. Gating findings win: they are the more specific signal."""
    if gating_findings(report, fail_on):
        return EXIT_FINDINGS
    return EXIT_INCOMPLETE if incomplete(report) else 0
