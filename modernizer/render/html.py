"""One self-contained HTML file: inline CSS, a few lines of inline JS, no fonts or scripts from
the network, and every value autoescaped by jinja2 (code under analysis is hostile input)."""

from __future__ import annotations

from functools import lru_cache

import jinja2
from markupsafe import Markup

from modernizer.render.svg import graph_svg
from modernizer.render import RenderOptions
from modernizer.report import Report
from modernizer.schemas import SEVERITIES


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("modernizer", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(report: Report, options: RenderOptions | None = None) -> str:
    svg = Markup(graph_svg(report.facts.graph.directories))  # built from escaped parts in graph_svg
    return _env().get_template("report.html.j2").render(r=report, severities=SEVERITIES, graph_svg=svg)
