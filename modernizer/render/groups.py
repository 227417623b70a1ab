"""The HTML report's findings in groups: by rule (the finding's CWE, else one of our stable rules,
exactly as SARIF names its rules: kinds.py) or by file, each group with its counts and, for a rule,
MITRE's name, the remediation line and the link that SARIF's rule help carries (cwe.py).

Why rule is the default grouping: a reader triages a report by kind of problem (the labelled hotel
sample's 59 findings make 17 rule groups against 37 file groups, 23 of those holding a single
finding), one remediation applies to a whole group (the plan's "parameterise every SQL statement"
is a rule group), and it is the view GitHub code scanning gives the same SARIF. By file is one
click away (and ``?group=file`` in the URL) for whoever fixes a file at a time.

Pure: computed from the report alone, for the template (render/html.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel

from modernizer.findings.cwe import Weakness
from modernizer.findings.kinds import Kind, Stable, kind_of
from modernizer.report import Report, ReportFinding
from modernizer.findings.schemas import SEVERITIES

GroupBy = Literal["rule", "file"]  # the page offers "none" too: one list, which needs no groups


class Group(BaseModel):
    by: GroupBy
    key: str
    title: str
    order: int
    ids: list[str]
    listed: int            # rows shown with "hide rejected" on (the default): not rejected
    rejected: int
    open_by_severity: dict[str, int]  # grounded and not suppressed (ReportFinding.counts), as the severity cards count
    weakness: Weakness | None = None
    stable: Stable | None = None

    @property
    def severities(self) -> list[tuple[str, int]]:
        return [(s, n) for s, n in self.open_by_severity.items() if n]


def kind(f: ReportFinding) -> Kind:
    """The finding's rule, as SARIF names it (one source for both)."""
    return kind_of(f.cwe, f.category, f.source)


def _groups(report: Report, by: GroupBy, key: Callable[[ReportFinding], str], title: Callable[[str], str],
            extra: Callable[[str], dict]) -> list[Group]:
    members: dict[str, list[ReportFinding]] = {}
    for f in report.findings:
        members.setdefault(key(f), []).append(f)
    rank = {s: i for i, s in enumerate(SEVERITIES)}

    def worst(fs: list[ReportFinding]) -> int:
        ranks = [rank.get(f.severity, len(SEVERITIES)) for f in fs if f.grounding.status != "rejected"]
        return min(ranks) if ranks else len(SEVERITIES) + 1  # a group of rejected findings only: last

    def listed(fs: list[ReportFinding]) -> int:
        return sum(f.grounding.status != "rejected" for f in fs)

    ordered = sorted(members, key=lambda k: (worst(members[k]), -listed(members[k]), k))
    return [Group(by=by, key=k, title=title(k), order=i, ids=[f.id for f in members[k]], listed=listed(members[k]),
                  rejected=len(members[k]) - listed(members[k]),
                  open_by_severity={s: sum(f.severity == s and f.counts for f in members[k]) for s in SEVERITIES}, **extra(k))
            for i, k in enumerate(ordered)]


def finding_groups(report: Report, by: GroupBy) -> list[Group]:
    """The groups in reading order: the worst open severity first, then the larger group, then the key."""
    if by == "file":
        return _groups(report, "file", lambda f: f.file, lambda k: k, lambda k: {})
    kinds = {k.id: k for k in map(kind, report.findings)}
    return _groups(report, "rule", lambda f: kind(f).id, lambda k: kinds[k].title,
                   lambda k: {"weakness": kinds[k].weakness, "stable": kinds[k].stable})
