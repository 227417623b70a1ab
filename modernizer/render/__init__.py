"""Renderers: pure functions from Report to text, one per format, all with the same signature
``(report, options) -> str``. Writing files is the caller's business. Each renderer's module is
imported when first used, so a command that renders nothing loads none of them."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from modernizer.report import Report


class RenderOptions(BaseModel):
    link_base: str = ""  # URL prefix for file links (Markdown, HTML); Markdown links are repository-relative when empty, HTML shows plain paths
    banner: str = ""  # HTML: a line shown above everything, e.g. that the report is an example and not a model run
    sarif_candidates: bool = False  # SARIF: also write the unconfirmed candidates as results (they are not alerts)


class Renderer(Protocol):
    def __call__(self, report: "Report", options: RenderOptions | None = None) -> str: ...


FORMATS: dict[str, str] = {"json": "modernizer.render.json:render_json", "html": "modernizer.render.html:render_html",
                           "sarif": "modernizer.render.sarif:render_sarif", "md": "modernizer.render.markdown:render_markdown"}


def renderer(fmt: str) -> Renderer:
    module, name = FORMATS[fmt].split(":")
    return getattr(import_module(module), name)


def render(report: "Report", fmt: str, options: RenderOptions | None = None) -> str:
    return renderer(fmt)(report, options)


class _Renderers(dict):
    """``RENDERERS[fmt](report)``: the renderers by format name, imported on first use."""

    def __missing__(self, fmt: str) -> Renderer:
        if fmt not in FORMATS:
            raise KeyError(fmt)
        self[fmt] = renderer(fmt)
        return self[fmt]

    def __iter__(self):
        return iter(FORMATS)

    def __contains__(self, fmt: object) -> bool:
        return fmt in FORMATS

    def __len__(self) -> int:
        return len(FORMATS)


RENDERERS = _Renderers()
__all__ = ["FORMATS", "RENDERERS", "RenderOptions", "Renderer", "render", "renderer"]
