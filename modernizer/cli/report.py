"""`modernize report`: re-render a JSON report, optionally against a baseline; no model, no code read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from modernizer.cli.analyze import gate, render
from modernizer.cli.common import FailOn, LinkBase, check_fail_on, err, escape, fail, out
from modernizer.defaults import FORMATS


def report(
    json_report: Annotated[Path, typer.Argument(help="A report written by `modernize analyze` (.json).")],
    formats: Annotated[list[str], typer.Option("--format", "-f", rich_help_panel="Output", help="Formats to render (repeatable): json, html, sarif, md.")] = ["html"],
    output_dir: Annotated[Optional[Path], typer.Option("--output-dir", "-o", rich_help_panel="Output", help="Default: next to the JSON report.")] = None,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", rich_help_panel="CI", help="An earlier JSON report to compare with (new / unchanged / fixed).")] = None,
    fail_on: FailOn = "never",
    sarif_candidates: Annotated[bool, typer.Option("--sarif-candidates", rich_help_panel="Output", help="Also write the static pass's unconfirmed candidates as SARIF results (level note). Off by default: candidates are not alerts; the JSON and HTML reports always list them.")] = False,
    link_base: LinkBase = "",
) -> None:
    """Re-render a JSON report in other formats, without running anything again.

    With --baseline the report is compared with an earlier one first (a finding absent now counts
    as fixed: no code is read, so "not reported" cannot be told apart here); --fail-on gates on it.
    """
    from modernizer.findings.baseline import compare
    from modernizer.errors import ModernizerError
    from modernizer.report.files import check_writable, load_report, write_all

    check_fail_on(fail_on)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        err.print(f"[bold red]error:[/] unknown format {escape(', '.join(bad))}; choose from {', '.join(FORMATS)}")
        raise typer.Exit(2)
    try:
        rep = load_report(json_report)[0]
        if baseline is not None:
            rep = compare(rep, load_report(baseline, "baseline report")[0], baseline.name)
        target = output_dir or json_report.parent
        check_writable(target)
        written = write_all({target / (json_report.stem + "." + fmt): render(rep, fmt, link_base, sarif_candidates) for fmt in formats})
    except ModernizerError as exc:
        raise fail(exc) from None
    for p in written:
        out.print(str(p), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(gate(rep, fail_on))
