"""The candidates pass's results kept per file, beside the run's result cache, so that a re-run
scans only the files that changed (issue 20: a fully cached re-run of a 990-file tree still spent
22 s in Semgrep, and a tree with one file Semgrep could not parse was never cached at all).

One store per analysed repository and rule set: its name comes from the *rules key* (the bytes of
every rule file as Semgrep will read it, our rules with their slots filled from the project's
properties files, plus the user's ``--rules``, and the engine's identity), and inside it each file's
result (its candidates and what Semgrep could not parse in it) under the file's path and content
hash. A changed rule, properties value or Semgrep makes a new store (every file a miss); a changed
file misses alone. Like the result cache it lives per user, outside the analysed tree, private
(0700 folder, 0600 files); a damaged or unreadable store is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from modernizer.findings.candidates.model import Candidate, FileProblem
from modernizer.fs import write_atomic
from modernizer.userdirs import private_dir

VERSION = "4"  # 2: Java taint candidates refined by candidates/java_flow.py; 3: kept per file; 4: Python ones by python_flow.py
KEEP_STORES = 4  # rule sets kept per repository (e.g. with and without a --rules file); older ones are removed
# A file whose scan ran out of memory may pass next time: it is not kept. A timed-out file is kept (and
# reported as such): scanning it again on every re-run cost 151 s of a 160 s unchanged re-run of a PHP
# tree (bench/results/candidates-cache.md); --no-cache scans it again.
NOT_KEPT_KINDS = ("out of memory",)


class FileResult(BaseModel):
    """One file's share of a scan: what the rules matched in it and what Semgrep could not parse."""

    candidates: list[Candidate] = Field(default_factory=list)
    problems: list[FileProblem] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="the file's lines of CandidateSet.errors")


class Store(BaseModel):
    version: str = VERSION
    rules_key: str
    engine_version: str = Field(description="the version the last scan reported (shown when nothing is scanned)")
    rules: int = 0
    rule_errors: list[str] = Field(default_factory=list, description="errors of the rules themselves (no file)")
    files: dict[str, FileResult] = Field(default_factory=dict, description="file key (path + sha256) -> result")


def engine_identity(exe: str) -> str:
    """Which Semgrep runs, without starting it (``semgrep --version`` costs seconds on a busy
    machine): the installed package's version and the executable's path, size and mtime, so an
    upgrade or another engine (``$MODERNIZER_SEMGREP``) is a different key."""
    try:
        package = metadata.version("semgrep")
    except metadata.PackageNotFoundError:
        package = "none"
    try:
        real = os.path.realpath(exe)
        st = os.stat(real)
        where = f"{real}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        where = exe
    return f"{package}|{where}|{sys.version_info[:2]}"


def rules_key(rule_texts: Iterable[tuple[str, bytes]], engine: str) -> str:
    """``rule_texts``: (name, bytes) of every rule file exactly as Semgrep reads it."""
    h = hashlib.sha256(json.dumps({"v": VERSION, "engine": engine}).encode())
    for name, data in sorted(rule_texts):
        h.update(b"\0rule\0" + name.encode() + b"\0" + data)
    return h.hexdigest()


def file_key(path: str, sha256: str) -> str:
    """The path counts (Semgrep picks the language by the file's name), then the content."""
    return f"{sha256}:{path}"


def keepable(result: FileResult) -> bool:
    return not any(w in p.kind.lower() for p in result.problems for w in NOT_KEPT_KINDS)


def _path(directory: Path, key: str) -> Path:
    return directory / f"candidates-files-{key[:40]}.json"


def load(directory: Path, key: str) -> Store | None:
    try:
        store = Store.model_validate_json(_path(directory, key).read_bytes())
    except (OSError, ValueError, ValidationError):
        return None
    return store if store.version == VERSION and store.rules_key == key else None


def save(directory: Path, store: Store) -> None:
    """Written whole and atomically; the oldest stores beyond KEEP_STORES (and the whole-tree
    entries of earlier versions) are removed."""
    try:
        private_dir(directory)
        target = _path(directory, store.rules_key)
        write_atomic(target, store.model_dump_json().encode(), private=True)
        others = sorted((p for p in directory.glob("candidates-*.json") if p != target),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in [p for p in others if not p.name.startswith("candidates-files-")] + \
                   [p for p in others if p.name.startswith("candidates-files-")][KEEP_STORES - 1:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # the pass runs again next time; nothing is lost
