"""Builds the Report from a run: the one place model output becomes report data.

A pure function of the run's parts (snapshot, facts, token plan, the engine's results,
suppressions): every finding is grounded against the code and fingerprinted here, agents are read
by role (never by name), and the whole report is sealed (redacted) before it is returned.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from pydantic import BaseModel

from modernizer.findings.candidates.model import CandidateSet, family_of
from modernizer.run.context import TokenPlan
from modernizer.findings.excerpt import excerpt
from modernizer.repo.facts import Facts
from modernizer.findings.grounding import ground
from modernizer.engine.budget import ModuleSize
from modernizer.engine.results import AgentRun, ModuleResult, PipelineResult
from modernizer.engine.schedule import SchedulerStats
from modernizer.findings.identity import locate
from modernizer.repo.modules import ModulePlan
from modernizer.records import CacheStats
from modernizer.findings.redact import SecretIndex
from modernizer.repo.roles import ROLES
from modernizer.report.model import (AgentStats, AppliedSuppression, Architecture, Candidates, LLMInfo, Modules,
                                     ModuleSummary, RepoInfo, Report, ReportCandidate, ReportFinding, ReportPlanItem,
                                     RoleStat)
from modernizer.report.seal import seal
from modernizer.findings.schemas import SEVERITIES, PlanRisk
from modernizer.repo.snapshot import Snapshot
from modernizer.findings.suppressions import Suppression


class ModuleRun(BaseModel):
    """What the chunked run hands to the report: the plan and each module's agent runs."""

    plan: ModulePlan
    results: list[ModuleResult]
    size: ModuleSize | None = None
    scheduler: SchedulerStats | None = None


def apply_suppressions(report: Report, suppressions: list[Suppression], today: date) -> Report:
    """Marks findings whose fingerprint has an entry: active ones are suppressed (kept in the
    report, left out of --fail-on); expired ones resurface with a note."""
    if not suppressions:
        return report
    by_fp = {s.fingerprint: s for s in suppressions}
    findings, resurfaced = [], []
    for f in report.findings:
        s = by_fp.get(f.fingerprint)
        if s is None:
            findings.append(f)
            continue
        active = s.active(today)
        applied = AppliedSuppression(reason=s.reason, owner=s.owner, expires=s.expires, expired=not active)
        findings.append(f.model_copy(update={"suppressed": active, "suppression": applied}))
        if not active:
            resurfaced.append(f"{f.id} ({f.file}:{f.line_start}, expired {s.expires}, owner {s.owner})")
    notes = list(report.notes)
    if resurfaced:
        notes.append(f"Suppressions that have expired no longer hide their findings: {', '.join(resurfaced)}.")
    return report.model_copy(update={"findings": findings, "notes": notes})


def role_stats(snapshot: Snapshot, tokens: TokenPlan | None) -> list[RoleStat]:
    """Files, lines and tokens per role, analysed roles first (computed, never asked of a model)."""
    by_file = tokens.by_file if tokens else {}
    acc: dict[tuple[str, bool], list[int]] = {}
    for f in snapshot.files:
        a = acc.setdefault((f.role, True), [0, 0, 0])
        a[0], a[1], a[2] = a[0] + 1, a[1] + f.lines, a[2] + by_file.get(f.path, len(f.text) // 4)
    for s in snapshot.set_aside:
        a = acc.setdefault((s.role, False), [0, 0, 0])
        a[0], a[1], a[2] = a[0] + 1, a[1] + s.lines, a[2] + s.tokens
    order = {r: i for i, r in enumerate(ROLES)}
    return [RoleStat(role=r, analysed=an, files=v[0], lines=v[1], tokens=v[2])
            for (r, an), v in sorted(acc.items(), key=lambda kv: (not kv[0][1], order.get(kv[0][0], 99)))]


def _findings(snapshot: Snapshot, result: PipelineResult) -> list[ReportFinding]:
    """Every findings agent's findings (and the synthesis's cross-module ones), grounded against
    the code, fingerprinted, with the verdicts agents' judgement beside them."""
    verdicts = result.verdicts()
    out: list[ReportFinding] = []
    tables: dict[str, list[str]] = {}
    for sf in result.findings():
        f = sf.finding
        g = ground(snapshot, f.file, f.line_start, f.line_end, f.snippet)
        v = verdicts.get(sf.id) or verdicts.get(f.id)
        path = g.file or f.file
        fp, symbol = locate(snapshot, f.category, path, g, f.snippet, tables)
        out.append(ReportFinding(
            id=sf.id, source=sf.agent, title=f.title, category=f.category, cwe=f.cwe, severity=f.severity, file=path,
            line_start=g.line_start or f.line_start, line_end=g.line_end or f.line_end, snippet=f.snippet, reason=f.reason,
            grounding=g, verdict=v.verdict if v else None, verdict_note=v.note if v else "",
            fingerprint=fp, symbol=symbol, module=sf.module,
            context=excerpt(snapshot, path, g.line_start, g.line_end) if g.status != "rejected" else None,
        ))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    out.sort(key=lambda f: (order.get(f.severity, 9), {"verified": 0, "unverified": 1, "rejected": 2}[f.grounding.status], f.file, f.line_start))
    return out


def _stats(run: AgentRun) -> AgentStats:
    return AgentStats(**run.model_dump(include={"agent", "subject", "status", "error", "requests", "token_id_requests", "prompt_tokens",
                                                 "cached_tokens", "completion_tokens", "thinking_tokens", "wall_s", "ttft_s", "attempts", "from_cache"}))


def _modules(snapshot: Snapshot, facts: Facts, run: ModuleRun, findings: list[ReportFinding]) -> Modules:
    """The modules as they ran (a planned module the server counted too large appears as its
    halves), what each covered, and every failure with its reason."""
    coverage: dict[str, list[str]] = {}
    for r in run.results:
        for p in r.parts:
            coverage.setdefault(p.path, [])
            if r.id not in coverage[p.path]:
                coverage[p.path].append(r.id)
    per_module: dict[str, int] = {}
    for f in findings:
        if f.module:
            per_module[f.module] = per_module.get(f.module, 0) + 1
    summaries = [ModuleSummary(
        id=r.id, name=r.name, files=len(r.files), tokens=r.tokens, prompt_tokens=r.prompt_tokens, split_from=r.split_from,
        line_ranges=[f"{p.path}:{p.start}-{p.end}" for p in r.parts if p.end is not None],
        agents={x.agent: ("cached" if x.from_cache else x.status) for x in r.runs},
        errors={x.agent: x.error or "failed" for x in r.runs if x.status != "ok"},
        findings=per_module.get(r.id, 0), timing=r.timing) for r in run.results]
    owner = {p: ms[0] for p, ms in coverage.items()}
    cross = [c for c in facts.graph.files.cycles if len({owner.get(f) for f in c}) > 1]
    return Modules(budget=run.plan.budget, modules=summaries, coverage=coverage,
                   uncovered=sorted(f.path for f in snapshot.files if f.path not in coverage),
                   cross_edges=len(run.plan.cross_edges), cross_module_cycles=cross,
                   target_tokens=run.size.tokens if run.size else None, target_reason=run.size.reason if run.size else "",
                   pool_tokens=run.scheduler.pool_tokens if run.scheduler else None,
                   peak_modules_in_flight=run.scheduler.peak_modules_in_flight if run.scheduler else 0,
                   peak_requests_in_flight=run.scheduler.peak_requests_in_flight if run.scheduler else 0)


def build_report(snapshot: Snapshot, facts: Facts, tokens: TokenPlan | None, result: PipelineResult | None,
                 llm: LLMInfo | None, timings: dict[str, float] | None = None, notes: list[str] | None = None,
                 now: datetime | None = None, modules: ModuleRun | None = None, cache: CacheStats | None = None,
                 suppressions: list[Suppression] | None = None, candidates: CandidateSet | str | None = None) -> Report:
    """``suppressions`` (the analysed repo's modernize-suppressions.toml) are matched by
    fingerprint; expiry is judged on the day of ``now``. ``candidates``: the static pass's result,
    or why it did not run."""
    notes = list(snapshot.notes) + list(notes or [])
    report = Report(
        generated_at=(now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        mode="no-llm" if result is None else ("modules" if modules is not None else "single"), result_cache=cache,
        repo=RepoInfo(name=snapshot.name, root=snapshot.root, git=snapshot.git), llm=llm, facts=facts,
        tokens=tokens.model_copy(update={"by_file": {}}) if tokens else None,
        skipped=snapshot.skipped, decode_notes={f.path: f.decode_note for f in snapshot.files if f.decode_note},
        roles=role_stats(snapshot, tokens), set_aside=snapshot.set_aside,
        timings=timings or {}, notes=notes,
    )
    if result is None:
        report.notes.insert(0, "Run with --no-llm: the model sections (architecture, findings, plan, agents) are empty; the facts are complete.")
        report.candidates = candidate_section(candidates, [])
        return seal(report, SecretIndex.from_texts(f.text for f in snapshot.files))
    arch = result.architecture()
    if arch is not None:
        report.architecture = Architecture(summary=arch[0], tech_stack=arch[1], components=arch[2])
    report.findings = _findings(snapshot, result)
    risks: dict[str, list[PlanRisk]] = {}
    for r in result.plan_risks():
        risks.setdefault(r.plan_id, []).append(r)
    details = result.plan_details()
    report.plan = [ReportPlanItem(**item.model_dump(), detail=details.get(item.id), risks=risks.get(item.id, []))
                   for item in result.plan()]
    report.agents = [_stats(r) for r in result.runs]
    report.followups = [_stats(r) for r in result.details]
    report.sweep = [_stats(r) for r in result.parts]
    report.prefix_cache = result.prefix_cache
    if modules is not None:
        report.modules = _modules(snapshot, facts, modules, report.findings)
        n = len(modules.results)
        b = tokens.budget if tokens is not None else None
        if b is not None and b.fits:
            why = "The codebase fits the window, but --mode modules asked for chunks"
        elif b is not None and llm is not None and b.window < llm.max_model_len:
            why = (f"The codebase is larger than the {b.window:,}-token window set with --window "
                   f"(the server's is {llm.max_model_len:,})")
        else:
            why = "The codebase is larger than the model's window"
        report.notes.append(f"{why}: it was analysed as {n} module{'s' if n != 1 else ''}, "
                            "then synthesised (see Modules for how every file was covered).")
        split = sorted({r.split_from for r in modules.results if r.split_from})
        if split:
            report.notes.append(f"{len(split)} planned modules were larger than the window by the server's exact count and were "
                                f"split before sending: {', '.join(split[:20])}" + (" ..." if len(split) > 20 else "") + ".")
    failed = [a for a in report.agents if a.status != "ok"]
    if failed:
        report.notes.append("Part of the analysis failed (the run exits 5): " + "; ".join(
            f"{a.agent} {a.status}: {a.error or 'no answer'}" for a in failed) + ".")
    report = apply_suppressions(report, suppressions or [], (now or datetime.now(timezone.utc)).date())
    report.candidates = candidate_section(candidates, report.findings)
    return seal(report, SecretIndex.from_texts(f.text for f in snapshot.files))


CONFIRM_SLACK = 5  # lines between a candidate and a finding of its family that confirms it


def candidate_section(candidates: CandidateSet | str | None, findings: list[ReportFinding]) -> Candidates | None:
    """The candidates as facts, numbered in file and line order, each with the grounded findings
    (not rejected) of its family in its file within ``CONFIRM_SLACK`` lines."""
    if candidates is None:
        return None
    if isinstance(candidates, str):
        return Candidates(skipped=candidates)
    items = []
    for i, c in enumerate(sorted(candidates.candidates, key=lambda c: (c.file, c.line_start, c.rule)), 1):
        by = [f.id for f in findings
              if f.file == c.file and f.grounding.status != "rejected" and f.cwe and family_of(f.cwe) == c.family
              and f.line_start - CONFIRM_SLACK <= c.line_end and c.line_start <= f.line_end + CONFIRM_SLACK]
        items.append(ReportCandidate(**c.model_dump(), id=f"C{i}", confirmed_by=by))
    return Candidates(engine=candidates.engine, engine_version=candidates.engine_version, rules=candidates.rules,
                      files_scanned=candidates.files_scanned, seconds=candidates.seconds, items=items, errors=candidates.errors,
                      from_cache=candidates.from_cache, files_from_cache=candidates.files_from_cache,
                      unparsed=candidates.unparsed)
