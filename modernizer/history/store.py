"""The history file: an embedded SQLite database (stdlib ``sqlite3``), one per repository and branch.

Marked as ours (``PRAGMA application_id``) and versioned (``user_version``), so a file of another
program, a newer modernizer's, another repository's or a damaged one is refused with a message
saying what it is, and left exactly as it was: history is never dropped or rewritten to make a
run pass. Each run is appended in one transaction (``BEGIN IMMEDIATE``), so a crash leaves the
file as before, and two writers wait for each other up to ``LOCK_WAIT`` seconds, then fail clearly.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from modernizer.defaults import EXIT_WRITE
from modernizer.errors import InputError, ModernizerError
from modernizer.history.model import RecordedFinding, RecordedRun

APPLICATION_ID = 0x4D4F4452  # "MODR": this file is a modernizer history
SCHEMA = 1
LOCK_WAIT = 15.0  # seconds a writer waits for another one (a second run, a `modernize history` reading)
LEAVE_IT = "it is left as it is (nothing was deleted)"

_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  generated_at TEXT NOT NULL, repo TEXT NOT NULL, commit_sha TEXT, branch TEXT, dirty INTEGER NOT NULL DEFAULT 0,
  model TEXT NOT NULL DEFAULT '', mode TEXT NOT NULL DEFAULT '', tool_version TEXT NOT NULL DEFAULT '',
  complete INTEGER NOT NULL, report TEXT NOT NULL DEFAULT '');
CREATE TABLE findings (
  run_id INTEGER NOT NULL REFERENCES runs(id), fingerprint TEXT NOT NULL, severity TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'suppressed', 'rejected', 'not-reported')),
  category TEXT NOT NULL DEFAULT '', cwe TEXT NOT NULL DEFAULT '', file TEXT NOT NULL DEFAULT '',
  line INTEGER NOT NULL DEFAULT 0, title TEXT NOT NULL DEFAULT '');
CREATE INDEX findings_run ON findings(run_id);
"""


class HistoryError(InputError):
    """The history file cannot be used: not a history, another program's or repository's, damaged, locked."""


class HistoryWriteFailed(ModernizerError):
    """The run finished and its reports are written, but the run could not be added to the history."""

    exit_code = EXIT_WRITE


def _locked(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _refuse(path: Path, exc: sqlite3.Error) -> HistoryError:
    if _locked(exc):
        return HistoryError(f"the history {path} is locked by another program (another modernize run writing it?)",
                            f"wait for it to finish and run again; {LEAVE_IT}")
    return HistoryError(f"{path} is not a usable modernizer history: {exc}",
                        f"{LEAVE_IT}; move it aside (or restore it from the job's artifact copy) and run again")


def connect(path: Path, *, create: bool) -> sqlite3.Connection:
    """An open, checked history. ``create``: make it if missing (an empty file counts as missing);
    otherwise it is opened read-only and must exist."""
    if path.exists() and not path.is_file():
        raise HistoryError(f"{path} is a folder, not a history file", "pass the folder that holds history.sqlite")
    if not create and not path.exists():
        raise HistoryError(f"no history at {path}", "a run records one with `modernize analyze --history DIR`")
    try:
        con = (sqlite3.connect(path, timeout=LOCK_WAIT, isolation_level=None) if create
               else sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=LOCK_WAIT, isolation_level=None))
    except sqlite3.Error as exc:
        raise _refuse(path, exc) from exc
    try:
        _check(con, path, create)
    except BaseException:
        con.close()
        raise
    return con


def _check(con: sqlite3.Connection, path: Path, create: bool) -> None:
    try:
        app = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app == 0 and not tables:  # a new (or empty) file
            if not create:
                raise HistoryError(f"{path} holds no history yet", "a run records one with `modernize analyze --history DIR`")
            con.execute("BEGIN IMMEDIATE")
            if con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:  # another run made it meanwhile
                con.execute("ROLLBACK")
                return _check(con, path, create)
            for statement in filter(str.strip, _TABLES.split(";")):
                con.execute(statement)
            con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            con.execute(f"PRAGMA user_version = {SCHEMA}")
            con.execute("COMMIT")
            return
        if app != APPLICATION_ID:
            raise HistoryError(f"{path} is a SQLite file of another program, not a modernizer history",
                               f"{LEAVE_IT}; give --history a folder of its own")
        if version > SCHEMA:
            raise HistoryError(f"{path} was written by a newer modernizer (history schema {version}; this one reads {SCHEMA})",
                               f"{LEAVE_IT}; upgrade modernizer on this machine")
        problem = con.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise HistoryError(f"{path} is damaged (SQLite's check: {problem})",
                               f"{LEAVE_IT}; move it aside (or restore it from the job's artifact copy) and run again")
    except sqlite3.Error as exc:
        raise _refuse(path, exc) from exc


def recorded_repo(con: sqlite3.Connection) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = 'repo'").fetchone()
    return row[0] if row else None


def foreign_repo(path: Path, recorded: str | None, repo: str) -> HistoryError | None:
    """The error to raise when the history belongs to another repository, else None."""
    if recorded is None or recorded == repo:
        return None
    return HistoryError(f"the history {path} is {recorded!r}'s, not {repo!r}'s",
                        f"{LEAVE_IT}; keep one history folder per repository and branch")


def check_repo(path: Path, repo: str) -> None:
    """Before a long run: the history can be written, and is this repository's (or new)."""
    with closing(connect(path, create=True)) as con:
        try:
            problem = foreign_repo(path, recorded_repo(con), repo)
        except sqlite3.Error as exc:
            raise _refuse(path, exc) from exc
    if problem:
        raise problem


def append(path: Path, run: RecordedRun) -> int:
    """Record ``run`` (in one transaction); its id in the history."""
    try:
        with closing(connect(path, create=True)) as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                problem = foreign_repo(path, recorded_repo(con), run.repo)
                if problem:
                    con.execute("ROLLBACK")
                    raise problem
                con.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('repo', ?)", (run.repo,))
                cur = con.execute(
                    "INSERT INTO runs (generated_at, repo, commit_sha, branch, dirty, model, mode, tool_version, complete, report) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (run.generated_at, run.repo, run.commit, run.branch, int(run.dirty), run.model, run.mode,
                     run.tool_version, int(run.complete), run.report))
                run_id = int(cur.lastrowid)
                con.executemany(
                    "INSERT INTO findings (run_id, fingerprint, severity, state, category, cwe, file, line, title) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(run_id, f.fingerprint, f.severity, f.state, f.category, f.cwe, f.file, f.line, f.title) for f in run.findings])
                con.execute("COMMIT")
                return run_id
            except sqlite3.Error as exc:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise _refuse(path, exc) from exc
    except HistoryError as exc:  # the reports are written by now: say the run is not in the history
        raise HistoryWriteFailed(f"the run was not added to the history: {exc.message}", exc.hint) from exc


def load(path: Path) -> list[RecordedRun]:
    """Every recorded run, oldest first (read-only: never creates or changes the file). The last run
    comes with its findings in full; the others with their ``sightings`` (fingerprint, severity,
    state), which is all the trend reads of them and keeps a year of a large tree's runs quick to read."""
    with closing(connect(path, create=False)) as con:
        try:
            runs = {r[0]: RecordedRun.model_construct(
                        id=r[0], generated_at=r[1], repo=r[2], commit=r[3], branch=r[4], dirty=bool(r[5]), model=r[6], mode=r[7],
                        tool_version=r[8], complete=bool(r[9]), report=r[10], findings=[], sightings=[])
                    for r in con.execute("SELECT id, generated_at, repo, commit_sha, branch, dirty, model, mode, tool_version, "
                                         "complete, report FROM runs ORDER BY id")}
            for run_id, fp, severity, state in con.execute("SELECT run_id, fingerprint, severity, state FROM findings ORDER BY run_id, rowid"):
                if run_id in runs:
                    runs[run_id].sightings.append((fp, severity, state))
            if runs:
                last = runs[max(runs)]
                # rows this module wrote, under the CHECK on state: built without validating again
                last.findings = [RecordedFinding.model_construct(fingerprint=r[0], severity=r[1], state=r[2], category=r[3], cwe=r[4],
                                                                 file=r[5], line=r[6], title=r[7])
                                 for r in con.execute("SELECT fingerprint, severity, state, category, cwe, file, line, title "
                                                      "FROM findings WHERE run_id = ? ORDER BY rowid", (last.id,))]
        except sqlite3.Error as exc:
            raise _refuse(path, exc) from exc
    return list(runs.values())
