"""The Report: everything a run learned, as one versioned model that every renderer reads.

``build_report`` is a pure function of the run's parts. Counts (findings by severity, by grounding
status, cache hit rates) are computed here from the data, never asked of a model.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from modernizer import __version__
from modernizer.client import PrefixCacheCounters
from modernizer.context import TokenPlan
from modernizer.facts import Facts
from modernizer.grounding import Grounding, ground
from modernizer.pipeline import AgentRun, Attempt, PipelineResult
from modernizer.redact import redact
from modernizer.schemas import SEVERITIES, Component, PlanDetail, PlanItem, PlanRisk
from modernizer.snapshot import GitInfo, SkippedFile, Snapshot

SCHEMA_VERSION = "1.0"


class RepoInfo(BaseModel):
    name: str
    root: str
    git: GitInfo | None = None


class LLMInfo(BaseModel):
    endpoint: str
    model: str
    max_model_len: int


class ReportFinding(BaseModel):
    id: str
    source: str = Field(description="the agent that reported it")
    title: str
    category: str
    cwe: str = ""
    severity: str
    file: str
    line_start: int
    line_end: int
    snippet: str
    reason: str
    grounding: Grounding
    verdict: Literal["confirmed", "false-positive", "uncertain"] | None = None
    verdict_note: str = ""
    fingerprint: str


class ReportPlanItem(PlanItem):
    detail: PlanDetail | None = None
    risks: list[PlanRisk] = Field(default_factory=list)


class AgentStats(BaseModel):
    agent: str
    subject: str | None = None
    status: str
    error: str | None = None
    requests: int
    prompt_tokens: int
    cached_tokens: int | None
    completion_tokens: int
    wall_s: float
    ttft_s: float | None = None
    attempts: list[Attempt] = Field(default_factory=list)

    @computed_field
    @property
    def cache_hit_rate(self) -> float | None:
        if self.cached_tokens is None or not self.prompt_tokens:
            return None
        return round(self.cached_tokens / self.prompt_tokens, 4)


class Architecture(BaseModel):
    summary: str = ""
    tech_stack: list[str] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)


class Report(BaseModel):
    schema_version: str = SCHEMA_VERSION
    tool_version: str = __version__
    generated_at: str
    mode: Literal["single", "no-llm"]
    notes: list[str] = Field(default_factory=list)
    repo: RepoInfo
    llm: LLMInfo | None = None
    facts: Facts
    tokens: TokenPlan | None = None
    skipped: list[SkippedFile] = Field(default_factory=list)
    decode_notes: dict[str, str] = Field(default_factory=dict)
    architecture: Architecture = Field(default_factory=Architecture)
    findings: list[ReportFinding] = Field(default_factory=list)
    plan: list[ReportPlanItem] = Field(default_factory=list)
    agents: list[AgentStats] = Field(default_factory=list)
    followups: list[AgentStats] = Field(default_factory=list)
    prefix_cache: PrefixCacheCounters | None = None
    timings: dict[str, float] = Field(default_factory=dict)

    @computed_field
    @property
    def summary(self) -> dict[str, Any]:
        by_sev = {s: 0 for s in SEVERITIES}
        by_status = {"verified": 0, "unverified": 0, "rejected": 0}
        for f in self.findings:
            by_sev[f.severity] = by_sev.get(f.severity, 0) + 1
            by_status[f.grounding.status] += 1
        after_first = [a for a in self.agents[1:] if a.cache_hit_rate is not None]
        return {
            "findings": len(self.findings), "by_severity": by_sev, "by_grounding": by_status,
            "cycles": len(self.facts.graph.files.cycles), "plan_items": len(self.plan),
            "agents_ok": sum(a.status == "ok" for a in self.agents), "agents_failed": sum(a.status != "ok" for a in self.agents),
            "min_cache_hit_rate_after_first": min((a.cache_hit_rate for a in after_first), default=None),
        }


def fingerprint(category: str, file: str, snippet: str) -> str:
    """Stable across line moves and rewording: what kind, where, and the code itself."""
    norm = re.sub(r"\s+", " ", snippet).strip().lower()
    return hashlib.sha256(f"{category.strip().lower()}|{file}|{norm}".encode()).hexdigest()[:20]


def _findings(snapshot: Snapshot, result: PipelineResult) -> list[ReportFinding]:
    verdicts: dict[str, dict[str, Any]] = {}
    validator = result.run("validator")
    if validator and validator.output:
        verdicts = {v["finding_id"]: v for v in validator.output.get("verdicts", [])}
    out: list[ReportFinding] = []
    seen: set[str] = set()
    for agent in ("security", "analyzer"):
        run = result.run(agent)
        if not run or not run.output:
            continue
        for f in run.output.get("findings", []):
            g = ground(snapshot, f["file"], f["line_start"], f["line_end"], f["snippet"])
            fid = f["id"]
            while fid in seen:  # two agents may both say "F1": keep ids unique within the report
                fid = f"{agent[0].upper()}{fid}"
            seen.add(fid)
            v = verdicts.get(f["id"], {})
            path = g.file or f["file"]
            out.append(ReportFinding(
                id=fid, source=agent, title=redact(f["title"]), category=f["category"], cwe=f["cwe"],
                severity=f["severity"], file=path, line_start=g.line_start or f["line_start"],
                line_end=g.line_end or f["line_end"], snippet=redact(f["snippet"]), reason=redact(f["reason"]),
                grounding=g, verdict=v.get("verdict"), verdict_note=redact(v.get("note", "")),
                fingerprint=fingerprint(f["category"], path, f["snippet"]),
            ))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    out.sort(key=lambda f: (order.get(f.severity, 9), {"verified": 0, "unverified": 1, "rejected": 2}[f.grounding.status], f.file, f.line_start))
    return out


def _stats(run: AgentRun) -> AgentStats:
    return AgentStats(**run.model_dump(include={"agent", "subject", "status", "error", "requests", "prompt_tokens",
                                                 "cached_tokens", "completion_tokens", "wall_s", "ttft_s", "attempts"}))


def build_report(snapshot: Snapshot, facts: Facts, tokens: TokenPlan | None, result: PipelineResult | None,
                 llm: LLMInfo | None, timings: dict[str, float] | None = None, notes: list[str] | None = None,
                 now: datetime | None = None) -> Report:
    notes = list(notes or [])
    report = Report(
        generated_at=(now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        mode="single" if result is not None else "no-llm",
        repo=RepoInfo(name=snapshot.name, root=snapshot.root, git=snapshot.git), llm=llm, facts=facts,
        tokens=tokens.model_copy(update={"by_file": {}}) if tokens else None,
        skipped=snapshot.skipped, decode_notes={f.path: f.decode_note for f in snapshot.files if f.decode_note},
        timings=timings or {}, notes=notes,
    )
    if result is None:
        report.notes.insert(0, "Run with --no-llm: the model sections (architecture, findings, plan, agents) are empty; the facts are complete.")
        return report
    analyzer = result.run("analyzer")
    if analyzer and analyzer.output:
        report.architecture = Architecture(summary=redact(analyzer.output["summary"]), tech_stack=analyzer.output["tech_stack"],
                                           components=[Component(**c) for c in analyzer.output["components"]])
    report.findings = _findings(snapshot, result)
    plan_run = result.run("modernization")
    risks: dict[str, list[PlanRisk]] = {}
    validator = result.run("validator")
    if validator and validator.output:
        for r in validator.output.get("plan_risks", []):
            risks.setdefault(r["plan_id"], []).append(PlanRisk(**r))
    details = {d.subject: d for d in result.details if d.status == "ok" and d.output}
    if plan_run and plan_run.output:
        report.plan = [ReportPlanItem(**item, detail=PlanDetail(**details[item["id"]].output) if item["id"] in details else None,
                                      risks=risks.get(item["id"], [])) for item in plan_run.output["items"]]
    report.agents = [_stats(r) for r in result.runs]
    report.followups = [_stats(r) for r in result.details]
    report.prefix_cache = result.prefix_cache
    failed = [a.agent for a in report.agents if a.status != "ok"]
    if failed:
        report.notes.append(f"Agents that failed (their sections are empty; see Agents): {', '.join(failed)}.")
    return report
