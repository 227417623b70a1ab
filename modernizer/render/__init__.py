"""Renderers: pure functions from Report to text. Writing files is the caller's business."""

from modernizer.render.html import render_html
from modernizer.render.json import render_json
from modernizer.render.markdown import render_markdown
from modernizer.render.sarif import render_sarif

RENDERERS = {"json": render_json, "html": render_html, "sarif": render_sarif, "md": render_markdown}

__all__ = ["RENDERERS", "render_html", "render_json", "render_markdown", "render_sarif"]
