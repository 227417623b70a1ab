"""The history folder (``modernize analyze --history DIR``): where a runner keeps what a weekly job
must remember between runs, outside the workspace and the analysed tree.

``DIR/history.sqlite``: every run recorded (``store``). ``DIR/baseline.json``: the last complete
run's report, the next run's baseline unless ``--baseline`` names another. An incomplete run (exit
5) is recorded but does not become the baseline: findings it missed would show as new next time.
The checks that can fail (a bad folder, another repository's history, a damaged file) run before
the analysis, so a long run never ends in a history error that was there from the start.
"""

from __future__ import annotations

from pathlib import Path

from modernizer.errors import InputError
from modernizer.fs import write_atomic
from modernizer.history import store
from modernizer.history.store import HistoryError, HistoryWriteFailed
from modernizer.history.trend import record_of, trend
from modernizer.report import Report
from modernizer.userdirs import inside

HISTORY_FILE = "history.sqlite"
BASELINE_FILE = "baseline.json"


def history_file(path: Path) -> Path:
    """The history file for a folder (``DIR/history.sqlite``) or the file itself, as `modernize history` takes either."""
    return path if path.is_file() else path / HISTORY_FILE


def repo_name(path: Path) -> str:
    """The name the report will give the analysed tree (as ingest names it)."""
    from modernizer.repo.ingest import display_path

    return display_path(Path(path).resolve().name)


def open_folder(folder: Path, repo: Path) -> Path:
    """``folder`` made ready before a run: outside the analysed tree (nothing is written into it, and a
    history planted there is not ours to trust), a folder, writable, its history this repository's."""
    if inside(folder, repo):
        raise InputError(f"--history {folder} is inside the analysed tree {repo}",
                         "keep the history outside it (on a runner: a folder that survives between jobs, outside the workspace)")
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--history {folder} is a file, not a folder", "give the folder that holds (or will hold) history.sqlite")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the history folder {folder}: {exc.strerror or exc}", "choose a writable folder") from exc
    store.check_repo(folder / HISTORY_FILE, repo_name(repo))
    return folder


def kept_baseline(folder: Path) -> Path | None:
    """The last complete run's report kept in the folder, if any."""
    p = folder / BASELINE_FILE
    return p if p.is_file() else None


def record(folder: Path, report: Report, report_name: str) -> tuple[Report, HistoryWriteFailed | None]:
    """Add the run to the history; the report with the trend (this run included), or unchanged with
    the error when the history could not be written (the caller still writes the reports)."""
    path = folder / HISTORY_FILE
    run = record_of(report, report_name)
    try:
        store.append(path, run)
        runs = store.load(path)
    except HistoryWriteFailed as exc:
        return report, exc
    except HistoryError as exc:
        return report, HistoryWriteFailed(f"the run was recorded but the history could not be read back: {exc.message}", exc.hint)
    return report.model_copy(update={"history": trend(runs, source=HISTORY_FILE)}), None


def keep_baseline(folder: Path, report: Report, json_text: str) -> str:
    """Keep a complete run's report as the next baseline (atomically: a crash leaves the old one);
    what was done, in words."""
    from modernizer.findings.gate import incomplete

    if incomplete(report):
        return f"the run is incomplete: the baseline in {folder} stays the last complete run's"
    try:
        write_atomic(folder / BASELINE_FILE, json_text, private=True)
    except OSError as exc:
        raise HistoryWriteFailed(f"could not keep this report as the next baseline in {folder}: {exc.strerror or exc}",
                                 "free some space; the history has this run, and the next run compares with the older baseline") from exc
    return f"this report is the next run's baseline ({folder / BASELINE_FILE})"
