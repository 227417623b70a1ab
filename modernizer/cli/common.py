"""What every command shares: the two consoles, the error line, the exit-code text and the
option types that several commands take. Light on purpose: imported at start-up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from modernizer.defaults import DEFAULT_BASE_URL, EXIT_FINDINGS, FAIL_ON_CHOICES

if TYPE_CHECKING:
    from modernizer.errors import ModernizerError

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

EXIT_CODES = (f"Exit codes: 0 done; {EXIT_FINDINGS} findings at or above --fail-on (with --baseline: new ones only); "
              "2 bad input (path, options, baseline, suppressions file, output folder); 3 model server unreachable or failing; "
              "4 codebase does not fit the window; 5 done but incomplete: some agents or modules failed (the report says which "
              "and why); 6 the reports could not be written (disk full); 70 internal error (a bug: details in a crash file); "
              "130 interrupted.")

# options several commands take, declared once
Endpoint = Annotated[str, typer.Option("--endpoint", "-e", envvar="MODERNIZE_ENDPOINT", metavar="URL", rich_help_panel="Model server", show_default=False, help="The vLLM server's OpenAI-compatible base URL (default: port 8000 on 127.0.0.1, path /v1).")]
Model = Annotated[Optional[str], typer.Option(metavar="NAME", rich_help_panel="Model server", help="Served model name (default: the first the server lists).")]
AllowRemote = Annotated[list[str], typer.Option("--allow-remote", metavar="HOST", rich_help_panel="Model server", help="Allow sending code to this non-local host (repeatable).")]
LinkBase = Annotated[str, typer.Option("--link-base", metavar="URL", rich_help_panel="Output", help=(
    "Link every location in the HTML and Markdown reports to its lines under this URL prefix (on GitHub: the "
    "repository's URL, then /blob/ and the commit; a subfolder's paths are made to start at the repository's top level). "
    "Default: no links in HTML, repository-relative ones in Markdown."))]
FailOn = Annotated[str, typer.Option("--fail-on", metavar="SEVERITY", rich_help_panel="CI", help="Exit 1 if a finding at or above this severity is open (with --baseline: new): critical, high, medium, low or never.")]
__all__ = ["DEFAULT_BASE_URL", "EXIT_CODES", "AllowRemote", "Endpoint", "FailOn", "Model", "check_fail_on", "err", "escape", "fail", "out"]


def fail(exc: "ModernizerError") -> typer.Exit:
    """Print a ModernizerError as one error line and its hint; the exit it carries."""
    err.print(f"[bold red]error:[/] {escape(exc.message)}", markup=True, soft_wrap=True)
    if exc.hint:
        err.print(f"[dim]hint:[/] {escape(exc.hint)}", markup=True, soft_wrap=True)
    return typer.Exit(exc.exit_code)


def check_fail_on(fail_on: str) -> None:
    if fail_on not in FAIL_ON_CHOICES:
        err.print(f"[bold red]error:[/] --fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not {escape(repr(fail_on))}")
        raise typer.Exit(2)
