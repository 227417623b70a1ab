"""The computed-candidates pass as a run starts it: the user's rule files checked first, then
Semgrep in a worker thread beside the model's work, each unchanged file's result read back."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modernizer.findings.candidates.model import CandidateSet
    from modernizer.events import Events
    from modernizer.repo.snapshot import Snapshot
    from modernizer.run.analysis import AnalyzeOptions


def check_rules(options: AnalyzeOptions) -> None:
    """A user's rule file that is not valid stops the run before any work (InputError)."""
    from modernizer.findings.candidates.engine import builtin_rules, check_rule_file

    taken = set(builtin_rules()) if options.rules else set()
    for p in options.rules:
        taken.update(check_rule_file(Path(p).expanduser().resolve(), taken))


async def candidates_pass(snapshot: Snapshot, options: AnalyzeOptions, cache_dir: Path | None = None,
                          events: Events | None = None) -> CandidateSet | str:
    """The static pass in a worker thread (Semgrep is a subprocess: it takes the CPU while the
    server prefills on the GPU); why it did not run, when it did not. With ``cache_dir`` (the run's
    result cache; --no-llm runs use it too) each unchanged file's result is read back and Semgrep
    scans only the others (candidates/incremental.py)."""
    from modernizer.events import SideTask, ignore

    events = events or ignore
    if not options.candidates:
        return "the candidates pass was turned off (--no-candidates or MODERNIZE_CANDIDATES=off)"
    from modernizer.findings.candidates import CandidatesUnavailable
    from modernizer.findings.candidates.incremental import find_candidates_cached
    from modernizer.findings.candidates.unparsed import summary, unparsed_files

    name = "candidates pass (Semgrep)"
    events(SideTask(name=name))
    texts = {f.path: f.text for f in snapshot.files}
    shas = {f.path: f.sha256 for f in snapshot.files}
    try:
        jobs = max(1, min(8, (os.cpu_count() or 2) - 1))  # leave a core to the run itself (and to a local server)
        # Django (5,506 files) takes ~90 s on 2 cores: a limit for the largest trees, after which the run goes on without
        found = await asyncio.to_thread(find_candidates_cached, texts, shas, cache_dir, extra_rules=options.rules,
                                        jobs=jobs, timeout_s=600)
    except CandidatesUnavailable as exc:
        events(SideTask(name=name, done=True, detail=f"did not run: {exc}"))
        return f"the candidates pass did not run: {exc}"
    found.unparsed = unparsed_files(found.problems, texts)
    if found.from_cache:
        detail = f"{len(found.candidates):,} sites, every file's result from an earlier run on the same files and rules"
    elif found.files_from_cache:
        n = found.files_scanned
        detail = (f"{len(found.candidates):,} sites; {n:,} new or changed file{'s' if n != 1 else ''} scanned in {found.seconds:.0f} s, "
                  f"{found.files_from_cache:,} from the cache")
    else:
        detail = f"{len(found.candidates):,} sites in {found.seconds:.0f} s"
    if found.unparsed:
        detail += f"; {summary(found.unparsed)}"
    events(SideTask(name=name, done=True, detail=detail))
    return found
