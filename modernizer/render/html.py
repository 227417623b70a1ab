"""One self-contained HTML file: inline CSS, a few lines of inline JS, no fonts or scripts from
the network, and every value autoescaped by jinja2 (code under analysis is hostile input).

The page reads without JS (every finding listed, grouped by rule, rejected ones marked); the script
adds grouping by file, the filters, sorting and folding, and keeps the view in the URL. What the template needs beyond the report (facet counts, links, which plan
item addresses which finding) is computed here, so the template stays markup."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import jinja2
from markupsafe import Markup, escape

from modernizer.repo.graph import GraphView, deferred_note
from modernizer.render import RenderOptions
from modernizer.render.groups import finding_groups, kind
from modernizer.render.links import in_repository, line_label, source_target, web_base
from modernizer.render.svg import graph_svg
from modernizer.report import Report
from modernizer.findings.schemas import SEVERITIES


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("modernizer", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def facets(report: Report) -> dict[str, list[tuple[str, int, int]]]:
    """The values each filter offers, most frequent first, each as (value, how many rows choosing it
    shows with the default "hide rejected" on, how many rejected ones it also has): the first numbers
    add up to the rows the table shows at first, not to every finding listed."""
    def count(key) -> list[tuple[str, int, int]]:  # noqa: ANN001
        shown = Counter(key(f) for f in report.findings if f.grounding.status != "rejected")
        rejected = Counter(key(f) for f in report.findings if f.grounding.status == "rejected")
        return sorted(((v, shown[v], rejected[v]) for v in shown.keys() | rejected.keys()), key=lambda t: (-t[1], -t[2], t[0]))
    # choosing "rejected" unticks "hide rejected", so each grounding shows all of its findings
    return {"category": count(lambda f: f.category), "agent": count(lambda f: f.source),
            "grounding": [(g, n, 0) for g, n in report.summary.by_grounding.items() if n]}


def finding_counts(report: Report) -> dict[str, int | str]:
    """How many findings count (grounded, not suppressed: ``ReportFinding.counts``, the severity
    cards' sum) and how many do not, by why (open + rejected + suppressed = listed), with ``uncounted``
    naming the last two in words ("1 rejected, 2 suppressed") or "" when every finding counts."""
    rejected = sum(f.grounding.status == "rejected" for f in report.findings)
    suppressed = sum(f.suppressed and f.grounding.status != "rejected" for f in report.findings)
    uncounted = ", ".join(f"{n} {why}" for n, why in ((rejected, "rejected"), (suppressed, "suppressed")) if n)
    return {"open": sum(f.counts for f in report.findings), "rejected": rejected, "suppressed": suppressed,
            "listed": len(report.findings), "uncounted": uncounted}


def _words(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("_", " ").split())


def same_words(a: str, b: str) -> bool:
    """``sql injection`` and ``sql-injection`` say the same: the category adds nothing after such a title."""
    return _words(a) == _words(b)


def scc_sizes(view: GraphView) -> list[int]:
    """Sizes of the strongly connected components (each one a tangle of mutual dependencies),
    largest first: unlike the list of elementary cycles, these are never capped."""
    return sorted((len(c) for c in view.strongly_connected), reverse=True)


def plan_for(report: Report) -> dict[str, list[str]]:
    """finding id -> the plan items that say they address it."""
    out: dict[str, list[str]] = {}
    for p in report.plan:
        for fid in p.addresses:
            out.setdefault(fid, []).append(p.id)
    return out


def breakable(text: str) -> Markup:
    """``text`` escaped, with a line-break opportunity after each ``/``: a long path then wraps
    between its directories instead of mid-name (``overflow-wrap`` remains the last resort)."""
    return Markup(str(escape(text)).replace("/", "/<wbr>"))


def chunked_why(report: Report) -> str:
    """Why a modules report was chunked: the code did not fit, a smaller --window was asked for, or
    --mode modules asked for chunks although it fitted."""
    b = report.tokens.budget if report.tokens else None
    if b is not None and b.fits:
        return "The codebase fits the window, but --mode modules asked for chunks"
    if b is not None and report.llm and b.window < report.llm.max_model_len:
        return (f"The codebase did not fit the {b.window:,}-token window set with --window "
                f"(the server's is {report.llm.max_model_len:,})")
    return "The codebase did not fit the model's window"


def render_html(report: Report, options: RenderOptions | None = None) -> str:
    options = options or RenderOptions()
    base = web_base(options.link_base)

    prefix = report.repo.git.prefix if report.repo.git else ""

    def link(path: str, start: int | None = None, end: int | None = None) -> str:
        """The URL of a source location, or "" when there is no http(s) base: a relative link in a
        file opened from disk would point beside the report, not into the repository. The base is
        the repository's (``/blob/SHA``): a subfolder's paths get its prefix there."""
        return source_target(in_repository(prefix, path), start, end, base) if base else ""

    svg = Markup(graph_svg(report.facts.graph.directories))  # built from escaped parts in graph_svg
    return _env().get_template("report.html.j2").render(
        r=report, severities=SEVERITIES, sev_rank={s: i for i, s in enumerate(SEVERITIES)}, graph_svg=svg,
        banner=options.banner, link=link, label=line_label, breakable=breakable, facets=facets(report), plan_for=plan_for(report),
        counts=finding_counts(report), same_words=same_words, chunked_why=chunked_why(report),
        finding_ids={f.id for f in report.findings}, file_sccs=scc_sizes(report.facts.graph.files),
        deferred_note=deferred_note(report.facts.graph.files),
        groups={by: finding_groups(report, by) for by in ("rule", "file")}, kinds={f.id: kind(f) for f in report.findings},
        by_id={f.id: f for f in report.findings}, index={f.id: i for i, f in enumerate(report.findings)},
        dir_sccs=scc_sizes(report.facts.graph.directories))
