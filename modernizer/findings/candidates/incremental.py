"""The candidates pass over a tree with the per-file cache (candidates/cache.py): files whose path,
content, rules and engine are unchanged since an earlier run are read back, Semgrep scans only the
others, and the two are merged into one result as if the whole tree had been scanned.

Why per file: a re-run after editing one file of a 990-file tree scanned all 990 again (22 s of a
29 s run), and a tree with a single file Semgrep could not parse was never cached at all. What
Semgrep could not parse in a file is part of that file's result, so it is kept (and reported) too;
a file whose scan timed out is kept as such (reported; --no-cache scans it again).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from modernizer.findings.candidates import cache as kept
from modernizer.findings.candidates.config_values import config_algorithms, fill_rule_slots
from modernizer.findings.candidates.engine import (
    ENGINE,
    CandidatesUnavailable,
    builtin_rule_files,
    builtin_rules,
    check_rule_file,
    find_candidates,
    semgrep_executable,
)
from modernizer.findings.candidates.model import CandidateSet

# Files per Semgrep run on a cold or much-changed tree: each run costs Semgrep's start and rule parsing
# (~5-20 s on 2 busy cores), and its results are kept as soon as it ends.
BATCH_FILES = 500


def rule_texts(texts: Mapping[str, str], extra_rules: Sequence[Path]) -> list[tuple[str, bytes]]:
    """Every rule file as Semgrep will read it: ours with their slots filled from the project's
    properties files (so a changed properties value changes the key), then the user's."""
    algorithms = config_algorithms(texts)
    ours = [(f"builtin/{f.name}", fill_rule_slots(f.read_text(encoding="utf-8"), algorithms).encode())
            for f in builtin_rule_files()]
    return ours + [(f"user/{p}", p.read_bytes()) for p in extra_rules]


def _owner(error: str, paths: set[str]) -> str | None:
    """The file an error line of ``find_candidates`` is about ("path: kind: message"), if any."""
    i = error.find(": ")
    while i != -1:
        if error[:i] in paths:
            return error[:i]
        i = error.find(": ", i + 1)
    return None


def split_by_file(found: CandidateSet, paths: Sequence[str]) -> tuple[dict[str, kept.FileResult], list[str]]:
    """A scan of ``paths`` cut into one result per file, and the errors that belong to no file."""
    out = {p: kept.FileResult() for p in paths}
    for c in found.candidates:
        if c.file in out:
            out[c.file].candidates.append(c)
    for p in found.problems:
        if p.file in out:
            out[p.file].problems.append(p)
    loose: list[str] = []
    wanted = set(paths)
    for e in found.errors:
        owner = _owner(e, wanted)
        (out[owner].errors if owner else loose).append(e)
    return out, loose


def find_candidates_cached(texts: Mapping[str, str], shas: Mapping[str, str], cache_dir: Path | None, *,
                           extra_rules: Sequence[Path] = (), jobs: int = 2, timeout_s: float = 120,
                           batch_files: int = BATCH_FILES) -> CandidateSet:
    """``find_candidates`` over ``texts`` (path -> text; ``shas``: path -> sha256 of its bytes), reading
    unchanged files' results from ``cache_dir`` (None: no cache, every file scanned) and keeping the
    new ones there, after each batch of ``batch_files`` files (one Semgrep run each): a pass that runs out of
    ``timeout_s`` keeps what it finished. Raises what ``find_candidates`` raises."""
    t0 = time.perf_counter()
    if cache_dir is None:
        return find_candidates(texts, extra_rules=extra_rules, jobs=jobs, timeout_s=timeout_s)
    exe = semgrep_executable()
    extra_paths = [Path(p).expanduser().resolve() for p in extra_rules]
    taken = set(builtin_rules()) if extra_paths else set()  # parsing our rules' YAML costs a second: only to check the user's
    for p in extra_paths:
        taken.update(check_rule_file(p, taken))
    key = kept.rules_key(rule_texts(texts, extra_paths), kept.engine_identity(exe))
    store = kept.load(cache_dir, key)
    keys = {path: kept.file_key(path, shas[path]) for path in texts}
    results: dict[str, kept.FileResult] = {}
    if store is not None:
        results = {path: store.files[k] for path, k in keys.items() if k in store.files}
    hits = len(results)
    todo = sorted(p for p in texts if p not in results)
    scanned, loose = 0, list(store.rule_errors) if store else []
    version, rules = (store.engine_version, store.rules) if store else ("", 0)
    deadline = t0 + timeout_s
    batches = [todo[i:i + batch_files] for i in range(0, len(todo), batch_files)] or ([[]] if store is None else [])
    for n, batch in enumerate(batches):
        left = deadline - time.perf_counter()
        if left <= 1:
            done = len(results) - hits
            raise CandidatesUnavailable(f"semgrep did not finish within {timeout_s:g} s ({done:,} files scanned and kept "
                                        f"for the next run, {len(todo) - done:,} left)")
        found = find_candidates(texts, extra_rules=extra_paths, jobs=jobs, timeout_s=left, only=batch)
        fresh, loose_now = split_by_file(found, batch)
        results.update(fresh)
        loose = sorted(set(loose_now) | (set(loose) if n else set()))  # this run's rule errors replace the store's
        scanned, version, rules = scanned + found.files_scanned, found.engine_version, found.rules
        # kept after every batch: a pass that runs out of time (or is interrupted) has lost only its last batch
        kept.save(cache_dir, kept.Store(rules_key=key, engine_version=version, rules=rules, rule_errors=loose,
                                        files={keys[p]: r for p, r in results.items() if kept.keepable(r)}))
    cands = sorted((c for r in results.values() for c in r.candidates), key=lambda c: (c.file, c.line_start, c.rule, c.line_end))
    problems = sorted((p for r in results.values() for p in r.problems), key=lambda p: (p.file, p.kind, p.message))
    errors = sorted(set(loose) | {e for r in results.values() for e in r.errors})
    return CandidateSet(engine=ENGINE, engine_version=version, rules=rules, files_scanned=scanned,
                        seconds=round(time.perf_counter() - t0, 3), candidates=cands, errors=errors,
                        from_cache=not todo and store is not None, files_from_cache=hits, problems=problems)
