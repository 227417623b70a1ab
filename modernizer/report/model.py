"""The Report: everything a run learned, as one versioned model that every renderer reads.

Pure data: nothing here runs a model or reads a file, and nothing from the engine or the client
is imported, so re-rendering a report (``modernize report``) loads neither. Counts (findings by
severity, by grounding status, cache hit rates) are computed here from the data (``Summary``),
never asked of a model. ``assemble.build_report`` builds it from a run.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from modernizer import __version__
from modernizer.findings.candidates.model import Candidate, Unparsed
from modernizer.run.context import TokenPlan
from modernizer.findings.excerpt import Excerpt
from modernizer.repo.facts import Facts
from modernizer.findings.grounding import Grounding
from modernizer.history.model import Trend
from modernizer.records import Attempt, CacheStats, ModuleTiming, PrefixCacheCounters
from modernizer.findings.schemas import SEVERITIES, Component, PlanDetail, PlanItem, PlanRisk
from modernizer.repo.snapshot import GitInfo, SetAside, SkippedFile

# 1.1: fingerprints from category + file + enclosing symbol + code; symbol, baseline_status and
# suppression on findings; baseline and fixed on the report. 1.0 reports still load (defaults).
# 1.2: facts.graph.modules is facts.graph.directories ("module" means a chunk only); agents carry
# status "partial"; modules carry errors, prompt_tokens and split_from. 1.1 and 1.0 reports still load.
# 1.3: roles and set_aside (file roles); sweep (each slice or batch request of a swept agent, whose
# entry in agents is their aggregate). 1.2 and earlier reports still load.
# 1.4: candidates (the static pass's candidate sites, facts from code, each with the findings that confirm it);
# agents and sweep entries carry token_id_requests. 1.3 and earlier reports still load.
# 1.5: chunked mode's scheduling: each module's timing, the KV pool that admitted modules, the peaks in flight,
#      the module size planned and why; facts.graph.files.deferred_groups (cycles only through function-local imports).
# 1.6: repo.git.prefix (the analysed folder inside its git work tree: SARIF paths are relative to the top level);
#      findings carry context (the cited lines with a few around them, from the snapshot). 1.5 and earlier reports still load.
# 1.7: history (--history: the trend over the recorded runs, modernizer/history). 1.6 and earlier reports still load.
SCHEMA_VERSION = "1.7"
BaselineStatus = Literal["new", "unchanged", "fixed", "not-reported"]


class AppliedSuppression(BaseModel):
    reason: str
    owner: str
    expires: date | None = None
    expired: bool = False


class BaselineInfo(BaseModel):
    source: str = Field(default="", description="the baseline report's file name")
    generated_at: str
    commit: str | None = None
    schema_version: str


class RepoInfo(BaseModel):
    name: str
    root: str
    git: GitInfo | None = None


class LLMInfo(BaseModel):
    endpoint: str
    model: str
    max_model_len: int
    test_model: str = Field(default="", description=(
        "why the served model is a test model (random weights, the small demo model), in words; empty for a real one. "
        "The HTML and the end-of-run summary show it as a banner (testmodel.py)"))


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
    symbol: str = Field(default="", description="enclosing class/method/function, from the code (see symbols.py)")
    baseline_status: BaselineStatus | None = Field(
        default=None, description="with --baseline: new or unchanged; in Report.fixed: fixed (the code is gone or changed) "
                                  "or not-reported (the code is still there; the model did not report it this run)")
    suppressed: bool = Field(default=False, description="an active entry of modernize-suppressions.toml matches the fingerprint")
    suppression: AppliedSuppression | None = Field(default=None, description="the matching entry, active or expired")
    module: str | None = Field(default=None, description="chunked mode: the module whose review reported it ('system' for synthesis)")
    context: Excerpt | None = Field(default=None, description=(
        "the cited lines with a few lines around them, from the analysed snapshot (excerpt.py); None when rejected "
        "or from a report before schema 1.6"))

    @property
    def counts(self) -> bool:
        """A real, open finding: grounded in the code (not rejected) and not suppressed."""
        return self.grounding.status != "rejected" and not self.suppressed


class ReportPlanItem(PlanItem):
    detail: PlanDetail | None = None
    risks: list[PlanRisk] = Field(default_factory=list)


class AgentStats(BaseModel):
    agent: str
    subject: str | None = None
    status: str
    error: str | None = None
    requests: int
    token_id_requests: int = Field(default=0, description="of those, sent as token ids (the shared prefix tokenized once, not per request)")
    prompt_tokens: int
    cached_tokens: int | None
    completion_tokens: int
    thinking_tokens: int = Field(default=0, description="of the completion tokens, those spent thinking before the answer")
    wall_s: float
    ttft_s: float | None = None
    from_cache: bool = False
    attempts: list[Attempt] = Field(default_factory=list)

    @computed_field
    @property
    def cache_hit_rate(self) -> float | None:
        if self.cached_tokens is None or not self.prompt_tokens:
            return None
        return round(self.cached_tokens / self.prompt_tokens, 4)


class ReportCandidate(Candidate):
    """A candidate site as reported: a fact from the code whether or not a model confirms it."""

    id: str = Field(description="C1, C2... in file and line order")
    confirmed_by: list[str] = Field(default_factory=list, description=(
        "ids of grounded findings of its family whose lines come within a few lines of it"))


class Candidates(BaseModel):
    """The static pass (modernizer.findings.candidates): which engine and rules ran, and what they flagged."""

    engine: str = ""
    engine_version: str = ""
    rules: int = 0
    files_scanned: int = 0
    seconds: float = 0.0
    items: list[ReportCandidate] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="files or rules the pass could not handle (never fatal)")
    skipped: str | None = Field(default=None, description="why the pass did not run (turned off, engine missing)")
    from_cache: bool = Field(default=False, description="every file's result read back from an earlier run on the same files and rules")
    files_from_cache: int = Field(default=0, description="files whose result was read back from the per-file cache (files_scanned: scanned this run)")
    unparsed: list[Unparsed] = Field(default_factory=list, description="files Semgrep could not parse or scan in full, each with its likeliest reason")

    @computed_field
    @property
    def unparsed_by_reason(self) -> dict[str, int]:
        from collections import Counter
        return dict(sorted(Counter(u.reason for u in self.unparsed).items(), key=lambda kv: (-kv[1], kv[0])))

    @computed_field
    @property
    def by_family(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.items:
            out[c.family] = out.get(c.family, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


class Architecture(BaseModel):
    summary: str = ""
    tech_stack: list[str] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)


class ModuleSummary(BaseModel):
    id: str
    name: str
    files: int
    tokens: int
    line_ranges: list[str] = Field(default_factory=list, description="for files split by lines: path:start-end")
    agents: dict[str, str] = Field(default_factory=dict, description="agent -> ok | failed | cached")
    errors: dict[str, str] = Field(default_factory=dict, description="agent -> why it failed in this module")
    prompt_tokens: int | None = Field(default=None, description="its first request as the server counted it (None: from the cache)")
    split_from: str | None = Field(default=None, description="the planned module it is half of, when the server counted that one too large")
    findings: int = 0
    timing: ModuleTiming | None = Field(default=None, description="when its work ran (seconds since the agents started); None: from the result cache")


class RoleStat(BaseModel):
    """One file role (roles.py): how much of the tree it is, and whether it was analysed."""

    role: str
    analysed: bool
    files: int
    lines: int
    tokens: int = Field(description="the token plan's count for analysed roles; characters / 4 for set-aside ones")


class Modules(BaseModel):
    budget: int
    modules: list[ModuleSummary]
    coverage: dict[str, list[str]] = Field(description="every analysed file -> the modules that read it")
    uncovered: list[str] = Field(default_factory=list)
    cross_edges: int = 0
    cross_module_cycles: list[list[str]] = Field(default_factory=list, description="file cycles whose files lie in several modules")
    target_tokens: int | None = Field(default=None, description="the module size planned (the budget before the 90% fill)")
    target_reason: str = Field(default="", description="why modules are this size")
    pool_tokens: int | None = Field(default=None, description="the server's KV-cache pool in tokens, which admitted modules (None: unknown)")
    peak_modules_in_flight: int = 0
    peak_requests_in_flight: int = 0


class Report(BaseModel):
    schema_version: str = SCHEMA_VERSION
    tool_version: str = __version__
    generated_at: str
    mode: Literal["single", "modules", "no-llm"]
    notes: list[str] = Field(default_factory=list)
    repo: RepoInfo
    llm: LLMInfo | None = None
    facts: Facts
    tokens: TokenPlan | None = None
    skipped: list[SkippedFile] = Field(default_factory=list)
    roles: list[RoleStat] = Field(default_factory=list, description="every readable file by role: analysed, or set aside")
    set_aside: list[SetAside] = Field(default_factory=list, description="readable files of roles not analysed this run")
    decode_notes: dict[str, str] = Field(default_factory=dict)
    architecture: Architecture = Field(default_factory=Architecture)
    findings: list[ReportFinding] = Field(default_factory=list)
    baseline: BaselineInfo | None = Field(default=None, description="set when the run was compared with --baseline")
    fixed: list[ReportFinding] = Field(default_factory=list, description="baseline findings absent from this run")
    history: Trend | None = Field(default=None, description="with --history: open findings by severity, new and fixed per recorded run, "
                                  "the oldest open critical (modernizer/history)")
    plan: list[ReportPlanItem] = Field(default_factory=list)
    agents: list[AgentStats] = Field(default_factory=list)
    followups: list[AgentStats] = Field(default_factory=list)
    candidates: Candidates | None = Field(default=None, description="computed candidate sites (facts from the code, no model)")
    sweep: list[AgentStats] = Field(default_factory=list, description="single mode: each request of a swept findings agent (subject: its slice) "
                                    "or batched verdicts agent (its batch); the agent's entry in agents sums them")
    prefix_cache: PrefixCacheCounters | None = None
    result_cache: CacheStats | None = None
    modules: Modules | None = None
    timings: dict[str, float] = Field(default_factory=dict)

    @computed_field
    @property
    def summary(self) -> "Summary":
        by_sev = {s: 0 for s in SEVERITIES}
        by_status = {"verified": 0, "unverified": 0, "rejected": 0}
        for f in self.findings:
            by_sev[f.severity] = by_sev.get(f.severity, 0) + 1
            by_status[f.grounding.status] += 1
        # the run's first request fills the prefix cache; every later request should read from it
        asked = [a for a in self.agents if a.requests > 0 and not a.from_cache]
        after_first = [a for a in asked[1:] if a.cache_hit_rate is not None]
        return Summary(
            findings=len(self.findings), by_severity=by_sev, by_grounding=by_status,
            cycles=len(self.facts.graph.files.cycles), plan_items=len(self.plan),
            agents_ok=sum(a.status == "ok" for a in self.agents), agents_partial=sum(a.status == "partial" for a in self.agents),
            agents_failed=sum(a.status == "failed" for a in self.agents),
            min_cache_hit_rate_after_first=min((a.cache_hit_rate for a in after_first), default=None),
            suppressed=sum(f.suppressed for f in self.findings),
            open_by_severity={s: sum(f.severity == s and f.counts for f in self.findings) for s in SEVERITIES},
            baseline=None if self.baseline is None else BaselineCounts(
                new=sum(f.baseline_status == "new" and f.counts for f in self.findings),
                unchanged=sum(f.baseline_status == "unchanged" and f.counts for f in self.findings),
                fixed=sum(f.baseline_status == "fixed" for f in self.fixed),
                not_reported=sum(f.baseline_status == "not-reported" for f in self.fixed)),
            candidates=len(self.candidates.items) if self.candidates else 0,
            candidates_confirmed=sum(bool(c.confirmed_by) for c in self.candidates.items) if self.candidates else 0,
            model_requests=sum(a.requests for a in self.agents + self.followups),
            results_from_cache=sum(a.from_cache for a in self.agents + self.followups)
            + sum(v == "cached" for m in (self.modules.modules if self.modules else []) for v in m.agents.values()),
        )


class BaselineCounts(BaseModel):
    new: int
    unchanged: int
    fixed: int
    not_reported: int


class Summary(BaseModel):
    """Counts computed from the report's own data, never asked of a model."""

    findings: int
    by_severity: dict[str, int]
    by_grounding: dict[str, int]
    cycles: int
    plan_items: int
    agents_ok: int
    agents_partial: int = 0
    agents_failed: int
    min_cache_hit_rate_after_first: float | None = None
    suppressed: int = 0
    open_by_severity: dict[str, int]
    baseline: BaselineCounts | None = None
    candidates: int = 0
    candidates_confirmed: int = 0
    model_requests: int
    results_from_cache: int
