"""`modernize review`: walk a report's findings, propose and apply fixes, mark false positives."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from modernizer.cli.common import INVOKED, AllowRemote, Endpoint as EndpointOpt, Model, err, escape, fail, out
from modernizer.defaults import DEFAULT_BASE_URL

REVIEW_EPILOG = ("Keys: f fix (ask the model) · e edit (write the fix yourself, in $VISUAL/$EDITOR when set) · a apply (once a fix is proposed) · s skip · "
                 "p false positive (a commit on the review branch too) · u undo · n next · b back · c code again · d details · q quit (resume later) · ? help.\n\n"
                 "Your work tree is never switched: fixes are commits on branch modernize/review-<time>, checked out in a "
                 "worktree of the review's own (per user, e.g. ~/.local/share/modernizer/review/<repo>/review-<time>; "
                 "--worktree to choose). The session's end says where: `git log main..modernize/review-<time>` to see the "
                 "fixes, `git merge` to take them, `git worktree remove <path>` when done.\n\n"
                 "Exit codes: 0 done; 2 bad input (report, options, --repo without the report's files, repository not a git work tree without --no-git); "
                 "3 model server unreachable or failing (with --apply).")


def review(
    json_report: Annotated[Path, typer.Argument(help="A report written by `modernize analyze` (.json).")],
    endpoint: EndpointOpt = DEFAULT_BASE_URL,
    model: Model = None,
    severity: Annotated[Optional[str], typer.Option("--severity", help="Review only findings at this severity or above: critical, high, medium, low, info.")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="No questions: ask for a fix to every finding (see --severity) and apply each one that places cleanly.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --apply: print the patches, change nothing.")] = False,
    no_git: Annotated[bool, typer.Option("--no-git", help="Write fixes to your work tree (originals kept in .modernize/review/ for undo) instead of commits on a new branch in the review's own worktree.")] = False,
    worktree: Annotated[Optional[Path], typer.Option("--worktree", help="Folder for the review's git worktree, outside the repository (default: per user, under modernizer's data folder). A resumed session keeps its own.")] = None,
    test_cmd: Annotated[Optional[str], typer.Option("--test-cmd", help="Your project's test command, run after each fix where the fix is (the review worktree; your work tree with --no-git); pass/fail is reported per fix.")] = None,
    test_timeout: Annotated[float, typer.Option(help="Seconds --test-cmd may run.")] = 600.0,
    owner: Annotated[Optional[str], typer.Option("--owner", help="Who decides false positives (default: git user.email, or your login).")] = None,
    restart: Annotated[bool, typer.Option("--restart", help="Start over instead of resuming the saved session.")] = False,
    repo: Annotated[Optional[Path], typer.Option("--repo", help="The analysed repository here, when the report was made elsewhere "
                                                 "(a CI runner, another machine) or names it by a relative path (the shipped "
                                                 "example, examples/review/). It must hold the report's files.")] = None,
    allow_remote: AllowRemote = [],
    timeout: Annotated[float, typer.Option(help="Seconds one model request may take.")] = 900.0,
    seed: Annotated[int, typer.Option(help="Sampling seed, for repeatable fixes.")] = 0,
) -> None:
    """Walk a report's findings, most severe first: see the code, get a fix, apply it, or mark a false positive.

    Left out of the walk (said once at the start): findings already in modernize-suppressions.toml, and
    findings whose grounding was rejected (they cite a file or lines that do not exist: no code to fix).

    Fixes come from a short request (the finding and the lines around it) as search/replace edits;
    an edit whose search text is not in the file exactly once is rejected. Applied fixes are commits
    on a new branch modernize/review-<time> (one per fix), made in a separate git worktree so your
    HEAD, index and files never change, checked again against the code and by your --test-cmd
    (both run in that worktree). False positives go to modernize-suppressions.toml, with your reason, as a commit
    on the same branch (your work tree is not written; with --no-git, the file in your work tree); merged,
    the next `modernize analyze` honours them. Key d (details) shows the validator's verdict, the plan item, the enclosing
    symbol, the cited lines and the weakness's help; key e opens $VISUAL or $EDITOR on the cited lines.
    Try it without a GPU on the shipped example report: docs/review.md. The session is saved next to the report
    (<report>.review.json) after every change: quit any time, run the same command to resume.
    """
    from modernizer.llm.client import Endpoint
    from modernizer.errors import ModernizerError
    from modernizer.review.session import ModelFixer, ReviewOptions, Session, open_state
    from modernizer.review.terminal import TerminalUI
    from modernizer.findings.schemas import SEVERITIES

    if severity is not None and severity not in SEVERITIES:
        err.print(f"[bold red]error:[/] unknown severity {escape(severity)}; choose from {', '.join(SEVERITIES)}")
        raise typer.Exit(2)
    if dry_run and not apply:
        err.print("[bold red]error:[/] --dry-run goes with --apply (the interactive session never changes anything without asking)")
        raise typer.Exit(2)
    opts = ReviewOptions(endpoint=Endpoint(base_url=endpoint, model=model, allow_remote=allow_remote, request_timeout=timeout),
                         severity=severity, use_git=not no_git, test_cmd=test_cmd, test_timeout=test_timeout, owner=owner,
                         restart=restart or dry_run, seed=seed, worktree=worktree, repo=repo)
    try:
        from modernizer.llm.privacy import check_endpoint_allowed

        check_endpoint_allowed(opts.endpoint.base_url, opts.endpoint.allow_remote)
        state, report, resumed = open_state(json_report, opts)
        if report.llm is not None and report.llm.test_model:
            err.print(f"[bold yellow]note:[/] {escape(report.llm.model)} is {escape(report.llm.test_model)}; "
                      "do not read its findings as an analysis of the code", soft_wrap=True)
        if resumed and severity and severity != state.severity:
            err.print(f"[yellow]note:[/] resuming a session that walks {state.severity or 'every severity'}; "
                      "--severity applies to new sessions (--restart to start over)", soft_wrap=True)
        if not resumed:
            for line in left_out(state):
                err.print(f"[dim]·[/] {escape(line)}", soft_wrap=True)
        if apply:
            ui = TerminalUI(console=out, compact=True, command=INVOKED[0])
            session = Session(state, json_report, opts, ui, fixer=ModelFixer(opts.endpoint, Path(state.repo_root), seed,
                                                                                    say=lambda t: err.print(f"[dim]·[/] {escape(t)}", soft_wrap=True)),
                              persist=not dry_run, fail_on_server=True)
            counts = session.run_batch(apply=not dry_run)
            done = f"{counts['applied']} applied, {counts['failed']} failed to apply" if not dry_run else "dry run: nothing changed"
            n = len(session.state.order)
            err.print(f"{n} finding{'s' if n != 1 else ''}: {counts['proposed']} fixes proposed, {counts['rejected']} rejected; {done}", soft_wrap=True)
            if not dry_run and state.mode == "git" and session.state.base_commit:
                err.print(f"fixes are on branch {escape(session.state.branch or '')}, checked out in the worktree "
                          f"{escape(session.state.worktree or '')} (your work tree is unchanged): "
                          f"`git log {escape(session.state.base_ref or '')}..{escape(session.state.branch or '')}`; "
                          f"`git worktree remove {escape(session.state.worktree or '')}` when done", soft_wrap=True)
            return
        Session(state, json_report, opts, TerminalUI(console=out, command=INVOKED[0])).run(resumed)
    except ModernizerError as exc:
        raise fail(exc) from None


def left_out(state) -> list[str]:  # noqa: ANN001  (a ReviewState; imported lazily)
    """What a new session leaves out of the walk, said once at its start."""
    lines = []
    n = len(state.skipped_suppressed)
    if n:
        lines.append(f"{n} finding{'s' if n != 1 else ''} already in modernize-suppressions.toml {'are' if n != 1 else 'is'} left out")
    n = len(state.skipped_rejected)
    if n:
        lines.append(f"{n} rejected finding{'s' if n != 1 else ''} (cite{'s' if n == 1 else ''} code that does not exist) "
                     f"{'are' if n != 1 else 'is'} left out: "
                     + ", ".join(state.skipped_rejected[:10]) + (" …" if n > 10 else ""))
    return lines
