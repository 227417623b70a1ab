"""A compact Markdown summary: for a CI job summary ($GITHUB_STEP_SUMMARY) or an issue body.

Everything that comes from the model or the analysed code is hostile input in a place that renders
Markdown and some HTML: it is HTML-escaped, Markdown punctuation is backslash-escaped, pipes are
kept out of tables, and ``@`` cannot form a mention nor ``#123`` a cross-reference. Long lists are
cut (the body of a GitHub issue holds 65,536 characters) with a count of what was left out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from modernizer.repo.graph import deferred_note
from modernizer.render import RenderOptions
from modernizer.render.links import in_repository, line_label, source_target
from modernizer.report import Report, ReportFinding
from modernizer.findings.schemas import SEVERITIES

MAX_ROWS = 40
MAX_CYCLES = 10
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()+!~|>-])")


def text(value: str, limit: int = 300) -> str:
    """Untrusted text, safe inside a table cell or a line of Markdown."""
    s = " ".join(value.split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = html.escape(s, quote=False)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("@", "@\u2060").replace("#", "#\u2060")  # a word joiner: no @mention, no #123 link


def code(value: str, limit: int = 160) -> str:
    """Untrusted code, as an inline <code> element that cannot break a table."""
    s = " ".join(value.split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = html.escape(s).replace("|", "&#124;")  # no mentions or references are made inside <code>
    return f"<code>{s}</code>"


def location(f: ReportFinding, link_base: str = "", prefix: str = "") -> str:
    """``path:line`` linked to the file: relative to the repository root, or under ``link_base``
    (e.g. https://github.com/OWNER/REPO/blob/SHA) for an issue or a job summary; there the path
    starts with ``prefix``, the analysed folder's path in its git repository (links.in_repository)."""
    label = line_label(f.file, f.line_start, f.line_end)
    path = in_repository(prefix, f.file) if link_base else f.file
    return f"[{text(label)}]({source_target(path, f.line_start, f.line_end, link_base)})"


def _table(findings: Iterable[ReportFinding], link_base: str, with_status: bool, prefix: str = "") -> list[str]:
    rows = list(findings)
    head = "| Id | Severity | Finding | Location | Grounding |" + (" Baseline |" if with_status else "")
    out = [head, "|---|---|---|---|---|" + ("---|" if with_status else "")]
    for f in rows[:MAX_ROWS]:
        title = f"**{text(f.title, 120)}** ({text(f.category, 40)}{', ' + text(f.cwe, 12) if f.cwe else ''})"
        ground = f.grounding.status + (", validator: " + f.verdict if f.verdict else "")
        line = f"| {text(f.id, 12)} | {f.severity} | {title}<br>{code(f.snippet)} | {location(f, link_base, prefix)} | {ground} |"
        if with_status:
            line += f" {f.baseline_status or '-'} |"
        out.append(line)
    if len(rows) > MAX_ROWS:
        out.append("")
        out.append(f"…and {len(rows) - MAX_ROWS} more in the full report.")
    return out


def render_markdown(report: Report, options: RenderOptions | None = None) -> str:
    link_base = options.link_base if options else ""
    s = report.summary
    out: list[str] = [f"## modernizer: {text(report.repo.name, 100)}", ""]
    meta = [report.generated_at, f"modernizer {report.tool_version}"]
    if report.repo.git and report.repo.git.commit:
        meta.append(f"commit {report.repo.git.commit[:12]}" + (f" on {text(report.repo.git.branch, 60)}" if report.repo.git.branch else ""))
    if report.llm:
        meta.append(f"model {text(report.llm.model, 60)}")
    if report.mode == "no-llm":
        meta.append("facts only (--no-llm)")
    out += [" · ".join(meta), ""]
    if report.llm and report.llm.test_model:
        out += [f"> **Test model:** {text(report.llm.model, 60)} is {text(report.llm.test_model, 300)}. "
                "Do not read this report as an analysis of the code.", ""]

    open_sev = s.open_by_severity
    out += ["| | " + " | ".join(SEVERITIES) + " |", "|---|" + "---|" * len(SEVERITIES),
            "| open findings | " + " | ".join(str(open_sev[x]) for x in SEVERITIES) + " |"]
    if s.baseline is not None:
        new = [f for f in report.findings if f.counts and f.baseline_status == "new"]
        out.append("| new since baseline | " + " | ".join(str(sum(f.severity == x for f in new)) for x in SEVERITIES) + " |")
    out.append("")
    rejected = s.by_grounding.get("rejected", 0)
    extra = []
    if s.suppressed:
        extra.append(f"{s.suppressed} suppressed (modernize-suppressions.toml)")
    if rejected:
        extra.append(f"{rejected} rejected (cited code that does not exist; not counted)")
    extra.append(f"{s.cycles} circular dependencies between files")
    line = "; ".join(extra)
    out += [line[0].upper() + line[1:] + ".", ""]

    if report.baseline is not None:
        b, sb = report.baseline, s.baseline
        commit = f", commit {b.commit[:12]}" if b.commit else ""
        out += [f"Compared with the baseline {text(b.source or 'report', 100)} ({b.generated_at}{commit}): "
                f"**{sb.new} new**, {sb.unchanged} unchanged, **{sb.fixed} fixed**"
                + (f", {sb.not_reported} not reported this run although their code is unchanged" if sb.not_reported else "")
                + ".", ""]

    for n in report.notes:
        out += [f"> {text(n, 400)}", ""]

    urgent = [f for f in report.findings if f.counts and f.severity in ("critical", "high")
              and (report.baseline is None or f.baseline_status == "new")]
    heading = "New critical and high findings" if report.baseline is not None else "Critical and high findings"
    out.append(f"### {heading} ({len(urgent)})")
    out.append("")
    prefix = report.repo.git.prefix if report.repo.git else ""
    out += _table(urgent, link_base, with_status=False, prefix=prefix) if urgent else ["None."]
    out.append("")
    rest = [f for f in report.findings if f.counts and f.severity not in ("critical", "high")
            and (report.baseline is None or f.baseline_status == "new")]
    if rest:  # counted above, listed in the HTML and JSON reports
        out += [f"{len(rest)} {'new ' if report.baseline is not None else ''}medium, low and info findings are listed in the "
                "HTML and JSON reports.", ""]

    if report.baseline is not None:
        fixed = [f for f in report.fixed if f.baseline_status == "fixed"]
        out.append(f"### Fixed since the baseline ({len(fixed)})")
        out.append("")
        if fixed:
            for f in fixed[:MAX_ROWS]:
                out.append(f"- {f.severity}: {text(f.title, 120)} ({text(f.category, 40)}), was at {text(f.file)}:{f.line_start}")
            if len(fixed) > MAX_ROWS:
                out.append(f"- …and {len(fixed) - MAX_ROWS} more")
        else:
            out.append("None.")
        out.append("")

    cands = report.candidates
    if cands is not None and not cands.skipped and cands.items:
        out.append(f"### Computed candidates ({len(cands.items)}, {report.summary.candidates_confirmed} confirmed by a finding)")
        out.append("")
        out.append("Sites a static pass flagged (facts from the code, not findings): "
                   + ", ".join(f"{text(fam, 40)} {n}" for fam, n in cands.by_family.items()) + ".")
        out.append("")
    if cands is not None and not cands.skipped and cands.unparsed:
        from modernizer.findings.candidates.unparsed import summary as unparsed_summary

        out.append(f"Not complete: {text(unparsed_summary(cands.unparsed), 400)}; their candidates may be missing:")
        out.append("")
        for u in cands.unparsed[:MAX_ROWS]:
            out.append(f"- {code(u.file, 120)}: {text(u.reason, 80)}")
        if len(cands.unparsed) > MAX_ROWS:
            out.append(f"- …and {len(cands.unparsed) - MAX_ROWS} more")
        out.append("")

    cycles = report.facts.graph.files.cycles
    if cycles:
        out.append(f"### Circular dependencies ({len(cycles)})")
        out.append("")
        for c in cycles[:MAX_CYCLES]:
            out.append("- " + " → ".join(code(p, 120) for p in [*c, c[0]]))
        if len(cycles) > MAX_CYCLES:
            out.append(f"- …and {len(cycles) - MAX_CYCLES} more")
        out.append("")
    note = deferred_note(report.facts.graph.files)
    if note:
        out += [("Besides these: " if cycles else "No circular dependencies at import time; ") + note + ".", ""]
    return "\n".join(out).rstrip() + "\n"
