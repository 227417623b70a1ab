from __future__ import annotations

from modernizer.render import RenderOptions
from modernizer.report import Report


def render_json(report: Report, options: RenderOptions | None = None) -> str:
    return report.model_dump_json(indent=2) + "\n"
