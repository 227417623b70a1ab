"""The end of a run in the terminal: what was found, how sure it is, what failed, where the
report is. A pure function of the Report (``summary_lines``) and a printer; every count comes from
the report's own data."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from modernizer.findings.gate import incomplete
from modernizer.run.progress import clock
from modernizer.report import Report, ReportFinding
from modernizer.findings.schemas import SEVERITIES
from modernizer.severity_style import SEVERITY_STYLE

TOP_FINDINGS = 5
GROUNDING_STYLE = {"verified": "green", "unverified": "yellow", "rejected": "red"}


def top_findings(report: Report, n: int = TOP_FINDINGS) -> list[ReportFinding]:
    """The few a person should look at first: open ones, most severe, verified before unverified."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    ground = {"verified": 0, "unverified": 1}
    open_ = [f for f in report.findings if f.counts]
    return sorted(open_, key=lambda f: (rank.get(f.severity, 9), ground.get(f.grounding.status, 2), f.file, f.line_start))[:n]


def summary(report: Report, written: list[Path] | None = None, elapsed: float | None = None) -> RenderableType:
    s = report.summary
    parts: list[RenderableType] = []
    took = f" in {clock(elapsed)}" if elapsed is not None else ""
    head = Text.assemble(("modernizer", "bold"), f": {report.repo.name}: ", (f"{sum(s.open_by_severity.values())} open findings", "bold"), took)
    if report.llm is None:
        head.append(" (--no-llm: facts only, no model asked)")
    elif s.model_requests == 0 and s.results_from_cache:
        head.append(f" (every answer from the result cache: no model request was made; --no-cache asks again)", style="yellow")
    elif s.results_from_cache:
        head.append(f" ({s.results_from_cache} answers from the result cache)")
    parts.append(head)
    if report.llm is not None and report.llm.test_model:
        parts.append(Text(f"TEST MODEL: {report.llm.model} is {report.llm.test_model}; do not read this as an analysis of the code",
                          style="bold red"))

    if report.llm is not None:
        sev = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
        sev.add_column("")
        for k in SEVERITIES:
            sev.add_column(Text(k, style=SEVERITY_STYLE[k]), justify="right")
        sev.add_row("open", *(f"{s.open_by_severity.get(k, 0):,}" for k in SEVERITIES))
        if report.baseline is not None:
            new = {k: 0 for k in SEVERITIES}
            for f in report.findings:
                if f.counts and f.baseline_status == "new" and f.severity in new:
                    new[f.severity] += 1
            sev.add_row("new", *(f"{new[k]:,}" for k in SEVERITIES))
        parts.append(sev)
        g = s.by_grounding
        line = Text("grounding: ")
        line.append(f"{g.get('verified', 0):,} verified", style=GROUNDING_STYLE["verified"])
        line.append(f", {g.get('unverified', 0):,} unverified" + (" (the quoted code was not found at those lines)" if g.get("unverified") else ""))
        if g.get("rejected"):
            line.append(f", {g['rejected']:,} rejected", style=GROUNDING_STYLE["rejected"])
            line.append(" (cited code that does not exist; not counted)")
        parts.append(line)
        if s.suppressed:
            parts.append(Text(f"suppressed: {s.suppressed:,} (modernize-suppressions.toml)"))
        if s.baseline is not None:
            b = s.baseline
            parts.append(Text(f"against the baseline: {b.new:,} new, {b.unchanged:,} unchanged, {b.fixed:,} fixed"
                              + (f", {b.not_reported:,} not reported (code unchanged)" if b.not_reported else "")))
        top = top_findings(report)
        if top:
            parts.append(Text(f"Top {len(top)} of {sum(s.open_by_severity.values())} open findings:", style="bold"))
            width = max(len(f.id) for f in top)
            for f in top:
                parts.append(Text.assemble(f"  {f.id:<{width}} ", (f"{f.severity:<8}", SEVERITY_STYLE.get(f.severity, "")), " ", f.title,
                                           (f" ({f.cwe or f.category})", "dim")))
                where = f"{f.file}:{f.line_start}" + ("" if f.grounding.status == "verified" else f" ({f.grounding.status})")
                parts.append(Text(" " * (width + 12) + where, style=GROUNDING_STYLE.get(f.grounding.status, "")))
    parts.append(Text(cycles_line(report)))
    if report.candidates is not None and (report.candidates.items or report.candidates.unparsed):
        parts.append(Text(candidates_line(report)))
    failed = incomplete(report)
    for line in failed[:10]:
        parts.append(Text.assemble(("failed: ", "yellow"), line))
    if len(failed) > 10:
        parts.append(Text.assemble(("failed: ", "yellow"), f"... {len(failed) - 10} more (see Agents and Modules in the report)"))
    for n in report.notes:
        parts.append(Text.assemble(("note: ", "yellow"), n))
    html = [p for p in written or [] if p.suffix == ".html"]
    if html:
        parts.append(Text.assemble("open the report: ", (str(html[0]), "bold underline")))
    return Group(*parts)


def candidates_line(report: Report) -> str:
    """The static pass in one line: its sites, what came from the per-file cache, and how many files
    Semgrep could not parse and why (their candidates may be missing, so the count is not complete)."""
    from modernizer.findings.candidates.unparsed import summary as unparsed_summary

    c, s = report.candidates, report.summary
    line = f"candidates (static pass): {s.candidates:,} sites"
    if report.agents:
        line += f", {s.candidates_confirmed:,} confirmed by a grounded finding"
    if c.files_from_cache:
        line += f"; {c.files_from_cache:,} files from the cache, {c.files_scanned:,} scanned"
    if c.unparsed:
        line += f"; {unparsed_summary(c.unparsed)}"
    return line


def cycles_line(report: Report) -> str:
    """Cycles as counts a person can trust: the listed cycles are bounded, so a truncated list says
    so, and the strongly connected groups (every cycle lies in one) give the true extent."""
    from modernizer.repo.graph import deferred_note

    files = report.facts.graph.files
    groups = files.strongly_connected
    note = deferred_note(files)
    if not files.cycles:
        return "cycles: none between files at import time; " + note if note else "cycles: none between files"
    listed = (f"{len(files.cycles):,} file cycles listed (list truncated at {len(files.cycles):,}: there are more)"
              if files.cycles_truncated else f"{len(files.cycles):,} file cycle{'s' if len(files.cycles) != 1 else ''}")
    if groups:
        largest = max(len(g) for g in groups)
        listed += (f" in {len(groups):,} strongly connected group{'s' if len(groups) != 1 else ''} "
                   f"(largest: {largest:,} files)")
    return "cycles: " + listed + ("; " + note if note else "")


def print_summary(console: Console, report: Report, written: list[Path] | None = None, elapsed: float | None = None) -> None:
    # a terminal wraps to its width; a log (a pipe, CI) gets whole lines, not lines cut at 80 columns
    console.print(summary(report, written, elapsed), soft_wrap=not console.is_terminal, highlight=False)


__all__ = ["cycles_line", "print_summary", "summary", "top_findings"]
