"""The `modernize` command. Thin: parse options, call the library, print, pick an exit code."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from modernizer import __version__
from modernizer import analysis
from modernizer.analysis import AnalyzeOptions, plan_tokens, prepare
from modernizer.agents import load_agents
from modernizer.client import DEFAULT_BASE_URL, Endpoint, LLMClient
from modernizer.errors import ModernizerError
from modernizer.ingest import DEFAULT_MAX_FILE_BYTES, IngestOptions
from modernizer.render import RENDERERS
from modernizer.report import Report

app = typer.Typer(
    name="modernize",
    help="Analyse a legacy codebase with a locally served model (vLLM): facts, findings checked against the code, a plan.\n\n"
         "Nothing leaves this machine: the model server must be on localhost unless you pass --allow-remote.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False, rich_markup_mode="rich",
)
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

EXIT_CODES = """Exit codes: 0 done; 2 bad input (path, options); 3 model server unreachable or failing; 4 codebase does not fit the window."""


def _fail(exc: ModernizerError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc.message}", markup=True, soft_wrap=True)
    if exc.hint:
        err.print(f"[dim]hint:[/] {exc.hint}", markup=True, soft_wrap=True)
    return typer.Exit(exc.exit_code)


def _version(value: bool) -> None:
    if value:
        out.print(f"modernizer {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None) -> None:
    """modernizer: multi-agent legacy-code analysis on a local vLLM."""


@app.command(epilog=EXIT_CODES)
def analyze(
    path: Annotated[Path, typer.Argument(help="Repository to analyse: a directory or a git work tree.")],
    endpoint: Annotated[str, typer.Option("--endpoint", "-e", envvar="MODERNIZE_ENDPOINT", help="OpenAI-compatible base URL of the vLLM server.")] = DEFAULT_BASE_URL,
    model: Annotated[Optional[str], typer.Option(help="Served model name (default: the first the server lists).")] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Facts only (languages, graph, cycles, tokens); no model calls.")] = False,
    plan: Annotated[bool, typer.Option("--plan", help="Print the token tree and the budget, then exit before any model call.")] = False,
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Where reports are written.")] = Path("reports"),
    formats: Annotated[list[str], typer.Option("--format", "-f", help="Report formats to write (repeatable): json, html.")] = ["json", "html"],
    exclude: Annotated[list[str], typer.Option("--exclude", "-x", help="Extra glob to leave out, on the relative path (repeatable).")] = [],
    max_file_bytes: Annotated[int, typer.Option(help="Files larger than this are skipped and listed.")] = DEFAULT_MAX_FILE_BYTES,
    allow_remote: Annotated[list[str], typer.Option("--allow-remote", help="Allow sending code to this non-local host (repeatable).")] = [],
    timeout: Annotated[float, typer.Option(help="Seconds one model request may take.")] = 900.0,
    window: Annotated[Optional[int], typer.Option(help="Context window to plan for when no server is asked (with --plan/--no-llm).")] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed, for repeatable runs.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the report paths.")] = False,
) -> None:
    """Analyse PATH and write reports/<repo>-<time>.json and .html.

    Runs the analyzer, security, modernization and validator agents over one shared, cached
    codebase prompt, checks every finding against the code, and writes the reports.
    """
    bad = [f for f in formats if f not in RENDERERS]
    if bad:
        err.print(f"[bold red]error:[/] unknown format {', '.join(bad)}; choose from {', '.join(RENDERERS)}")
        raise typer.Exit(2)
    opts = AnalyzeOptions(
        endpoint=Endpoint(base_url=endpoint, model=model, allow_remote=allow_remote, request_timeout=timeout),
        ingest=IngestOptions(max_file_bytes=max_file_bytes, exclude=exclude), no_llm=no_llm, seed=seed, window=window,
    )
    say = (lambda _m: None) if quiet else (lambda m: err.print(f"[dim]·[/] {m}", soft_wrap=True))
    try:
        if plan:
            asyncio.run(_print_plan(path, opts, say))
            return
        report = asyncio.run(analysis.analyze(path, opts, progress=say))
    except ModernizerError as exc:
        raise _fail(exc) from None
    for p in write_reports(report, output_dir, formats):
        out.print(str(p))
    if not quiet:
        _print_summary(report)


async def _print_plan(path: Path, opts: AnalyzeOptions, say) -> None:
    prep = prepare(path, opts)
    specs = load_agents()
    if opts.no_llm:
        tokens = await plan_tokens(prep, None, None, specs, opts.window)
    else:
        async with LLMClient(opts.endpoint) as client:
            info = await client.probe()
            tokens = await plan_tokens(prep, client, info, specs, opts.window)
    table = Table(title=f"Token plan: {prep.snapshot.name} ({tokens.budget.source.detail if tokens.budget else 'tiktoken estimate'})")
    table.add_column("directory")
    table.add_column("files", justify="right")
    table.add_column("tokens", justify="right")
    for d in tokens.by_directory:
        table.add_row(d.path, str(d.files), f"{d.tokens:,}")
    out.print(table)
    b = tokens.budget
    if b is None:
        out.print(f"codebase prompt: {tokens.total_tokens:,} tokens (estimate); window unknown: pass --window N or run against a server")
        return
    kind = "exact" if b.source.exact else "estimate"
    out.print(f"codebase prompt: {b.codebase_tokens:,} tokens ({kind}); window {b.window:,} - reserved output {b.reserved_output:,} "
              f"- overhead {b.overhead:,} = {b.available:,} available: {'[green]fits[/]' if b.fits else '[red]does not fit[/]'}")


def write_reports(report: Report, output_dir: Path, formats: list[str]) -> list[Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(report.generated_at).astimezone(timezone.utc).strftime("%Y%m%d-%H%M%S")
    paths = []
    for fmt in formats:
        p = output_dir / f"{report.repo.name}-{stamp}.{fmt}"
        tmp = p.with_suffix(p.suffix + ".tmp")
        tmp.write_text(RENDERERS[fmt](report), encoding="utf-8")
        os.replace(tmp, p)
        paths.append(p)
    return paths


def _print_summary(report: Report) -> None:
    s = report.summary
    sev = ", ".join(f"{n} {k}" for k, n in s["by_severity"].items() if n) or "none"
    err.print(f"findings: {s['findings']} ({sev}); grounding: {s['by_grounding']}; cycles: {s['cycles']}; "
              f"agents ok {s['agents_ok']}, failed {s['agents_failed']}", soft_wrap=True)
    for n in report.notes:
        err.print(f"[yellow]note:[/] {n}", soft_wrap=True)


@app.command()
def report(
    json_report: Annotated[Path, typer.Argument(help="A report written by `modernize analyze` (.json).")],
    formats: Annotated[list[str], typer.Option("--format", "-f", help="Formats to render (repeatable).")] = ["html"],
    output_dir: Annotated[Optional[Path], typer.Option("--output-dir", "-o", help="Default: next to the JSON report.")] = None,
) -> None:
    """Re-render a JSON report in other formats, without running anything again."""
    try:
        data = json_report.read_text(encoding="utf-8")
    except OSError as exc:
        err.print(f"[bold red]error:[/] cannot read {json_report}: {exc.strerror}")
        raise typer.Exit(2) from None
    from pydantic import ValidationError
    try:
        rep = Report.model_validate_json(data)
    except ValidationError as exc:
        err.print(f"[bold red]error:[/] {json_report} is not a modernizer report ({exc.error_count()} problems, first: {exc.errors()[0]['msg']})")
        raise typer.Exit(2) from None
    target = output_dir or json_report.parent
    target.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        if fmt not in RENDERERS:
            err.print(f"[bold red]error:[/] unknown format {fmt}")
            raise typer.Exit(2)
        p = target / (json_report.stem + "." + fmt)
        p.write_text(RENDERERS[fmt](rep), encoding="utf-8")
        out.print(str(p))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
