"""The exit code a finished run ends with: what a CI job gates on.

One place for it (the CLI prints why, this decides): findings at or above ``--fail-on`` (only new
ones against a baseline), else an incomplete analysis, else success.
"""

from __future__ import annotations

from modernizer.report import Report, ReportFinding
from modernizer.findings.schemas import SEVERITIES

from modernizer.defaults import EXIT_FINDINGS, EXIT_INCOMPLETE, FAIL_ON_CHOICES

__all__ = ["EXIT_FINDINGS", "EXIT_INCOMPLETE", "FAIL_ON_CHOICES", "exit_code", "gating_findings", "incomplete"]


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
