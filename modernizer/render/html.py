"""One self-contained HTML file: inline CSS, a few lines of inline JS, no fonts or scripts from
the network, and every value autoescaped by jinja2 (code under analysis is hostile input).

The page reads without JS (every finding listed, rejected ones marked); the script only adds the
filters and sorting. What the template needs beyond the report (facet counts, links, which plan
item addresses which finding) is computed here, so the template stays markup."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import jinja2
from markupsafe import Markup, escape

from modernizer.graph import GraphView
from modernizer.render import RenderOptions
from modernizer.render.links import line_label, source_target, web_base
from modernizer.render.svg import graph_svg
from modernizer.report import Report
from modernizer.schemas import SEVERITIES


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("modernizer", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def facets(report: Report) -> dict[str, list[tuple[str, int]]]:
    """The values each filter offers, most frequent first, with how many findings have them."""
    def count(values) -> list[tuple[str, int]]:  # noqa: ANN001
        return sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))
    fs = report.findings
    return {"category": count(f.category for f in fs), "agent": count(f.source for f in fs),
            "grounding": [(g, n) for g, n in report.summary.by_grounding.items() if n]}


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


def render_html(report: Report, options: RenderOptions | None = None) -> str:
    options = options or RenderOptions()
    base = web_base(options.link_base)

    def link(path: str, start: int | None = None, end: int | None = None) -> str:
        """The URL of a source location, or "" when there is no http(s) base: a relative link in a
        file opened from disk would point beside the report, not into the repository."""
        return source_target(path, start, end, base) if base else ""

    svg = Markup(graph_svg(report.facts.graph.directories))  # built from escaped parts in graph_svg
    return _env().get_template("report.html.j2").render(
        r=report, severities=SEVERITIES, sev_rank={s: i for i, s in enumerate(SEVERITIES)}, graph_svg=svg,
        banner=options.banner, link=link, label=line_label, breakable=breakable, facets=facets(report), plan_for=plan_for(report),
        finding_ids={f.id for f in report.findings}, file_sccs=scc_sizes(report.facts.graph.files),
        dir_sccs=scc_sizes(report.facts.graph.directories))
