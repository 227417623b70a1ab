"""`modernize analyze`: options in, a run, reports out, a summary and the exit code."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from modernizer.cli.common import AllowRemote, Endpoint as EndpointOpt, FailOn, LinkBase, Model, check_fail_on, err, escape, fail, out
from modernizer.defaults import DEFAULT_BASE_URL, DEFAULT_MAX_FILE_BYTES, EXIT_FINDINGS, EXIT_INCOMPLETE, FORMATS, SLICE_TOKENS

if TYPE_CHECKING:
    from modernizer.run.analysis import AnalyzeOptions
    from modernizer.report import Report


def analyze(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Repository to analyse: a directory or a git work tree.")],
    exclude: Annotated[list[str], typer.Option("--exclude", "-x", rich_help_panel="Input", help="Extra glob to leave out, on the relative path (repeatable).")] = [],
    max_file_bytes: Annotated[int, typer.Option(rich_help_panel="Input", min=1, help="Files larger than this are skipped and listed.")] = DEFAULT_MAX_FILE_BYTES,
    include_role: Annotated[list[str], typer.Option("--include-role", rich_help_panel="Input", help="Also analyse files of this role (repeatable): test, testdata, docs, translation, thirdparty, generated. Analysed by default: source, template, config, build, schema.")] = [],
    agents_dir: Annotated[Optional[Path], typer.Option("--agents", rich_help_panel="Input", help="A folder of agent definitions (TOML files, and templates beside them) to use instead of the shipped agents/; see docs/agents.md. Templates render in a sandbox and may include only files of that folder (no links out).")] = None,
    endpoint: EndpointOpt = DEFAULT_BASE_URL,
    model: Model = None,
    allow_remote: AllowRemote = [],
    timeout: Annotated[float, typer.Option(rich_help_panel="Model server", min=1, help="Seconds one model answer may take once it streams (a gap of 120 s with nothing new ends it sooner).")] = 900.0,
    first_token_timeout: Annotated[Optional[float], typer.Option("--first-token-timeout", rich_help_panel="Model server", min=1, help="Seconds to wait for a request's first token, which includes reading the prompt (default: sized from the prompt, 60 s + 1 s per 400 tokens until the server's speed is measured).")] = None,
    window: Annotated[Optional[int], typer.Option(rich_help_panel="Model server", min=1, help="Plan for this window instead of the server's (e.g. to try chunked analysis on a small one); with --plan or --no-llm, the window to plan for.")] = None,
    serve_profile: Annotated[Optional[str], typer.Option("--serve-profile", rich_help_panel="Model server", envvar="MODERNIZE_SERVE_PROFILE", help="Gateway mode: if nothing answers at the (local) endpoint, start the managed vLLM there with this profile (modernize serve --list-profiles) and leave it running until --idle-timeout.")] = None,
    serve_model: Annotated[Optional[str], typer.Option("--serve-model", rich_help_panel="Model server", envvar="MODERNIZE_SERVE_MODEL", help="With --serve-profile: the checkpoint to serve (directory or Hugging Face id); default: the profile's.")] = None,
    idle_timeout: Annotated[float, typer.Option("--idle-timeout", rich_help_panel="Model server", help="With --serve-profile: seconds without a request before the managed server stops and frees the GPU (0: never).")] = 900.0,
    startup_timeout: Annotated[float, typer.Option("--startup-timeout", rich_help_panel="Model server", help="With --serve-profile: seconds to wait for the managed server to become healthy.")] = 900.0,
    thinking: Annotated[str, typer.Option("--thinking", rich_help_panel="Model server", metavar="MODE", help="Whether the model thinks first: agents (each agent's policy in agents/*.toml: security and validator think within a budget), on (every agent) or off (none: fastest). Needs a reasoning parser on the server; without one thinking is off and the report says so.")] = "agents",
    token_ids: Annotated[bool, typer.Option("--token-ids/--text-prompts", rich_help_panel="Analysis", help="Send requests over a long shared prefix as token ids, the prefix tokenized once by the server (default), or as chat text the server tokenizes again for every request (slower; for servers without /tokenize).")] = True,
    no_llm: Annotated[bool, typer.Option("--no-llm", rich_help_panel="Analysis", help="Facts only (languages, graph, cycles, tokens); no model calls.")] = False,
    plan: Annotated[bool, typer.Option("--plan", rich_help_panel="Analysis", help="Print the token tree and the budget, then exit before any model call; needs no server (without one, counts are estimates).")] = False,
    seed: Annotated[int, typer.Option(rich_help_panel="Analysis", help="Sampling seed, for repeatable runs.")] = 0,
    mode: Annotated[str, typer.Option(rich_help_panel="Analysis", metavar="MODE", help="auto: one shared context if the code fits the window, else modules; single: fail if it does not fit; modules: always chunk.")] = "auto",
    concurrency: Annotated[int, typer.Option(rich_help_panel="Analysis", min=1, help="Requests in flight at once (match the server's --max-num-seqs): the sweep's slices, or in chunked mode every module's requests together; modules are admitted by the server's KV-cache pool, one reading its code at a time.")] = 4,
    module_tokens: Annotated[str, typer.Option("--module-tokens", rich_help_panel="Analysis", metavar="SIZE", help="Chunked mode's module size: N tokens of code, auto or max. auto: two modules fit the server's KV pool at once (one is read while the other's slices answer), within the window; max: the largest the window allows.")] = "auto",
    slice_tokens: Annotated[int, typer.Option("--slice-tokens", rich_help_panel="Analysis", min=1000, help="The sweep: tokens of code one findings request answers for. Each findings agent is asked once per slice, every request over the same cached codebase, so a run reports up to 20 security findings per slice, not per run.")] = SLICE_TOKENS,
    cache_dir: Annotated[Optional[Path], typer.Option(rich_help_panel="Analysis", help="Result cache, checkpoint and per-file candidates cache directory, outside PATH (default: per user, under ~/.cache/modernizer/results; --no-llm runs keep their candidates there too).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", rich_help_panel="Analysis", help="Ask the model for everything again and scan every file with Semgrep again; keep no checkpoint.")] = False,
    candidates: Annotated[Optional[bool], typer.Option("--candidates/--no-candidates", rich_help_panel="Analysis", help="Run the static candidates pass (Semgrep OSS with modernizer's rules, offline, no model): candidate sites per CWE family, reported as facts and listed to the security agent (default: on; $MODERNIZE_CANDIDATES=off turns it off).")] = None,
    rules: Annotated[list[Path], typer.Option("--rules", rich_help_panel="Analysis", help="One more Semgrep rule file for the candidates pass (repeatable); each rule needs metadata.cwe. YAML anchors and aliases are not accepted.")] = [],
    output_dir: Annotated[Optional[Path], typer.Option("--output-dir", "-o", rich_help_panel="Output", help="Where reports are written (default: ./reports, or your user data folder when ./reports would be inside PATH).")] = None,
    formats: Annotated[list[str], typer.Option("--format", "-f", rich_help_panel="Output", help="Report formats to write (repeatable): json, html, sarif, md.")] = ["json", "html"],
    sarif: Annotated[bool, typer.Option("--sarif", rich_help_panel="Output", help="Also write SARIF 2.1.0 (<repo>-<time>.sarif), for code scanning.")] = False,
    sarif_candidates: Annotated[bool, typer.Option("--sarif-candidates", rich_help_panel="Output", help="Also write the static pass's unconfirmed candidates as SARIF results (level note). Off by default: candidates are not alerts; the JSON and HTML reports always list them.")] = False,
    link_base: LinkBase = "",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", rich_help_panel="Output", help="Print only the report paths.")] = False,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", rich_help_panel="CI", help="An earlier JSON report: mark findings new or unchanged and list the fixed ones.")] = None,
    fail_on: FailOn = "never",
    history: Annotated[Optional[Path], typer.Option("--history", metavar="DIR", rich_help_panel="CI", envvar="MODERNIZE_HISTORY", help="A folder kept between runs, outside PATH (a weekly job's state on its runner): the run is recorded in DIR/history.sqlite (the HTML shows the trend; `modernize history DIR` prints it), and the last complete run's report, kept as DIR/baseline.json, is the baseline unless --baseline names one. Exit 6 if the run could not be recorded (the reports are written).")] = None,
) -> None:
    """Analyse PATH and write reports/<repo>-<time>.json and .html.

    Runs the analyzer, security, modernization and validator agents over one shared, cached
    codebase prompt (the findings agents swept in slices of the files, every slice reading the
    whole codebase from the prefix cache), checks every finding against the code, and writes the
    reports.
    """
    from modernizer.run import analysis
    from modernizer.run.analysis import AnalyzeOptions
    from modernizer.llm.endpoint import Endpoint
    from modernizer.errors import ModernizerError
    from modernizer.cli.live import RunView
    from modernizer.repo.ingest import IngestOptions, check_root
    from modernizer.report.files import check_writable, load_report, output_location, relative_inside

    try:
        check_root(path)  # first: nothing about the run is said before a bad path is
    except ModernizerError as exc:
        raise fail(exc) from None
    if mode not in ("auto", "single", "modules"):
        err.print(f"[bold red]error:[/] --mode must be auto, single or modules, not {escape(repr(mode))}")
        raise typer.Exit(2)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        err.print(f"[bold red]error:[/] unknown format {escape(', '.join(bad))}; choose from {', '.join(FORMATS)}")
        raise typer.Exit(2)
    formats = list(dict.fromkeys([*formats, *(["sarif"] if sarif else [])]))
    check_fail_on(fail_on)
    try:
        base = load_report(baseline, "baseline report")[0] if baseline is not None else None
        target, where = output_location(output_dir, path)
        check_writable(target)
        base_name, base, folder = _history_baseline(None if plan else history, path, baseline, base, no_llm)
    except ModernizerError as exc:
        raise fail(exc) from None
    from modernizer.repo.roles import ANALYSED, ROLES

    unknown = [r for r in include_role if r not in ROLES]
    if unknown:
        err.print(f"[bold red]error:[/] unknown role {escape(', '.join(unknown))}; choose from {', '.join(ROLES)}")
        raise typer.Exit(2)
    try:
        module_size: int | str = module_tokens if module_tokens in ("auto", "max") else int(module_tokens.replace(",", "").replace("_", ""))
        if isinstance(module_size, int) and module_size < 1000:
            raise ValueError
    except ValueError:
        err.print(f"[bold red]error:[/] --module-tokens is auto, max or a number of tokens (at least 1000), not {escape(module_tokens)!r}")
        raise typer.Exit(2) from None
    if thinking not in ("agents", "on", "off"):
        err.print(f"[bold red]error:[/] --thinking is agents, on or off, not {escape(thinking)!r}")
        raise typer.Exit(2)
    own = relative_inside(target, path) if path.is_dir() else None
    ingest = IngestOptions(max_file_bytes=max_file_bytes, exclude=exclude, roles=sorted(ANALYSED | set(include_role)))
    ingest.hidden += [own] if own else []
    opts = AnalyzeOptions(
        endpoint=Endpoint(base_url=endpoint, model=model, allow_remote=allow_remote, request_timeout=timeout,
                          first_token_timeout=first_token_timeout, token_ids=token_ids),
        ingest=ingest, no_llm=no_llm, seed=seed, window=window,
        mode=mode, concurrency=concurrency, slice_tokens=slice_tokens, cache_dir=cache_dir, use_cache=not no_cache, agents_dir=agents_dir,
        rules=rules, thinking=thinking, module_tokens=module_size, **({} if candidates is None else {"candidates": candidates}),
        watch_server=None if quiet else 1.0,
    )
    view = RunView(err, live=err.is_terminal and not plan, quiet=quiet)
    say = view.say
    if where and not plan:
        say(where)
    try:
        if plan:  # a plan starts no server: it counts with one that answers, else estimates
            asyncio.run(_print_plan(path, opts, say, serve_profile))
            return
        if not no_llm:
            concurrency_given = getattr(ctx.get_parameter_source("concurrency"), "name", "") != "DEFAULT"
            opts = _managed_server(opts, serve_profile, serve_model, idle_timeout, startup_timeout, concurrency_given, say)
        with view:
            report = asyncio.run(analysis.analyze(path, opts, events=view, baseline=base, baseline_source=base_name))
            view.phase("writing reports")
            kept, unrecorded = None, None
            if folder is not None:
                from modernizer.history.folder import record

                report, unrecorded = record(folder, report, report_name(report))
            written = write_reports(report, target, formats, link_base=link_base, sarif_candidates=sarif_candidates)
            if folder is not None and unrecorded is None:
                from modernizer.history.folder import keep_baseline

                kept = keep_baseline(folder, report, render(report, "json"))
    except ModernizerError as exc:
        raise fail(exc) from None
    if not quiet:
        from modernizer.cli.summary import print_summary

        print_summary(err, report, written, elapsed=view.clock() - view.state.started)
    if kept and not quiet:
        err.print(f"history: run recorded in {escape(str(folder))}; {escape(kept)}", soft_wrap=True)
    for p in written:
        out.print(str(p), markup=False, highlight=False, soft_wrap=True)
    if unrecorded is not None:
        raise fail(unrecorded)
    raise typer.Exit(gate(report, fail_on))


def _history_baseline(history: Path | None, path: Path, baseline: Path | None, base: Report | None, no_llm: bool):  # noqa: ANN202
    """--history: (baseline source name, baseline report, folder). Checked before the run (bad folder, another
    repository's or a damaged history: exit 2); the kept baseline is used when --baseline names none."""
    if history is None or not path.is_dir():  # a bad PATH is reported by the run itself, before anything is written
        return (baseline.name if baseline else ""), base, None
    if no_llm:
        from modernizer.errors import InputError

        raise InputError("--history records the findings of model runs, and a --no-llm run has none",
                         "leave --history out of --no-llm runs: an empty run in the history would read as every finding fixed")
    from modernizer.history.folder import kept_baseline, open_folder
    from modernizer.report.files import load_report

    folder = open_folder(history, path)
    kept = kept_baseline(folder) if baseline is None else None
    if kept is None:
        return (baseline.name if baseline else ""), base, folder
    return f"{kept.name} (kept in the history folder)", load_report(kept, "baseline report kept in the history folder")[0], folder


def _managed_server(opts: AnalyzeOptions, profile: str | None, model: str | None, idle_timeout: float,
                    startup_timeout: float, concurrency_given: bool, say) -> AnalyzeOptions:
    """--serve-profile: make sure a server answers at the endpoint, starting the managed one if need be.
    At a managed server (started now or before), keep as many requests in flight as it runs at
    once, unless --concurrency says otherwise."""
    from modernizer.serve import gateway, manager

    if profile:
        state = gateway.ensure_server(opts.endpoint.base_url, profile, model, directory=manager.state_dir(),
                                      idle_timeout=idle_timeout, startup_timeout=startup_timeout, progress=say)
    else:
        state = gateway.managed_at(opts.endpoint.base_url, manager.state_dir())
    if state is not None and not concurrency_given:
        opts = opts.model_copy(update={"concurrency": max(1, state.concurrency)})
        say(f"the managed server answers {state.concurrency} requests at once: {opts.concurrency} will be in flight")
    return opts


def gate(report: Report, fail_on: str) -> int:
    """The run's exit code (``baseline.exit_code``), with a line saying why when it is not 0."""
    from modernizer.findings.gate import exit_code, gating_findings, incomplete

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


async def _print_plan(path: Path, opts: AnalyzeOptions, say, profile: str | None = None) -> None:
    """The token tree and the budget. Counted by the server's tokenizer when one answers at the
    endpoint; otherwise (or with --no-llm) tiktoken estimates, marked as such, against --window or
    the --serve-profile's window. Never starts a server."""
    from rich.table import Table

    from modernizer.run.analysis import chunk_plan, plan_tokens, prepare, server_pool, use_modules

    prep = prepare(path, opts)
    agents = opts.agents()
    window, where = opts.window, "--window"
    if window is None and profile:
        from modernizer.serve.profiles import get_profile, nominal_window

        window, where = nominal_window(get_profile(profile)), f"profile {profile}'s window"
    tokens = None
    pool = None
    if not opts.no_llm:
        from modernizer.llm.client import LLMClient
        from modernizer.errors import ServerUnavailable

        try:
            async with LLMClient(opts.endpoint) as client:
                info = await client.probe()
                if client.endpoint_note:
                    say(client.endpoint_note)
                tokens = await plan_tokens(prep, client, info, agents, opts.window)
                pool = await server_pool(client, opts.endpoint.base_url)
        except ServerUnavailable:
            said = (f"planned for {where} ({window:,} tokens)" if window else "no window known: pass --window N or --serve-profile NAME")
            say(f"no model server answers at {opts.endpoint.base_url}: the counts below are tiktoken estimates (≈), {said}")
    if tokens is None:
        tokens = await plan_tokens(prep, None, None, agents, window)
    from modernizer.repo.tokens import TiktokenCounter

    exact = tokens.budget is not None and tokens.budget.source.exact  # else every count below is an estimate (≈)
    roles = Table(title="Files by role")
    for col in ("role", "analysed", "files", "lines", "tokens"):
        roles.add_column(col, justify="left" if col in ("role", "analysed") else "right")
    from modernizer.run.assemble import role_stats

    for r in role_stats(prep.snapshot, tokens):
        roles.add_row(r.role, "yes" if r.analysed else "set aside", f"{r.files:,}", f"{r.lines:,}",
                      f"{r.tokens:,}" + ("" if r.analysed and exact else " ≈"))
    out.print(roles)
    out.print("set-aside roles are listed, never sent; --include-role adds one", style="dim", highlight=False)
    source = tokens.budget.source.detail + ("" if exact else " (estimate ≈)") if tokens.budget else f"{TiktokenCounter().source.detail} (estimate ≈)"
    table = Table(title=f"Token plan: {prep.snapshot.name}")
    table.add_column("directory")
    table.add_column("files", justify="right")
    table.add_column("tokens", justify="right")
    for d in tokens.by_directory:
        table.add_row(d.path, str(d.files), f"{d.tokens:,}")
    out.print(table)
    out.print(f"counted by: {source}", highlight=False)
    largest = sorted(tokens.by_file.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    files = Table(title=f"Largest files ({len(largest)} of {len(tokens.by_file):,})")
    files.add_column("file", overflow="fold")
    files.add_column("tokens", justify="right")
    for name, n in largest:
        files.add_row(name, f"{n:,}")
    out.print(files)
    b = tokens.budget
    if b is None:
        out.print(f"codebase prompt: {tokens.total_tokens:,} tokens (estimate); window unknown: pass --window N or run against a server")
        return
    kind = "exact, by the server's tokenizer" if b.source.exact else "tiktoken estimate ≈"
    out.print(f"codebase prompt: {b.codebase_tokens:,} tokens ({kind}).")
    out.print(f"One shared context: window {b.window:,} - {b.reserved_output:,} answer room - {b.overhead:,} for the longest task "
              f"and the earlier agents' answers it reads = "
              + (f"{b.available:,} tokens for code: " if b.available else "nothing left for code: ")
              + ("[green]the codebase fits[/]" if b.fits else f"[red]{b.codebase_tokens - b.available:,} tokens too many[/]"),
              highlight=False)
    if use_modules(opts, tokens) and b is not None:
        from modernizer.engine import budget as budgets

        plan, size = chunk_plan(prep, tokens, agents, opts, pool)
        answer = budgets.map_reserve(agents, b.window)
        _, overhead = budgets.module_budget(b.window, agents, budgets.task_tokens(b, agents))
        why = "--mode modules" if b.fits else "chunked mode"
        out.print(f"Modules ({why}): a module request holds one agent's task and the module's context, not the earlier "
                  f"agents' answers (they read a digest later): window {b.window:,} - {answer:,} answer room - {overhead:,} task "
                  f"and context = {b.window - answer - overhead:,}, planned to {int(budgets.MODULE_FILL * 100)}% = "
                  f"{size.window_tokens:,} tokens of code a module at most.", highlight=False)
        out.print(f"Module size: {plan.budget:,} tokens of code: {size.reason}"
                  + ("" if pool is not None or opts.module_tokens != "auto" else
                     " (with a server answering, its KV pool is read and may make modules smaller)"), highlight=False)
        n = len(plan.modules)
        mt = Table(title=f"Module plan: {n} module{'s' if n != 1 else ''} of at most {plan.budget:,} tokens")
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


def render(report: "Report", fmt: str, link_base: str = "", sarif_candidates: bool = False) -> str:
    from modernizer.render import RenderOptions, render as render_as

    return render_as(report, fmt, RenderOptions(link_base=link_base, sarif_candidates=sarif_candidates))


def report_name(report: Report) -> str:
    """The reports' file name without extension: <repo>-<time>."""
    from modernizer.report.files import stamp

    return f"{report.repo.name}-{stamp(report.generated_at)}"


def write_reports(report: Report, output_dir: Path, formats: list[str], link_base: str = "", sarif_candidates: bool = False) -> list[Path]:
    from modernizer.report.files import write_all

    name = report_name(report)
    return write_all({output_dir / f"{name}.{fmt}": render(report, fmt, link_base, sarif_candidates) for fmt in formats})
