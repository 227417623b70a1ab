"""The sweep: one findings agent, many bounded answers over the same cached codebase prefix.

One answer holds at most 20 findings (its schema's bound), so one request per agent caps what a
run can report whatever the codebase's size. The sweep asks each findings agent once per *slice*:
every request sees the whole codebase (the shared prefix, prefilled once and then read from the
prefix cache) but answers for a set of files sized so that its bounded answer can cover them. The
slices' findings are merged (renumbered with the agent's letter) and de-duplicated by file,
overlapping lines and CWE; the verdicts agent then judges them in batches of what its schema holds.
What a run can report grows with the codebase, not with one answer's schema.
"""

from __future__ import annotations

from modernizer.run.agents import AgentSpec, render
from modernizer.defaults import SLICE_TOKENS
from modernizer.engine.results import AgentRun, SourcedFinding
from modernizer.findings.schemas import SEVERITIES

MAX_SLICES = 32           # per agent: past this the slices grow instead (admission, not decode, is the cost)
SLICE_LIST_MAX = 200      # files named in one slice's note (the rest are counted)
CANDIDATES_PER_SLICE = 20  # an agent that reads candidates gets a slice split until its answer (20 findings) can cover them
CANDIDATES_LISTED = 60     # candidates named in one request's note (the rest are counted)
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def plan_slices(files: list[tuple[str, int]], slice_tokens: int = SLICE_TOKENS, max_slices: int = MAX_SLICES) -> list[list[str]]:
    """Files (path, tokens) in path order, cut into slices of about ``slice_tokens`` (neighbours in
    the tree stay together); at most ``max_slices``, made larger when there would be more."""
    total = sum(t for _, t in files)
    if not files:
        return []
    size = max(slice_tokens, -(-total // max_slices))
    out: list[list[str]] = [[]]
    used = 0
    for path, tokens in sorted(files):
        if out[-1] and used + tokens > size:
            out.append([])
            used = 0
        out[-1].append(path)
        used += tokens
    return out


def slice_note(files: list[str], index: int, total: int) -> str:
    shown = files[:SLICE_LIST_MAX]
    return render("slice.j2", files=shown, index=index, total=total, omitted=len(files) - len(shown))


def candidates_note(candidates: list | None, files: list[str] | None = None) -> str:
    """The computed candidates (modernizer.findings.candidates) in ``files`` (all when None), for a request
    that answers for them; empty when there are none."""
    keep = set(files) if files is not None else None
    mine = [c for c in candidates or [] if keep is None or c.file in keep]
    if not mine:
        return ""
    shown = mine[:CANDIDATES_LISTED]
    return render("candidates.j2", items=shown, shown=len(shown), omitted=len(mine) - len(shown))


def split_by_candidates(slices: list[list[str]], candidates: list | None, per: int = CANDIDATES_PER_SLICE,
                        limit: int = MAX_SLICES) -> list[list[str]]:
    """Slices cut further, between files, so that each holds at most ``per`` candidates where that
    keeps the agent within ``limit`` requests (a file with more candidates than that stays whole)."""
    counts: dict[str, int] = {}
    for c in candidates or []:
        counts[c.file] = counts.get(c.file, 0) + 1
    out: list[list[str]] = []
    for i, files in enumerate(slices):
        budget = limit - len(out) - (len(slices) - i - 1)  # requests this slice may become
        parts: list[list[str]] = [[]]
        held = 0
        for f in files:
            n = counts.get(f, 0)
            if parts[-1] and held + n > per and len(parts) < budget:
                parts.append([])
                held = 0
            parts[-1].append(f)
            held += n
        out.extend(parts)
    return out


def merge(spec: AgentSpec, runs: list[AgentRun], module: str | None = None, start: int = 0) -> list[SourcedFinding]:
    """Every slice's findings for one agent, renumbered with its letter (from ``start`` + 1) and
    de-duplicated: two findings of one file, one CWE (or one category when neither has a CWE) and
    overlapping lines are one, the more severe kept."""
    prefix = spec.id_prefix or spec.name[:1].upper()
    found = [f for r in runs if r.output is not None for f in getattr(r.output, "findings", [])]
    found.sort(key=lambda f: (_RANK.get(f.severity, 9), f.file, f.line_start))
    kept: list = []
    for f in found:
        if not any(_same(f, k) for k in kept):
            kept.append(f)
    kept.sort(key=lambda f: (f.file, f.line_start, f.line_end))
    out = []
    for i, f in enumerate(kept, start + 1):
        out.append(SourcedFinding(id=f"{prefix}{i}", agent=spec.name, finding=f.model_copy(update={"id": f"{prefix}{i}"}), module=module))
    return out


def _same(a, b) -> bool:  # noqa: ANN001 - two Findings
    if a.file != b.file or a.line_start > b.line_end or b.line_start > a.line_end:
        return False
    if a.cwe or b.cwe:
        return a.cwe == b.cwe
    return a.category.casefold() == b.category.casefold()


def fold(spec: AgentSpec, runs: list[AgentRun], module: str | None = None) -> tuple[AgentRun, list[SourcedFinding]]:
    """A swept findings agent's slices as one run (its answer, the first slice's architecture with
    the merged findings, and what all the requests cost) and its merged findings. One request is
    the agent's run as it was (attempts, timing and cache state), its findings renumbered."""
    found = merge(spec, runs, module)
    if len(runs) == 1:
        only = runs[0]
        return (only.model_copy(update={"output": _with_findings(only.output, found)}) if only.output is not None else only), found
    failures = [(r.subject or "?", r.error or "failed") for r in runs if r.status != "ok"]
    agg = aggregate(spec, runs, failures, what="slices", from_cache=all(r.from_cache for r in runs))
    first = next((r.output for r in runs if r.output is not None), None)
    agg.output = _with_findings(first, found) if first is not None else None
    return agg, found


def _with_findings(output, findings: list[SourcedFinding]):  # noqa: ANN001, ANN202 - a findings agent's output model
    return output.model_copy(update={"findings": [f.finding for f in findings]})


def aggregate(spec: AgentSpec, runs: list[AgentRun], failures: list[tuple[str, str]], spent: list[AgentRun] | None = None,
              what: str = "slices", from_cache: bool = False) -> AgentRun:
    """One agent over many requests (slices, modules, batches): ok, partial (some failed: their
    reasons are kept, one per part) or failed (none succeeded). Its output is held elsewhere
    (the merged findings, the merged verdicts); the parts' own runs say which came from the cache."""
    spent = runs + (spent or [])
    cached = [x.cached_tokens for x in spent if x.cached_tokens is not None]
    status = "ok" if not failures else ("partial" if len(failures) < len(runs) else "failed")
    error = None
    if failures:
        shown = "; ".join(f"{m}: {why}" for m, why in failures[:20])
        error = f"failed in {len(failures)} of {len(runs)} {what}: {shown}" + (f"; ... {len(failures) - 20} more" if len(failures) > 20 else "")
    return AgentRun(
        agent=spec.name, role=spec.role, id_prefix=spec.id_prefix, output_type=spec.output, status=status, error=error,
        requests=sum(x.requests for x in spent), token_id_requests=sum(x.token_id_requests for x in spent), prompt_tokens=sum(x.prompt_tokens for x in spent),
        cached_tokens=sum(cached) if cached else None, completion_tokens=sum(x.completion_tokens for x in spent),
        thinking_tokens=sum(x.thinking_tokens for x in spent),
        wall_s=round(max((x.wall_s for x in runs), default=0.0), 3), attempts=[a for x in runs for a in x.attempts],
        from_cache=from_cache,
    )
