"""Short-context follow-ups: each plan item elaborated (steps, a code example, tests) from only
the lines it cites, in parallel. Long answers are cheap to write at short context and slow next
to a whole codebase, so they are asked for here rather than by the plan agent."""

from __future__ import annotations

from modernizer.run.agents import render_task, short_messages
from modernizer.run.context import render_file
from modernizer.engine.results import AgentRun, SourcedFinding
from modernizer.engine.run import Run
from modernizer.events import FollowupsFinished
from modernizer.findings.schemas import PlanItem
from modernizer.repo.snapshot import Snapshot

EXCERPT_CONTEXT = 12     # lines shown around each cited range in a follow-up
EXCERPT_MAX_LINES = 160  # per follow-up, so that it stays a short-context request


def followup_jobs(run: Run, items: list[PlanItem], findings: list[SourcedFinding], snapshot: Snapshot) -> list:
    """One request per plan item (at most ``run.max_details``) for every follow-up agent."""
    specs = run.agents.with_role("followup")
    if not specs or not items:
        return []
    by_id = {f.id: f.finding for f in findings}
    by_id.update({f.finding.id: f.finding for f in findings if f.finding.id not in by_id})
    jobs = []
    for spec in specs:
        for item in items[: run.max_details]:
            cited = [by_id[i] for i in item.addresses if i in by_id]
            excerpts = cited_excerpts(snapshot, [(f.file, f.line_start, f.line_end) for f in cited], item.files)
            task = render_task(spec, item=item, findings=cited, excerpts=excerpts)
            jobs.append(run.ask(spec, short_messages(run.system, task), subject=item.id))
    return jobs


def report_followups(run: Run, details: list[AgentRun]) -> None:
    if details:
        run.events(FollowupsFinished(ok=sum(d.status == "ok" for d in details), total=len(details)))


def cited_excerpts(snapshot: Snapshot, spans: list[tuple[str, int, int]], files: list[str]) -> str:
    """Only the lines cited (with some context), so the follow-up is a short-context request."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    for path, a, b in spans:
        ranges.setdefault(path, []).append((int(a), int(b)))
    for path in files:
        ranges.setdefault(path, [])
    parts: list[str] = []
    budget = EXCERPT_MAX_LINES
    for path, found in ranges.items():
        src = snapshot.file(path)
        if src is None or budget <= 0:
            continue
        for a, b in sorted(found or [(1, min(src.lines, 40))]):
            lo, hi = max(1, a - EXCERPT_CONTEXT), min(src.lines, b + EXCERPT_CONTEXT, max(1, a - EXCERPT_CONTEXT) + budget - 1)
            if lo > hi:
                continue
            parts.append(render_file(src, lo, hi))
            budget -= hi - lo + 1
    return "\n".join(parts) if parts else "(no cited code could be found in the repository)"
