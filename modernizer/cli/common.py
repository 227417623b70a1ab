"""What every command shares: the two consoles, the error line, the exit-code text and the
option types that several commands take. Light on purpose: imported at start-up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import os
import re
import shlex
import shutil
import textwrap

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from modernizer.defaults import DEFAULT_BASE_URL, EXIT_FINDINGS, EXIT_INCOMPLETE, FAIL_ON_CHOICES

if TYPE_CHECKING:
    from modernizer.errors import ModernizerError

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

EXIT_CODES = (f"Exit codes: 0 done; {EXIT_FINDINGS} findings at or above --fail-on (with --baseline: new ones only); "
              "2 bad input (path, options, baseline, suppressions file, output folder); 3 model server unreachable or failing; "
              "4 codebase does not fit the window; 5 done but incomplete: some agents or modules failed (the report says which "
              "and why); 6 the reports could not be written (disk full), or with --history the run not recorded; 70 internal error (a bug: details in a crash file); "
              "130 interrupted.")

# `report` re-renders: it never asks a server nor fits a window (no 3, no 4)
REPORT_EXIT_CODES = (f"Exit codes: 0 done; {EXIT_FINDINGS} findings at or above --fail-on (with --baseline: new ones only); "
                     f"2 bad input (the report or baseline file, options, output folder); {EXIT_INCOMPLETE} the report is "
                     "of an incomplete run (some agents or modules failed: it says which); 6 the reports could not be "
                     "written (disk full); 70 internal error (a bug: details in a crash file); 130 interrupted.")

# options several commands take, declared once
Endpoint = Annotated[str, typer.Option("--endpoint", "-e", envvar="MODERNIZE_ENDPOINT", metavar="URL", rich_help_panel="Model server", show_default=False, help="The vLLM server's OpenAI-compatible base URL (default: port 8000 on 127.0.0.1, path /v1).")]
Model = Annotated[Optional[str], typer.Option(metavar="NAME", rich_help_panel="Model server", help="Served model name (default: the first the server lists).")]
AllowRemote = Annotated[list[str], typer.Option("--allow-remote", metavar="HOST", rich_help_panel="Model server", help="Allow sending code to this non-local host (repeatable).")]
LinkBase = Annotated[str, typer.Option("--link-base", metavar="URL", rich_help_panel="Output", help=(
    "Link every location in the HTML and Markdown reports to its lines under this URL prefix (on GitHub: the "
    "repository's URL, then /blob/ and the commit; a subfolder's paths are made to start at the repository's top level). "
    "Default: no links in HTML, repository-relative ones in Markdown."))]
FailOn = Annotated[str, typer.Option("--fail-on", metavar="SEVERITY", rich_help_panel="CI", help="Exit 1 if a finding at or above this severity is open (with --baseline: new): critical, high, medium, low or never.")]
__all__ = ["DEFAULT_BASE_URL", "EXIT_CODES", "REPORT_EXIT_CODES", "as_invoked", "invoked_as", "AllowRemote", "Endpoint", "FailOn", "Model", "check_fail_on", "emit", "err", "escape", "fail", "out"]


# How the user started this process (set by main.run): hints name the command the same way, so that
# one typed as .venv/bin/modernize (the README's way, nothing on PATH) is not told to run `modernize`.
INVOKED = ["modernize"]
_COMMAND = re.compile(r"(?<![\w./-])modernize(?= (?:analyze|serve|doctor|review|report|eval)\b)")


def invoked_as(argv0: str) -> str:
    """The command as typed, when it was typed as a path to the `modernize` script that the bare name
    would not find on PATH; else ``modernize``."""
    if os.path.basename(argv0) != "modernize" or os.sep not in argv0:
        return "modernize"
    found = shutil.which("modernize")
    if found and os.path.realpath(found) == os.path.realpath(argv0):
        return "modernize"
    return shlex.quote(argv0)


def as_invoked(text: str) -> str:
    """TEXT with every `modernize <command>` it suggests named the way this process was started."""
    return text if INVOKED[0] == "modernize" else _COMMAND.sub(lambda _m: INVOKED[0], text)


def emit(console: Console, prefix: str, text: str) -> None:
    """A message (plain TEXT) after a styled PREFIX (markup). On a terminal it is wrapped at words,
    its later lines indented under the text: printed whole, the terminal would cut it mid-word
    ("ba / tches"). Elsewhere (a log, a pipe) it stays one whole line, for grep."""
    text = as_invoked(text)
    lead = Text.from_markup(prefix).cell_len
    if console.is_terminal:
        rows = textwrap.wrap(text, width=max(20, console.width - lead), break_long_words=False,
                             break_on_hyphens=False) or [""]
        body = ("\n" + " " * lead).join(escape(r) for r in rows)
    else:
        body = escape(text)
    console.print(prefix + body, markup=True, soft_wrap=True, highlight=False)


def fail(exc: "ModernizerError") -> typer.Exit:
    """Print a ModernizerError as one error line and its hint; the exit it carries."""
    emit(err, "[bold red]error:[/] ", exc.message)
    if exc.hint:
        emit(err, "[dim]hint:[/] ", exc.hint)
    return typer.Exit(exc.exit_code)


def check_fail_on(fail_on: str) -> None:
    if fail_on not in FAIL_ON_CHOICES:
        err.print(f"[bold red]error:[/] --fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not {escape(repr(fail_on))}")
        raise typer.Exit(2)
