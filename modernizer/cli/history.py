"""`modernize history`: the runs a weekly job recorded (``analyze --history DIR``), in the terminal.

Reads the history file read-only and prints the same trend the HTML report shows: open findings by
severity, new and fixed per run, and the oldest open critical finding. No model, no code read."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modernizer.cli.common import fail, out

if TYPE_CHECKING:
    from rich.table import Table

    from modernizer.history.model import Trend

HISTORY_EPILOG = ("Exit codes: 0 shown; 2 no history there, or the file is not a usable modernizer history "
                  "(another program's, a newer version's, damaged, locked: it is never changed).")
SHORT = {"critical": "crit", "high": "high", "medium": "med", "low": "low", "info": "info"}


def history(
    path: Annotated[Path, typer.Argument(metavar="DIR", envvar="MODERNIZE_HISTORY", show_default=False,
                                         help="The folder given to `modernize analyze --history` (or its history.sqlite).")],
    last: Annotated[int, typer.Option("--last", min=0, metavar="N", help="Show the latest N runs (0: every run).")] = 12,
    as_json: Annotated[bool, typer.Option("--json", help="Print the trend of every run as JSON (for scripts).")] = False,
) -> None:
    """Show the runs recorded in a history folder: open findings by severity, new and fixed per run
    (against the previous complete run, as the baseline), and the oldest open critical finding."""
    from modernizer.errors import ModernizerError
    from modernizer.history import store
    from modernizer.history.folder import history_file
    from modernizer.history.trend import trend

    file = history_file(path)
    try:
        runs = store.load(file)
    except ModernizerError as exc:
        raise fail(exc) from None
    if as_json:
        out.print_json(trend(runs, source=str(file), limit=max(1, len(runs))).model_dump_json())
        return
    shown = trend(runs, source=str(file), limit=last or max(1, len(runs)))
    if not runs:
        out.print(f"{file}: no runs recorded yet", markup=False, highlight=False)
        return
    out.print(f"history: {file}", markup=False, highlight=False, soft_wrap=True)
    out.print(table(shown), soft_wrap=False)
    for line in summary_lines(shown):
        out.print(line, markup=False, highlight=False, soft_wrap=True)


def table(t: "Trend") -> "Table":
    from rich import box
    from rich.table import Table

    from modernizer.findings.schemas import SEVERITIES

    models = {r.model or "(no model)" for r in t.runs}
    one = next(iter(models)) if len(models) == 1 else None  # one model throughout: said once, not in a column
    tab = Table(title=f"{len(t.runs)} of {t.total_runs} run{'s' if t.total_runs != 1 else ''}: open findings by severity"
                      + (f", model {one}" if one else "") + " (times in UTC)",
                title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, padding=(0, 1))
    for col in ("run", "when", "commit", *(() if one else ("model",)), *(SHORT[s] for s in SEVERITIES), "new", "fixed"):
        text = col in ("when", "commit", "model")
        tab.add_column(col, justify="left" if text else "right", no_wrap=col != "model", overflow="fold",
                       min_width=8 if col == "model" else None)
    for r in t.runs:
        tab.add_row(f"#{r.run}" + ("" if r.complete else "*"), when(r.generated_at), (r.commit or "-")[:7],
                    *(() if one else (r.model or "(no model)",)), *(str(r.open_by_severity.get(s, 0)) for s in SEVERITIES),
                    str(r.new), "-" if r.fixed is None else str(r.fixed))
    return tab


def when(iso: str) -> str:
    from datetime import datetime, timezone

    try:
        return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso[:16]


def summary_lines(t: "Trend") -> list[str]:
    lines = []
    if any(not r.complete for r in t.runs):
        lines.append("* incomplete run (exit 5): its new ones are counted against the last complete run before it; "
                     "what it did not see is not counted as fixed")
    if t.oldest_critical is None:
        lines.append("open critical findings: none")
        return lines
    o = t.oldest_critical
    lines.append(f"open critical findings: {t.open_critical}; open the longest: {o.title or o.fingerprint} "
                 f"({o.file}:{o.line}), open since run #{o.first_run} ({when(o.first_seen)}), {o.runs} run{'s' if o.runs != 1 else ''} in a row")
    return lines
