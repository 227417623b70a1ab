"""Pure functions between reports, recorded runs and the trend the report shows.

New and fixed are counted against the previous *complete* run, as the baseline is (an incomplete
run, exit 5, may have missed findings: counting against it would call them fixed, then new again), and
an incomplete run counts no fixed ones (what it did not see is not fixed; the next complete run counts it).
A finding the model left out although its code is unchanged (``not-reported``) stays open for this
count, as the baseline comparison says: leaving it out of one answer is not a fix."""

from __future__ import annotations

from modernizer.findings.gate import incomplete
from modernizer.history.model import OpenSince, RecordedFinding, RecordedRun, Trend, TrendRun
from modernizer.report import Report
from modernizer.findings.schemas import SEVERITIES

TREND_RUNS = 52  # a year of weekly runs in the report; `modernize history` can show more


def record_of(report: Report, report_name: str = "") -> RecordedRun:
    """The run as the history keeps it: each finding's fingerprint, severity, place and state."""
    rows = []
    for f in report.findings:
        state = "rejected" if f.grounding.status == "rejected" else "suppressed" if f.suppressed else "open"
        rows.append(_row(f, state))
    rows += [_row(f, "not-reported") for f in report.fixed if f.baseline_status == "not-reported"]
    git = report.repo.git
    return RecordedRun(generated_at=report.generated_at, repo=report.repo.name, commit=git.commit if git else None,
                       branch=git.branch if git else None, dirty=bool(git and git.dirty),
                       model=report.llm.model if report.llm else "", mode=report.mode, tool_version=report.tool_version,
                       complete=not incomplete(report), report=report_name, findings=rows)


def _row(f, state: str) -> RecordedFinding:  # noqa: ANN001 - a ReportFinding
    return RecordedFinding(fingerprint=f.fingerprint, severity=f.severity, state=state, category=f.category, cwe=f.cwe,
                           file=f.file, line=f.line_start, title=f.title[:200])


def sightings(run: RecordedRun) -> list[tuple[str, str, str]]:
    """(fingerprint, severity, state) of each of the run's findings, however it was read."""
    return run.sightings or [(f.fingerprint, f.severity, f.state) for f in run.findings]


def _carried(run: RecordedRun) -> set[str]:
    """Fingerprints still open in ``run``: reported open, or left out by the model with their code unchanged."""
    return {fp for fp, _, state in sightings(run) if state in ("open", "not-reported")}


def trend_runs(runs: list[RecordedRun]) -> list[TrendRun]:
    """Every run (oldest first) with its open findings by severity and its new and fixed counts."""
    out: list[TrendRun] = []
    before: set[str] | None = None  # what the previous complete run had open
    for run in runs:
        rows = sightings(run)
        open_rows = [(fp, sev) for fp, sev, state in rows if state == "open"]
        seen = {fp for fp, _, state in rows if state != "rejected"}
        by_sev = {s: 0 for s in SEVERITIES}
        for _, sev in open_rows:
            by_sev[sev] = by_sev.get(sev, 0) + 1
        new = len(open_rows) if before is None else sum(fp not in before for fp, _ in open_rows)
        fixed = None if not run.complete else 0 if before is None else len(before - seen)
        out.append(TrendRun(run=run.id, generated_at=run.generated_at, commit=run.commit, model=run.model,
                            complete=run.complete, open_by_severity=by_sev, new=new, fixed=fixed))
        if run.complete:
            before = _carried(run)
    return out


def open_since(runs: list[RecordedRun], severity: str = "critical") -> list[OpenSince]:
    """The last run's open findings of ``severity`` (the last run read in full: titles and places),
    each with the run it has been open since, oldest first. An incomplete run that missed it does not break the streak; a run where it was
    fixed, suppressed or rejected does."""
    if not runs:
        return []
    last = runs[-1]
    carried = [_carried(run) for run in runs]  # once per run, not once per finding
    out = []
    for f in sorted({f.fingerprint: f for f in last.findings if f.state == "open" and f.severity == severity}.values(),
                    key=lambda f: (f.file, f.line, f.fingerprint)):
        first, count = last, 0
        for run, still in zip(reversed(runs), reversed(carried)):
            if f.fingerprint in still:
                first, count = run, count + 1
            elif run.complete:
                break
        out.append(OpenSince(fingerprint=f.fingerprint, severity=f.severity, title=f.title, file=f.file, line=f.line,
                             first_run=first.id, first_seen=first.generated_at, runs=count))
    return sorted(out, key=lambda o: (o.first_run, o.file, o.line))


def trend(runs: list[RecordedRun], source: str = "", limit: int = TREND_RUNS) -> Trend:
    """What the report shows of the history: the latest ``limit`` runs and the oldest open critical."""
    critical = open_since(runs)
    return Trend(source=source, total_runs=len(runs), runs=trend_runs(runs)[-limit:], open_critical=len(critical),
                 oldest_critical=critical[0] if critical else None)
