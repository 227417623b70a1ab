"""docs/reference.md, every command and option, written from the CLI itself:

    .venv/bin/python docs/make_reference.py          # rewrite docs/reference.md
    .venv/bin/python docs/make_reference.py --check  # exit 1 if it is out of date

Generated rather than written by hand so the page cannot drift from `--help`: the options, their
placeholders, defaults and help texts are read from the typer app (the same click objects `--help`
prints), grouped by the help panels `--help` shows. tests/test_docs.py fails when the page is not
what this script writes now; after changing an option, run it and commit the page.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
import typer.main

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "reference.md"

INTRO = """# Command reference

Every `modernize` command and option, as `--help` gives them. This page is written by
`docs/make_reference.py` from the CLI itself (a test checks it is up to date); the guides say when
to use what: [README](../README.md), [serve.md](serve.md), [ci.md](ci.md), [review.md](review.md),
[reports.md](reports.md), [eval.md](eval.md).

Options can also come from the environment where a row names a variable (`env`). Exit codes are
the same for every command ([README](../README.md#exit-codes)); a command's own notes follow its
options.
"""


def _text(text: str) -> str:
    """Help text as Markdown: `<repo>` outside code spans would be read as an HTML tag (and dropped)."""
    parts = text.split("`")
    return "`".join(p if i % 2 else p.replace("<", "&lt;").replace(">", "&gt;") for i, p in enumerate(parts))


def _cell(text: str) -> str:
    """One Markdown table cell: no line breaks, no bare pipes."""
    return _text(" ".join(text.split()).replace("|", "\\|"))


def _default(param: Any) -> str:
    """The default as --help would show it, only where it is a plain value: a default computed from
    this machine (a home folder, the CPU count) would make the page differ from one machine to the next."""
    if getattr(param, "show_default", None) is False:
        return ""
    value = param.default
    if callable(value) or value in (None, "", (), []) or isinstance(value, bool):
        return ""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    home = str(Path.home())
    if home and home != "/" and home in text:
        return ""
    return f"`{text}`"


def _names(param: Any) -> str:
    opts = [*param.opts, *getattr(param, "secondary_opts", [])]
    metavar = param.metavar or ""
    names = ", ".join(f"`{o}`" for o in opts)
    return f"{names} `{metavar}`" if metavar else names


def _options(cmd: Any) -> list[str]:
    lines: list[str] = []
    args = [p for p in cmd.params if p.param_type_name == "argument"]
    if args:
        lines += ["| argument | |", "|---|---|"]
        for a in args:
            lines.append(f"| `{a.metavar or (a.name or '').upper()}` | {_cell(getattr(a, 'help', None) or '')} |")
        lines.append("")
    panels: dict[str, list[Any]] = {}
    for p in cmd.params:
        if p.param_type_name != "argument" and not getattr(p, "hidden", False):
            panels.setdefault(getattr(p, "rich_help_panel", None) or "Options", []).append(p)
    for panel, params in panels.items():
        lines += [f"**{panel}**", "", "| option | default | |", "|---|---|---|"]
        for p in params:
            help_text = getattr(p, "help", None) or ""
            env = p.envvar if isinstance(p.envvar, str) else ", ".join(p.envvar or [])
            if env:
                help_text += f" (env `{env}`)"
            lines.append(f"| {_names(p)} | {_default(p)} | {_cell(help_text)} |")
        lines.append("")
    return lines


def render(app: typer.Typer) -> str:
    """The page, a pure function of the CLI's click tree."""
    group = typer.main.get_command(app)
    ctx = typer.Context(group, info_name="modernize")
    out = [INTRO, "## Commands", ""]
    names = list(group.commands)
    out += [f"- [`modernize {n}`](#modernize-{n}): {_cell((group.commands[n].help or '').split(chr(10))[0])}" for n in names]
    out += ["", "Global options: `--version` prints the version, `--help` the commands.", ""]
    for name in names:
        cmd = group.commands[name]
        sub = typer.Context(cmd, info_name=name, parent=ctx)
        usage = " ".join(cmd.collect_usage_pieces(sub))
        out += [f"## modernize {name}", "", "```", f"modernize {name} {usage}".rstrip(), "```", ""]
        out += [_text((cmd.help or "").strip()), ""]
        out += _options(cmd)
        if cmd.epilog:
            out += [_text(cmd.epilog.strip()), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from modernizer.cli import app

    page = render(app)
    if "--check" in argv:
        if PAGE.exists() and PAGE.read_text(encoding="utf-8") == page:
            return 0
        print(f"{PAGE.relative_to(ROOT)} is out of date: run `.venv/bin/python docs/make_reference.py`", file=sys.stderr)
        return 1
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
