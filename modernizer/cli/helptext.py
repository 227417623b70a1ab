"""`--help` that reads at 80 columns.

Typer's rich help keeps a docstring's line breaks and then wraps again at the terminal's width,
which leaves ragged half-lines; and it labels every option with its Python type (``<bool>`` on
each flag, ``{path}`` in the usage line). Commands are registered with ``Command`` (no type on a
flag, a short upper-case placeholder on the others) and ``unwrap``ped docstrings.
"""

from __future__ import annotations

import inspect
from typing import Any, get_args

import typer.core

PLACEHOLDER = {int: "N", float: "N", str: "TEXT"}


def unwrap(doc: str | None) -> str | None:
    """Join each paragraph's lines into one, so the terminal wraps it once. A paragraph whose
    lines are indented or bulleted (a list, an example) keeps its lines."""
    if not doc:
        return doc
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    out = []
    for p in paragraphs:
        lines = p.splitlines()
        keep = any(line.startswith((" ", "- ", "* ", "$ ")) for line in lines[1:]) or p.startswith("\b")
        out.append(p if keep else " ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def placeholder(param: Any) -> str:
    """FLAG options: nothing; others: PATH, N, TEXT, or their choices."""
    if getattr(param, "is_flag", False):
        return ""
    desc = getattr(param, "type_descriptor", None)
    if desc is None:
        return (param.name or "value").upper()
    if desc.is_choice:
        return "|".join(str(c) for c in desc.choices or ())
    if desc.is_path:
        return "PATH"
    annotation = desc.annotation
    inner = [a for a in get_args(annotation) if a is not type(None)]
    if desc.is_list and inner:
        annotation = inner[0]
    elif inner and len(inner) == 1:  # Optional[X]
        annotation = inner[0]
    return PLACEHOLDER.get(annotation, "PATH" if getattr(annotation, "__name__", "") in ("Path", "PosixPath") else "TEXT")


class _FlagHelp:
    """--help is a flag like the others: no placeholder after it."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = ""
        return option


class Command(_FlagHelp, typer.core.TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for p in self.params:
            if p.param_type_name == "argument":
                name = p.metavar or (p.name or "arg").upper()
                p.metavar = name
                # typer 0.29 writes a required argument as {PATH} in the usage line and adds its type
                p.get_usage_pieces = lambda ctx, name=name: [name]  # type: ignore[method-assign]
                p.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
            elif p.metavar is None:
                p.metavar = placeholder(p)
            p._get_number_range_help_str = lambda: None  # type: ignore[attr-defined]  # "[x>=1]" on every number: noise


class Group(_FlagHelp, typer.core.TyperGroup):
    """The top-level command: its --version and --help are flags too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for p in self.params:
            if getattr(p, "is_flag", False):
                p.metavar = ""
