"""Report files on disk: reading them back with a clear error, and writing them atomically where
they belong.

The output folder is checked before any model call (a folder that is a file, or read-only, is bad
input: exit 2), so a long run never ends with nothing written. If writing still fails at the end
(disk full), no partial or ``.tmp`` file is left and the error says which reports were written;
the answers themselves are in the result cache, so running again costs no model time.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from modernizer.defaults import EXIT_WRITE
from modernizer.errors import InputError, ModernizerError
from modernizer.fs import write_atomic
from modernizer.userdirs import data_home, inside, repo_key

if TYPE_CHECKING:
    from modernizer.report import Report

DEFAULT_OUTPUT = Path("reports")


class ReportWriteFailed(ModernizerError):
    """The run finished but its reports could not be written (disk full, I/O error)."""

    exit_code = EXIT_WRITE


def load_report(path: str | Path, what: str = "report") -> tuple[Report, str]:
    """(report, sha256 of its bytes) for a JSON report written by `modernize analyze` (schema 1.0 or
    later), or an InputError saying what is wrong with the file: missing, a folder, binary, not ours."""
    from modernizer.report import Report, seal  # here: a run that reads no report need not import the model

    p = Path(path)
    try:
        data = p.read_bytes()
    except IsADirectoryError as exc:
        raise InputError(f"{p} is a folder, not a {what} file", "pass the .json report an earlier run wrote") from exc
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}", "pass the .json report an earlier run wrote") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p} is not a modernizer report: it is not text (byte {exc.start} is not UTF-8)",
                         "pass the .json report (not the .html, .sarif, .md or an archive)") from exc
    try:
        report = Report.model_validate_json(text)
    except ValidationError as exc:
        raise InputError(f"{p} is not a modernizer report ({exc.error_count()} problems, first: {exc.errors()[0]['msg']})",
                         "pass the .json report (not the .html, .sarif or .md)") from exc
    # reports from older versions (or edited by hand) are cleaned again before anything renders them
    return seal(report), hashlib.sha256(data).hexdigest()


def output_location(given: Path | None, root: str | Path) -> tuple[Path, str | None]:
    """(folder, note). Default ``./reports``; when that would fall inside the analysed tree (a run
    from inside the repository), the per-user data folder instead, so analysing a tree never writes
    into it unless ``--output-dir`` asks for that."""
    if given is not None:
        return given, None
    if inside(DEFAULT_OUTPUT.absolute(), root):
        where = data_home() / "reports" / repo_key(root)
        return where, f"reports go to {where} (./reports would be inside the analysed repository; -o chooses)"
    return DEFAULT_OUTPUT, None


def relative_inside(path: Path, root: str | Path) -> str | None:
    """``path`` relative to ``root`` when it lies inside it (for ingest to leave our own files out)."""
    if not inside(path, root):
        return None
    rel = Path(os.path.realpath(path)).relative_to(os.path.realpath(root)).as_posix()
    return None if rel == "." else rel


def check_writable(folder: Path) -> None:
    """Fail now, before the run, if reports cannot be written to ``folder``."""
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--output-dir {folder} is a file, not a folder", "give a folder (it is created if missing)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".modernize-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"cannot write reports to {folder}: {exc.strerror or exc}",
                         "choose a writable folder with --output-dir") from exc


def stamp(generated_at: str) -> str:
    return datetime.fromisoformat(generated_at).astimezone(timezone.utc).strftime("%Y%m%d-%H%M%S")


def write_all(texts: dict[Path, str]) -> list[Path]:
    """Write every report; ReportWriteFailed names what was written before the failure."""
    done: list[Path] = []
    for path, text in texts.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text)
        except OSError as exc:
            wrote = f"; written before it: {', '.join(str(p) for p in done)}" if done else ""
            raise ReportWriteFailed(f"could not write {path}: {exc.strerror or exc}{wrote}",
                                    "free some space or choose another --output-dir, then run again "
                                    "(finished model answers are in the result cache: the re-run makes no model calls)") from exc
        done.append(path)
    return done
