"""Renderers: pure functions from Report to text. Writing files is the caller's business."""

from modernizer.render.html import render_html
from modernizer.render.json import render_json

RENDERERS = {"json": render_json, "html": render_html}

__all__ = ["RENDERERS", "render_html", "render_json"]
