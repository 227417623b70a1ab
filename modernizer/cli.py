"""The `modernize` command. Thin: parse options, call the library, print, pick an exit code."""

from __future__ import annotations

import asyncio
import os
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from modernizer import __version__
from modernizer import analysis
from modernizer.analysis import AnalyzeOptions, chunk_plan, plan_tokens, prepare, use_modules
from modernizer.gate import EXIT_FINDINGS, EXIT_INCOMPLETE, FAIL_ON_CHOICES, exit_code, gating_findings, incomplete
from modernizer.baseline import compare
from modernizer.agents import load_agents
from modernizer.client import DEFAULT_BASE_URL, Endpoint, LLMClient
from modernizer.errors import ModernizerError
from modernizer.ingest import DEFAULT_MAX_FILE_BYTES, IngestOptions
from modernizer.render import RENDERERS
from modernizer.render.markdown import render_markdown
from modernizer.report import Report
from modernizer.reportfiles import check_writable, load_report, output_location, relative_inside, stamp, write_all

app = typer.Typer(
    name="modernize",
    help="Analyse a legacy codebase with a locally served model (vLLM): facts, findings checked against the code, a plan.\n\n"
         "Nothing leaves this machine: the model server must be on localhost unless you pass --allow-remote.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False, rich_markup_mode="rich",
)
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

EXIT_CODES = (f"Exit codes: 0 done; {EXIT_FINDINGS} findings at or above --fail-on (with --baseline: new ones only); "
              "2 bad input (path, options, baseline, suppressions file, output folder); 3 model server unreachable or failing; "
              "4 codebase does not fit the window; 5 done but incomplete: some agents or modules failed (the report says which "
              "and why); 6 the reports could not be written (disk full); 70 internal error (a bug: details in a crash file); "
              "130 interrupted.")


def _fail(exc: ModernizerError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(exc.message)}", markup=True, soft_wrap=True)
    if exc.hint:
        err.print(f"[dim]hint:[/] {escape(exc.hint)}", markup=True, soft_wrap=True)
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
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Repository to analyse: a directory or a git work tree.")],
    endpoint: Annotated[str, typer.Option("--endpoint", "-e", envvar="MODERNIZE_ENDPOINT", help="OpenAI-compatible base URL of the vLLM server.")] = DEFAULT_BASE_URL,
    model: Annotated[Optional[str], typer.Option(help="Served model name (default: the first the server lists).")] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Facts only (languages, graph, cycles, tokens); no model calls.")] = False,
    plan: Annotated[bool, typer.Option("--plan", help="Print the token tree and the budget, then exit before any model call.")] = False,
    output_dir: Annotated[Optional[Path], typer.Option("--output-dir", "-o", help="Where reports are written (default: ./reports, or your user data folder when ./reports would be inside PATH).")] = None,
    formats: Annotated[list[str], typer.Option("--format", "-f", help="Report formats to write (repeatable): json, html, sarif, md.")] = ["json", "html"],
    sarif: Annotated[bool, typer.Option("--sarif", help="Also write SARIF 2.1.0 (<repo>-<time>.sarif), for code scanning.")] = False,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", help="An earlier JSON report: mark findings new or unchanged and list the fixed ones.")] = None,
    fail_on: Annotated[str, typer.Option("--fail-on", help="Exit 1 if a finding at or above this severity is open (with --baseline: new): critical, high, medium, low or never.")] = "never",
    link_base: Annotated[str, typer.Option("--link-base", help="URL prefix for file links in the Markdown report (e.g. https://github.com/OWNER/REPO/blob/SHA); default: repository-relative links.")] = "",
    exclude: Annotated[list[str], typer.Option("--exclude", "-x", help="Extra glob to leave out, on the relative path (repeatable).")] = [],
    max_file_bytes: Annotated[int, typer.Option(min=1, help="Files larger than this are skipped and listed.")] = DEFAULT_MAX_FILE_BYTES,
    allow_remote: Annotated[list[str], typer.Option("--allow-remote", help="Allow sending code to this non-local host (repeatable).")] = [],
    timeout: Annotated[float, typer.Option(min=1, help="Seconds one model answer may take once it streams (a gap of 120 s with nothing new ends it sooner).")] = 900.0,
    first_token_timeout: Annotated[Optional[float], typer.Option("--first-token-timeout", min=1, help="Seconds to wait for a request's first token, which includes reading the prompt (default: sized from the prompt, 60 s + 1 s per 400 tokens until the server's speed is measured).")] = None,
    window: Annotated[Optional[int], typer.Option(min=1, help="Context window to plan for when no server is asked (with --plan/--no-llm).")] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed, for repeatable runs.")] = 0,
    mode: Annotated[str, typer.Option(help="auto: one shared context if the code fits the window, else modules; single: fail if it does not fit; modules: always chunk.")] = "auto",
    concurrency: Annotated[int, typer.Option(min=1, help="Modules analysed at once in chunked mode (match the server's --max-num-seqs budget).")] = 4,
    cache_dir: Annotated[Optional[Path], typer.Option(help="Result cache and checkpoint directory, outside PATH (default: per user, e.g. ~/.cache/modernizer/results/<repo>-<hash>).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ask the model for everything again; keep no checkpoint.")] = False,
    serve_profile: Annotated[Optional[str], typer.Option("--serve-profile", envvar="MODERNIZE_SERVE_PROFILE", help="Gateway mode: if nothing answers at the (local) endpoint, start the managed vLLM there with this profile (modernize serve --list-profiles) and leave it running until --idle-timeout.")] = None,
    serve_model: Annotated[Optional[str], typer.Option("--serve-model", envvar="MODERNIZE_SERVE_MODEL", help="With --serve-profile: the checkpoint to serve (directory or Hugging Face id); default: the profile's.")] = None,
    idle_timeout: Annotated[float, typer.Option("--idle-timeout", help="With --serve-profile: seconds without a request before the managed server stops and frees the GPU (0: never).")] = 900.0,
    startup_timeout: Annotated[float, typer.Option("--startup-timeout", help="With --serve-profile: seconds to wait for the managed server to become healthy.")] = 900.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the report paths.")] = False,
) -> None:
    """Analyse PATH and write reports/<repo>-<time>.json and .html.

    Runs the analyzer, security, modernization and validator agents over one shared, cached
    codebase prompt, checks every finding against the code, and writes the reports.
    """
    if mode not in ("auto", "single", "modules"):
        err.print(f"[bold red]error:[/] --mode must be auto, single or modules, not {escape(repr(mode))}")
        raise typer.Exit(2)
    bad = [f for f in formats if f not in RENDERERS]
    if bad:
        err.print(f"[bold red]error:[/] unknown format {escape(', '.join(bad))}; choose from {', '.join(RENDERERS)}")
        raise typer.Exit(2)
    formats = list(dict.fromkeys([*formats, *(["sarif"] if sarif else [])]))
    _check_fail_on(fail_on)
    try:
        base = load_report(baseline, "baseline report")[0] if baseline is not None else None
        target, where = output_location(output_dir, path)
        check_writable(target)
    except ModernizerError as exc:
        raise _fail(exc) from None
    own = relative_inside(target, path) if path.is_dir() else None
    ingest = IngestOptions(max_file_bytes=max_file_bytes, exclude=exclude)
    ingest.hidden += [own] if own else []
    opts = AnalyzeOptions(
        endpoint=Endpoint(base_url=endpoint, model=model, allow_remote=allow_remote, request_timeout=timeout,
                          first_token_timeout=first_token_timeout),
        ingest=ingest, no_llm=no_llm, seed=seed, window=window,
        mode=mode, concurrency=concurrency, cache_dir=cache_dir, use_cache=not no_cache,
    )
    say = (lambda _m: None) if quiet else (lambda m: err.print(f"[dim]·[/] {escape(m)}", soft_wrap=True, highlight=False))
    if where and not plan:
        say(where)
    try:
        if not no_llm:
            concurrency_given = getattr(ctx.get_parameter_source("concurrency"), "name", "") != "DEFAULT"
            opts = _managed_server(opts, serve_profile, serve_model, idle_timeout, startup_timeout, concurrency_given, say)
        if plan:
            asyncio.run(_print_plan(path, opts, say))
            return
        report = asyncio.run(analysis.analyze(path, opts, progress=say, baseline=base,
                                              baseline_source=baseline.name if baseline else ""))
        written = write_reports(report, target, formats, link_base=link_base)
    except ModernizerError as exc:
        raise _fail(exc) from None
    for p in written:
        out.print(str(p), markup=False, highlight=False, soft_wrap=True)
    if not quiet:
        _print_summary(report)
    raise typer.Exit(_gate(report, fail_on))


def _managed_server(opts: AnalyzeOptions, profile: str | None, model: str | None, idle_timeout: float,
                    startup_timeout: float, concurrency_given: bool, say) -> AnalyzeOptions:
    """--serve-profile: make sure a server answers at the endpoint, starting the managed one if need be.
    At a managed server (started now or before), keep as many modules in flight as it runs requests
    (two agents each), unless --concurrency says otherwise."""
    from modernizer.serve import gateway, manager

    if profile:
        state = gateway.ensure_server(opts.endpoint.base_url, profile, model, directory=manager.state_dir(),
                                      idle_timeout=idle_timeout, startup_timeout=startup_timeout, progress=say)
    else:
        state = gateway.managed_at(opts.endpoint.base_url, manager.state_dir())
    if state is not None and not concurrency_given:
        opts = opts.model_copy(update={"concurrency": max(1, state.concurrency // 2)})
        say(f"managed server runs {state.concurrency} requests at once: up to {opts.concurrency} modules in flight")
    return opts


def _check_fail_on(fail_on: str) -> None:
    if fail_on not in FAIL_ON_CHOICES:
        err.print(f"[bold red]error:[/] --fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not {escape(repr(fail_on))}")
        raise typer.Exit(2)


def _gate(report: Report, fail_on: str) -> int:
    """The run's exit code (``baseline.exit_code``), with a line saying why when it is not 0."""
    code = exit_code(report, fail_on)
    if code == EXIT_INCOMPLETE:
        failed = incomplete(report)
        err.print(f"[bold yellow]incomplete:[/] {len(failed)} part(s) of the analysis failed (exit {EXIT_INCOMPLETE}); "
                  "the report lists them with their reasons", soft_wrap=True)
    if code != EXIT_FINDINGS:
        return code
    gating = gating_findings(report, fail_on)
    which = "new " if report.baseline is not None else ""
    err.print(f"[bold red]fail-on {fail_on}:[/] {len(gating)} {which}finding(s) at or above {fail_on}: "
              + escape(", ".join(f"{f.id} {f.severity} {f.file}:{f.line_start}" for f in gating[:10]))
              + (" ..." if len(gating) > 10 else ""), soft_wrap=True)
    return EXIT_FINDINGS


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
    if use_modules(opts, tokens) and b is not None:
        plan, _ = chunk_plan(prep, tokens, specs)
        mt = Table(title=f"Module plan: {len(plan.modules)} modules of at most {plan.budget:,} tokens (chunked mode)")
        for col in ("module", "name", "files", "tokens"):
            mt.add_column(col, justify="right" if col in ("files", "tokens") else "left")
        for m in plan.modules:
            mt.add_row(m.id, m.name, str(len(m.files)), f"{m.tokens:,}")
        out.print(mt)
        owner = {p.path: m.id for m in plan.modules for p in m.parts}
        crossing = [c for c in prep.facts.graph.files.cycles if len({owner[f] for f in c}) > 1]
        out.print(f"cross-module edges: {sum(e.count for e in plan.cross_edges):,} between {len(plan.cross_edges)} module pairs; "
                  f"file cycles crossing modules: {len(crossing)}; files split by lines: {len(plan.split_files)}")
        for e in plan.cross_edges[:30]:
            out.print(f"  {e.source} -> {e.target}: {e.count}")
        if len(plan.cross_edges) > 30:
            out.print(f"  ... {len(plan.cross_edges) - 30} more pairs")


def render(report: Report, fmt: str, link_base: str = "") -> str:
    return render_markdown(report, link_base) if fmt == "md" else RENDERERS[fmt](report)


def write_reports(report: Report, output_dir: Path, formats: list[str], link_base: str = "") -> list[Path]:
    name = f"{report.repo.name}-{stamp(report.generated_at)}"
    return write_all({output_dir / f"{name}.{fmt}": render(report, fmt, link_base) for fmt in formats})


def _print_summary(report: Report) -> None:
    s = report.summary
    sev = ", ".join(f"{n} {k}" for k, n in s.by_severity.items() if n) or "none"
    err.print(f"findings: {s.findings} ({sev}); grounding: {s.by_grounding}; cycles: {s.cycles}; "
              f"agents ok {s.agents_ok}" + (f", partial {s.agents_partial}" if s.agents_partial else "")
              + f", failed {s.agents_failed}", soft_wrap=True)
    if s.suppressed:
        err.print(f"suppressed: {s.suppressed} (modernize-suppressions.toml)", soft_wrap=True)
    if s.baseline is not None:
        b = s.baseline
        err.print(f"against the baseline: {b.new} new, {b.unchanged} unchanged, {b.fixed} fixed"
                  + (f", {b.not_reported} not reported (code unchanged)" if b.not_reported else ""), soft_wrap=True)
    failed = incomplete(report)
    for line in failed[:10]:
        err.print(f"[yellow]failed:[/] {escape(line)}", soft_wrap=True)
    if len(failed) > 10:
        err.print(f"[yellow]failed:[/] ... {len(failed) - 10} more (see Agents and Modules in the report)", soft_wrap=True)
    for n in report.notes:
        err.print(f"[yellow]note:[/] {escape(n)}", soft_wrap=True)


@app.command(epilog=EXIT_CODES)
def report(
    json_report: Annotated[Path, typer.Argument(help="A report written by `modernize analyze` (.json).")],
    formats: Annotated[list[str], typer.Option("--format", "-f", help="Formats to render (repeatable): json, html, sarif, md.")] = ["html"],
    output_dir: Annotated[Optional[Path], typer.Option("--output-dir", "-o", help="Default: next to the JSON report.")] = None,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", help="An earlier JSON report to compare with (new / unchanged / fixed).")] = None,
    fail_on: Annotated[str, typer.Option("--fail-on", help="Exit 1 if a finding at or above this severity is open (with --baseline: new): critical, high, medium, low or never.")] = "never",
    link_base: Annotated[str, typer.Option("--link-base", help="URL prefix for file links in the Markdown report.")] = "",
) -> None:
    """Re-render a JSON report in other formats, without running anything again.

    With --baseline the report is compared with an earlier one first (a finding absent now counts
    as fixed: no code is read, so "not reported" cannot be told apart here); --fail-on gates on it.
    """
    _check_fail_on(fail_on)
    bad = [f for f in formats if f not in RENDERERS]
    if bad:
        err.print(f"[bold red]error:[/] unknown format {escape(', '.join(bad))}; choose from {', '.join(RENDERERS)}")
        raise typer.Exit(2)
    try:
        rep = load_report(json_report)[0]
        if baseline is not None:
            rep = compare(rep, load_report(baseline, "baseline report")[0], baseline.name)
        target = output_dir or json_report.parent
        check_writable(target)
        written = write_all({target / (json_report.stem + "." + fmt): render(rep, fmt, link_base) for fmt in formats})
    except ModernizerError as exc:
        raise _fail(exc) from None
    for p in written:
        out.print(str(p), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(_gate(rep, fail_on))


REVIEW_EPILOG = ("Keys: f fix (ask the model) · e edit (write the fix yourself) · a apply · s skip · p false positive · "
                 "u undo · n next · b back · d details · q quit (resume later) · ? help.\n\n"
                 "Exit codes: 0 done; 2 bad input (report, options, repository not a git work tree without --no-git); "
                 "3 model server unreachable or failing (with --apply).")


@app.command(epilog=REVIEW_EPILOG)
def review(
    json_report: Annotated[Path, typer.Argument(help="A report written by `modernize analyze` (.json).")],
    endpoint: Annotated[str, typer.Option("--endpoint", "-e", envvar="MODERNIZE_ENDPOINT", help="OpenAI-compatible base URL of the vLLM server that writes fixes.")] = DEFAULT_BASE_URL,
    model: Annotated[Optional[str], typer.Option(help="Served model name (default: the first the server lists).")] = None,
    severity: Annotated[Optional[str], typer.Option("--severity", help="Review only findings at this severity or above: critical, high, medium, low, info.")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="No questions: ask for a fix to every finding (see --severity) and apply each one that places cleanly.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --apply: print the patches, change nothing.")] = False,
    no_git: Annotated[bool, typer.Option("--no-git", help="Write fixes to the work tree (originals kept in .modernize/review/ for undo) instead of commits on a new branch.")] = False,
    test_cmd: Annotated[Optional[str], typer.Option("--test-cmd", help="Your project's test command, run in the repository after each fix; pass/fail is reported per fix.")] = None,
    test_timeout: Annotated[float, typer.Option(help="Seconds --test-cmd may run.")] = 600.0,
    owner: Annotated[Optional[str], typer.Option("--owner", help="Who decides false positives (default: git user.email, or your login).")] = None,
    restart: Annotated[bool, typer.Option("--restart", help="Start over instead of resuming the saved session.")] = False,
    allow_remote: Annotated[list[str], typer.Option("--allow-remote", help="Allow sending code to this non-local host (repeatable).")] = [],
    timeout: Annotated[float, typer.Option(help="Seconds one model request may take.")] = 900.0,
    seed: Annotated[int, typer.Option(help="Sampling seed, for repeatable fixes.")] = 0,
) -> None:
    """Walk a report's findings, most severe first: see the code, get a fix, apply it, or mark a false positive.

    Fixes come from a short request (the finding and the lines around it) as search/replace edits;
    an edit whose search text is not in the file exactly once is rejected. Applied fixes are commits
    on a new branch modernize/review-<time> (one per fix), checked again against the code and by your
    --test-cmd. False positives go to modernize-suppressions.toml in the repository, with your reason,
    and the next `modernize analyze` honours them. The session is saved next to the report
    (<report>.review.json) after every change: quit any time, run the same command to resume.
    """
    from modernizer.review.session import ModelFixer, ReviewOptions, Session, open_state
    from modernizer.review.terminal import TerminalUI
    from modernizer.schemas import SEVERITIES

    if severity is not None and severity not in SEVERITIES:
        err.print(f"[bold red]error:[/] unknown severity {escape(severity)}; choose from {', '.join(SEVERITIES)}")
        raise typer.Exit(2)
    if dry_run and not apply:
        err.print("[bold red]error:[/] --dry-run goes with --apply (the interactive session never changes anything without asking)")
        raise typer.Exit(2)
    opts = ReviewOptions(endpoint=Endpoint(base_url=endpoint, model=model, allow_remote=allow_remote, request_timeout=timeout),
                         severity=severity, use_git=not no_git, test_cmd=test_cmd, test_timeout=test_timeout, owner=owner,
                         restart=restart or dry_run, seed=seed)
    try:
        from modernizer.client import check_endpoint_allowed

        check_endpoint_allowed(opts.endpoint.base_url, opts.endpoint.allow_remote)
        state, _report, resumed = open_state(json_report, opts)
        if resumed and severity and severity != state.severity:
            err.print(f"[yellow]note:[/] resuming a session that walks {state.severity or 'every severity'}; "
                      "--severity applies to new sessions (--restart to start over)", soft_wrap=True)
        if state.skipped_suppressed and not resumed:
            err.print(f"[dim]·[/] {len(state.skipped_suppressed)} findings already in modernize-suppressions.toml are left out", soft_wrap=True)
        if apply:
            ui = TerminalUI(console=out, compact=True)
            session = Session(state, json_report, opts, ui, fixer=ModelFixer(opts.endpoint, Path(state.repo_root), seed),
                              persist=not dry_run, fail_on_server=True)
            counts = session.run_batch(apply=not dry_run)
            done = f"{counts['applied']} applied, {counts['failed']} failed to apply" if not dry_run else "dry run: nothing changed"
            n = len(state.order)
            err.print(f"{n} finding{'s' if n != 1 else ''}: {counts['proposed']} fixes proposed, {counts['rejected']} rejected; {done}", soft_wrap=True)
            if not dry_run and state.mode == "git" and session.state.base_commit:
                err.print(f"fixes are on branch {session.state.branch}", soft_wrap=True)
            return
        Session(state, json_report, opts, TerminalUI(console=out)).run(resumed)
    except ModernizerError as exc:
        raise _fail(exc) from None


SERVE_EPILOG = """Exit codes: 0 done; 2 bad options or a profile that cannot fit; 3 the server did not start (the end of its log is printed)."""


@app.command(epilog=SERVE_EPILOG)
def serve(
    profile: Annotated[Optional[str], typer.Option("--profile", "-p", help="Hardware profile (default: chosen from the GPUs nvidia-smi lists); see --list-profiles.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", envvar="MODERNIZE_SERVE_MODEL", help="Checkpoint directory or Hugging Face id (default: the profile's Nemotron-3-Nano checkpoint).")] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the exact vLLM command and exit.")] = False,
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Return once healthy and leave the server running in the background.")] = False,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the managed server.")] = False,
    list_profiles: Annotated[bool, typer.Option("--list-profiles", help="List the profiles and exit.")] = False,
    idle_timeout: Annotated[float, typer.Option("--idle-timeout", help="Stop after this many seconds without a request, freeing the GPU (0: never).")] = 0.0,
    startup_timeout: Annotated[float, typer.Option("--startup-timeout", help="Seconds to wait for the server to become healthy.")] = 900.0,
    tensor_parallel_size: Annotated[Optional[int], typer.Option("--tensor-parallel-size", "--tp", help="Split the model over N GPUs (one prefix cache: best for one repository).")] = None,
    data_parallel_size: Annotated[Optional[int], typer.Option("--data-parallel-size", "--dp", help="N replicas (each its own prefix cache: for several repositories at once).")] = None,
    max_model_len: Annotated[Optional[int], typer.Option("--max-model-len", help="Window in tokens (default: computed from free GPU memory, up to the model's 262,144).")] = None,
    max_num_seqs: Annotated[Optional[int], typer.Option("--max-num-seqs", help="Requests run at once per replica.")] = None,
    quantization: Annotated[Optional[str], typer.Option("--quantization", help="Weights: bf16, fp8 or nvfp4 (picks the checkpoint).")] = None,
    kv_cache_dtype: Annotated[Optional[str], typer.Option("--kv-cache-dtype", help="auto or fp8.")] = None,
    gpu_memory_utilization: Annotated[Optional[float], typer.Option("--gpu-memory-utilization", help="Fraction of each GPU's memory vLLM may take (default: the profile's, lowered to what is free).")] = None,
    cpu_offload_gb: Annotated[Optional[float], typer.Option("--cpu-offload-gb", help="GiB of weights per GPU kept in CPU memory (slow; for weights that do not fit).")] = None,
    reasoning_parser: Annotated[Optional[str], typer.Option("--reasoning-parser", help="vLLM reasoning parser, or 'none' (default: nemotron_v3 on GPU profiles).")] = None,
    extra_arg: Annotated[list[str], typer.Option("--extra-arg", help="One more vLLM argument, passed as is (repeatable; e.g. --extra-arg=--load-format=dummy).")] = [],
    env: Annotated[list[str], typer.Option("--env", help="KEY=VALUE set for vLLM (repeatable).")] = [],
    vllm_python: Annotated[Optional[str], typer.Option("--vllm-python", envvar="MODERNIZE_VLLM_PYTHON", help="Python interpreter that has vLLM (default: this one).")] = None,
    state_dir: Annotated[Optional[Path], typer.Option("--state-dir", envvar="MODERNIZE_STATE_DIR", help="Where the managed server's state and log live (default: ~/.cache/modernizer).")] = None,
) -> None:
    """Start (or --stop) a local vLLM serving Nemotron-3-Nano-30B-A3B with a hardware profile.

    The profile comes from the GPUs found (or --profile) and sets the weights format, the window
    (from free GPU memory), prefix caching for this hybrid Mamba model, FP8 KV cache where memory
    is tight, and Nemotron's reasoning parser. The server binds 127.0.0.1 only.
    """
    from modernizer.serve import manager, profiles

    directory = manager.state_dir(state_dir)
    if list_profiles:
        table = Table(title="modernize serve profiles")
        for col in ("profile", "hardware", "key settings"):
            table.add_column(col)
        for row in profiles.describe_profiles():
            table.add_row(*row)
        out.print(table)
        return
    if stop:
        state = manager.stop(directory)
        out.print(f"stopped the managed server (profile {state.profile}, pid {state.pid}, {state.base_url})" if state
                  else f"no managed server is running (state in {directory})", markup=False)
        return
    if quantization is not None and quantization not in profiles.QUANTIZATIONS:
        err.print(f"[bold red]error:[/] --quantization must be one of {', '.join(profiles.QUANTIZATIONS)}, not {escape(repr(quantization))}")
        raise typer.Exit(2)
    bad_env = [e for e in env if "=" not in e or not e.split("=", 1)[0]]
    if bad_env:
        err.print(f"[bold red]error:[/] --env takes KEY=VALUE, not {escape(repr(bad_env[0]))}")
        raise typer.Exit(2)
    overrides = profiles.Overrides(
        python=vllm_python or manager.vllm_python(), tensor_parallel_size=tensor_parallel_size,
        data_parallel_size=data_parallel_size, max_model_len=max_model_len, max_num_seqs=max_num_seqs,
        quantization=quantization, kv_cache_dtype=kv_cache_dtype, gpu_memory_utilization=gpu_memory_utilization,
        cpu_offload_gib=cpu_offload_gb, reasoning_parser=reasoning_parser, extra_args=extra_arg,
        env=dict(e.split("=", 1) for e in env))
    say = lambda m: err.print(f"[dim]·[/] {escape(m)}", soft_wrap=True, highlight=False)  # noqa: E731
    try:
        chosen, cmd, info = manager.prepare_command(profile, model, port, overrides)
        if profile is None:
            say(f"profile {chosen.name} ({chosen.hardware}) for {info.gpus[0].name} x{len(info.gpus)}")
        for n in cmd.notes:
            err.print(f"[yellow]note:[/] {escape(n)}", soft_wrap=True)
        if dry_run:
            out.print(cmd.shell(), markup=False, highlight=False, soft_wrap=True)
            m = cmd.memory
            err.print(f"profile {cmd.profile}: window {cmd.window:,} tokens, up to {cmd.concurrency} requests at once"
                      + (f"; per GPU: {m.budget_gib:g} GiB usable, weights {m.weights_gib:g} GiB, cache pool {m.kv_pool_gib:g} GiB "
                         f"(~{m.fits_tokens:,} tokens, {m.token_bytes:,} bytes/token, block {m.block_size})" if m else ""),
                      soft_wrap=True, markup=False)
            return
        started = manager.start(cmd, directory, idle_timeout=idle_timeout, startup_timeout=startup_timeout, progress=say)
    except ModernizerError as exc:
        raise _fail(exc) from None
    s = started.state
    if not detach:
        import signal

        def _interrupt(*_args) -> None:
            raise KeyboardInterrupt

        for sig in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal or a kill stops the server too
            signal.signal(sig, _interrupt)  # before the line below: whoever reads it may signal at once
    out.print(f"serving {s.served_model_name} at {s.base_url} (profile {s.profile}, pid {s.pid}, window {s.window:,}); "
              + ("stop it with: modernize serve --stop" if detach else "Ctrl-C stops it"), markup=False, soft_wrap=True)
    if detach:
        return
    try:
        code = started.supervisor.wait() if started.supervisor else 0
    except KeyboardInterrupt:
        manager.stop(directory)
        code = 0
    raise typer.Exit(code)


@app.command()
def doctor(
    endpoint: Annotated[Optional[str], typer.Option("--endpoint", "-e", envvar="MODERNIZE_ENDPOINT", help="Server to check (default: the managed server if one runs, else http://127.0.0.1:8000/v1).")] = None,
    model: Annotated[Optional[str], typer.Option(help="Served model name (default: the first the server lists).")] = None,
    allow_remote: Annotated[list[str], typer.Option("--allow-remote", help="Allow checking this non-local host (repeatable).")] = [],
    state_dir: Annotated[Optional[Path], typer.Option("--state-dir", envvar="MODERNIZE_STATE_DIR", help="The managed server's state directory (default: ~/.cache/modernizer).")] = None,
) -> None:
    """Check this machine: GPUs, the profile they get, the managed server, the endpoint's vLLM version,
    model, window and whether prefix caching is on; ends with a verdict (exit 0 ready, 3 not)."""
    from modernizer.serve import doctor as doc
    from modernizer.serve import manager

    directory = manager.state_dir(state_dir)
    if endpoint is None:
        state = manager.read_state(directory)
        endpoint = state.base_url if state is not None else DEFAULT_BASE_URL
    try:
        rep = asyncio.run(doc.collect(Endpoint(base_url=endpoint, model=model, allow_remote=allow_remote,
                                               request_timeout=30.0), directory))
    except ModernizerError as exc:
        raise _fail(exc) from None
    for line in doc.render(rep):
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(0 if rep.ready else 3)


EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug; the crash file has the details
EXIT_INTERRUPTED = 130


def _failing_step(exc: BaseException) -> str:
    """The chain of modernizer functions the exception came through, e.g. ``analysis.analyze >
    hierarchy.run_hierarchy > hierarchy.fit_count``: names the step without a traceback."""
    names = []
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        mod = frame.f_globals.get("__name__", "")
        if mod.startswith("modernizer.") and mod != __name__:
            name = f"{mod.removeprefix('modernizer.')}.{frame.f_code.co_name}"
            if not names or names[-1] != name:
                names.append(name)
    return " > ".join(names[:2] + (["..."] if len(names) > 4 else names[2:-2]) + names[-2:] if len(names) > 4 else names) or "start-up"


def _write_crash(exc: BaseException) -> Path | None:
    from modernizer.userdirs import cache_home

    when = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    path = cache_home() / "crashes" / f"crash-{when}-{os.getpid()}.txt"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"modernizer {__version__}\nargv: {sys.argv!r}\n\n" + "".join(traceback.format_exception(exc)),
                        encoding="utf-8")
    except OSError:
        return None
    return path


def run() -> None:
    """The `modernize` console script: the typer app, with no command ending in an uncaught exception.

    A bug is reported as one line naming the failing step, with the traceback kept in a crash file
    (exit 70); Ctrl-C says what was kept (exit 130). Answers finished before either are already in
    the result cache (written as each one completes), so running again resumes."""
    interrupted = ("\n[yellow]interrupted.[/] Model answers finished so far are kept in the result cache: "
                   "run the same command again to resume.")
    try:
        code = app(standalone_mode=False)  # typer turns Ctrl-C into exit code 130
    except (typer.Abort, KeyboardInterrupt):
        code = EXIT_INTERRUPTED
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors: typer prints them as click would
        show = getattr(exc, "show", None)
        if show is None:
            raise
        show()
        sys.exit(getattr(exc, "exit_code", 2))
    except Exception as exc:  # noqa: BLE001 - the one place that turns a bug into a message and an exit code
        if os.environ.get("MODERNIZE_DEBUG"):
            raise
        crash = _write_crash(exc)
        err.print(f"[bold red]internal error[/] in {escape(_failing_step(exc))}: {escape(type(exc).__name__)}: "
                  f"{escape(str(exc)[:300])}", soft_wrap=True)
        err.print("This is a bug in modernizer, not in your input. Model answers finished before it are kept in the "
                  "result cache; running again resumes. "
                  + (f"Details: {escape(str(crash))} (please attach it to a bug report)." if crash
                     else "Run with MODERNIZE_DEBUG=1 to see the traceback."), soft_wrap=True)
        sys.exit(EXIT_INTERNAL)
    if code == EXIT_INTERRUPTED:
        err.print(interrupted, soft_wrap=True)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    run()
