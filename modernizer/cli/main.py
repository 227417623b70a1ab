"""The `modernize` console script: the typer app, and the handler that keeps any command from ending
in a traceback (see ``run``)."""

from __future__ import annotations

import os
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer

from modernizer import __version__
from modernizer.cli import analyze as _analyze
from modernizer.cli import doctor as _doctor
from modernizer.cli import eval as _eval
from modernizer.cli import history as _history
from modernizer.cli import report as _report
from modernizer.cli import review as _review
from modernizer.cli import serve as _serve
from modernizer.cli.common import EXIT_CODES, INVOKED, REPORT_EXIT_CODES, err, escape, invoked_as, out
from modernizer.cli.helptext import Command, Group, unwrap
from modernizer.defaults import EXIT_INTERNAL, EXIT_INTERRUPTED

app = typer.Typer(
    name="modernize",
    help="Analyse a legacy codebase with a locally served model (vLLM): facts, findings checked against the code, a plan.\n\n"
         "Nothing leaves this machine: the model server must be on localhost unless you pass --allow-remote.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False, rich_markup_mode="rich", cls=Group,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"modernizer {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None) -> None:
    """modernizer: multi-agent legacy-code analysis on a local vLLM."""


for _fn, _name, _epilog in ((_analyze.analyze, None, EXIT_CODES), (_report.report, None, REPORT_EXIT_CODES),
                            (_review.review, None, _review.REVIEW_EPILOG), (_serve.serve, None, _serve.SERVE_EPILOG),
                            (_doctor.doctor, None, _doctor.DOCTOR_EPILOG), (_history.history, None, _history.HISTORY_EPILOG),
                            (_eval.eval_, "eval", _eval.EVAL_EPILOG)):
    app.command(name=_name, epilog=_epilog, help=unwrap(_fn.__doc__), cls=Command)(_fn)


def _failing_step(exc: BaseException) -> str:
    """The chain of modernizer functions the exception came through, e.g. ``run.analysis.analyze >
    engine.chunked.run_chunked > engine.budget.fit_count``: names the step without a traceback."""
    names = []
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        mod = frame.f_globals.get("__name__", "")
        if mod.startswith("modernizer.") and not mod.startswith("modernizer.cli"):
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
    INVOKED[0] = invoked_as(sys.argv[0])
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
