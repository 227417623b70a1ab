"""The Report: everything a run learned, as one versioned model that every renderer reads.

``build_report`` is a pure function of the run's parts. Counts (findings by severity, by grounding
status, cache hit rates) are computed here from the data, never asked of a model.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from modernizer import __version__
from modernizer.client import PrefixCacheCounters
from modernizer.context import TokenPlan
from modernizer.facts import Facts
from modernizer.grounding import Grounding, ground
from modernizer.hierarchy import ModuleResult
from modernizer.modules import ModulePlan
from modernizer.pipeline import AgentRun, Attempt, PipelineResult
from modernizer.resultcache import CacheStats
from modernizer.redact import SecretIndex, redact_v1, scrub
from modernizer.schemas import SEVERITIES, Component, PlanDetail, PlanItem, PlanRisk
from modernizer.snapshot import GitInfo, SkippedFile, Snapshot, SourceFile
from modernizer.suppressions import Suppression
from modernizer.symbols import symbol_table

# 1.1: fingerprints from category + file + enclosing symbol + code; symbol, baseline_status and
# suppression on findings; baseline and fixed on the report. 1.0 reports still load (defaults).
SCHEMA_VERSION = "1.1"
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

    @property
    def counts(self) -> bool:
        """A real, open finding: grounded in the code (not rejected) and not suppressed."""
        return self.grounding.status != "rejected" and not self.suppressed
    module: str | None = Field(default=None, description="chunked mode: the module whose review reported it ('system' for synthesis)")


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
    from_cache: bool = False
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


class ModuleRun(BaseModel):
    """What the chunked run needs to hand to the report: the plan and each module's agent runs."""

    plan: ModulePlan
    results: list[ModuleResult]


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


class Modules(BaseModel):
    budget: int
    modules: list[ModuleSummary]
    coverage: dict[str, list[str]] = Field(description="every analysed file -> the modules that read it")
    uncovered: list[str] = Field(default_factory=list)
    cross_edges: int = 0
    cross_module_cycles: list[list[str]] = Field(default_factory=list, description="file cycles whose files lie in several modules")


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
    decode_notes: dict[str, str] = Field(default_factory=dict)
    architecture: Architecture = Field(default_factory=Architecture)
    findings: list[ReportFinding] = Field(default_factory=list)
    baseline: BaselineInfo | None = Field(default=None, description="set when the run was compared with --baseline")
    fixed: list[ReportFinding] = Field(default_factory=list, description="baseline findings absent from this run")
    plan: list[ReportPlanItem] = Field(default_factory=list)
    agents: list[AgentStats] = Field(default_factory=list)
    followups: list[AgentStats] = Field(default_factory=list)
    prefix_cache: PrefixCacheCounters | None = None
    result_cache: CacheStats | None = None
    modules: Modules | None = None
    timings: dict[str, float] = Field(default_factory=dict)

    @computed_field
    @property
    def summary(self) -> dict[str, Any]:
        by_sev = {s: 0 for s in SEVERITIES}
        by_status = {"verified": 0, "unverified": 0, "rejected": 0}
        for f in self.findings:
            by_sev[f.severity] = by_sev.get(f.severity, 0) + 1
            by_status[f.grounding.status] += 1
        # the run's first request fills the prefix cache; every later request should read from it
        asked = [a for a in self.agents if a.requests > 0 and not a.from_cache]
        after_first = [a for a in asked[1:] if a.cache_hit_rate is not None]
        return {
            "findings": len(self.findings), "by_severity": by_sev, "by_grounding": by_status,
            "cycles": len(self.facts.graph.files.cycles), "plan_items": len(self.plan),
            "agents_ok": sum(a.status == "ok" for a in self.agents), "agents_partial": sum(a.status == "partial" for a in self.agents),
            "agents_failed": sum(a.status == "failed" for a in self.agents),
            "min_cache_hit_rate_after_first": min((a.cache_hit_rate for a in after_first), default=None),
            "suppressed": sum(f.suppressed for f in self.findings),
            "open_by_severity": {s: sum(f.severity == s and f.counts for f in self.findings) for s in SEVERITIES},
            "baseline": None if self.baseline is None else {
                "new": sum(f.baseline_status == "new" and f.counts for f in self.findings),
                "unchanged": sum(f.baseline_status == "unchanged" and f.counts for f in self.findings),
                "fixed": sum(f.baseline_status == "fixed" for f in self.fixed),
                "not_reported": sum(f.baseline_status == "not-reported" for f in self.fixed),
            },
            "model_requests": sum(a.requests for a in self.agents + self.followups),
            "results_from_cache": sum(a.from_cache for a in self.agents + self.followups)
            + sum(v == "cached" for m in (self.modules.modules if self.modules else []) for v in m.agents.values()),
        }


def normalise_category(category: str) -> str:
    return re.sub(r"[\s_]+", "-", category.strip().casefold())


def fingerprint(category: str, file: str, code: str, symbol: str = "") -> str:
    """A finding's identity across runs: what kind (category), where (file and enclosing symbol)
    and the code itself (whitespace collapsed, case-folded, string literals kept). Never line
    numbers (code moves) nor the model's prose (it rewords). ``code`` is redacted first, so the
    fingerprint neither leaks a secret nor changes when the secret is rotated."""
    norm = _WS.sub(" ", redact_v1(code, keep_prefix=False)).strip().casefold()
    key = f"{normalise_category(category)}|{file}|{symbol}|{norm}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def legacy_fingerprint(category: str, file: str, snippet: str) -> str:
    """The schema 1.0 fingerprint, to compare a run with a 1.0 baseline."""
    norm = _WS.sub(" ", snippet).strip().lower()
    return hashlib.sha256(f"{category.strip().lower()}|{file}|{norm}".encode()).hexdigest()[:20]


_WS = re.compile(r"\s+")
_NUMBER_PREFIX = re.compile(r"^\s*\d+\|\s?", re.M)  # as in grounding: a quote copied with its line numbers


def anchor(src: SourceFile, line_start: int, line_end: int, snippet: str) -> tuple[int, int] | None:
    """The whole source lines, inside the grounded range, that the quoted snippet lies on: two runs
    that quote different parts of the same line (or cite a range a little off) anchor on the same code."""
    lines = src.text.splitlines()
    quote = _WS.sub(" ", _NUMBER_PREFIX.sub("", snippet)).strip()
    if len(quote.replace(" ", "")) < 4:
        return None
    for width in (1, 2, 3, 4):
        for i in range(max(1, line_start), min(line_end, len(lines)) - width + 2):
            if quote in _WS.sub(" ", "\n".join(lines[i - 1:i - 1 + width])).strip():
                return i, i + width - 1
    return None


def locate(snapshot: Snapshot, category: str, path: str, g: Grounding, snippet: str,
           tables: dict[str, list[str]] | None = None) -> tuple[str, str]:
    """(fingerprint, enclosing symbol) of a grounded finding. The code hashed is the anchored
    source lines for a verified finding, the quote itself otherwise."""
    src = snapshot.file(path)
    quote = _NUMBER_PREFIX.sub("", snippet)
    if src is None or g.line_start is None:
        return fingerprint(category, path, quote), ""
    tables = {} if tables is None else tables
    if path not in tables:
        tables[path] = symbol_table(src.text, src.language)
    table = tables[path]
    span = anchor(src, g.line_start, g.line_end or g.line_start, snippet) if g.status == "verified" else None
    line = span[0] if span else g.line_start
    symbol = table[line - 1] if 0 < line <= len(table) else ""
    code = "\n".join(src.text.splitlines()[span[0] - 1:span[1]]) if span else quote
    return fingerprint(category, path, code, symbol), symbol


def present_fingerprints(src: SourceFile, category: str) -> set[str]:
    """Every fingerprint a verified finding of ``category`` could have anywhere in ``src`` (windows
    of 1 to 4 whole lines): tells whether the code a baseline finding pointed at is still there."""
    lines = src.text.splitlines()
    table = symbol_table(src.text, src.language)
    out = set()
    for i in range(len(lines)):
        for width in (1, 2, 3, 4):
            if i + width <= len(lines):
                out.add(fingerprint(category, src.path, "\n".join(lines[i:i + width]), table[i]))
    return out


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


def _findings(snapshot: Snapshot, result: PipelineResult) -> list[ReportFinding]:
    verdicts: dict[str, dict[str, Any]] = {}
    validator = result.run("validator")
    if validator and validator.output:
        verdicts = {v["finding_id"]: v for v in validator.output.get("verdicts", [])}
    out: list[ReportFinding] = []
    seen: set[str] = set()
    tables: dict[str, list[str]] = {}
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
            fp, symbol = locate(snapshot, f["category"], path, g, f["snippet"], tables)
            out.append(ReportFinding(
                id=fid, source=agent, title=f["title"], category=f["category"], cwe=f["cwe"],
                severity=f["severity"], file=path, line_start=g.line_start or f["line_start"],
                line_end=g.line_end or f["line_end"], snippet=f["snippet"], reason=f["reason"],
                grounding=g, verdict=v.get("verdict"), verdict_note=v.get("note", ""),
                fingerprint=fp, symbol=symbol, module=f.get("module"),
            ))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    out.sort(key=lambda f: (order.get(f.severity, 9), {"verified": 0, "unverified": 1, "rejected": 2}[f.grounding.status], f.file, f.line_start))
    return out


def _stats(run: AgentRun) -> AgentStats:
    return AgentStats(**run.model_dump(include={"agent", "subject", "status", "error", "requests", "prompt_tokens",
                                                 "cached_tokens", "completion_tokens", "wall_s", "ttft_s", "attempts", "from_cache"}))


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
        findings=per_module.get(r.id, 0)) for r in run.results]
    owner = {p: ms[0] for p, ms in coverage.items()}
    cross = [c for c in facts.graph.files.cycles if len({owner.get(f) for f in c}) > 1]
    return Modules(budget=run.plan.budget, modules=summaries, coverage=coverage,
                   uncovered=sorted(f.path for f in snapshot.files if f.path not in coverage),
                   cross_edges=len(run.plan.cross_edges), cross_module_cycles=cross)


def build_report(snapshot: Snapshot, facts: Facts, tokens: TokenPlan | None, result: PipelineResult | None,
                 llm: LLMInfo | None, timings: dict[str, float] | None = None, notes: list[str] | None = None,
                 now: datetime | None = None, modules: ModuleRun | None = None, cache: CacheStats | None = None,
                 suppressions: list[Suppression] | None = None) -> Report:
    """``suppressions`` (the analysed repo's modernize-suppressions.toml) are matched by
    fingerprint; expiry is judged on the day of ``now``."""
    notes = list(notes or [])
    report = Report(
        generated_at=(now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        mode="no-llm" if result is None else ("modules" if modules is not None else "single"), result_cache=cache,
        repo=RepoInfo(name=snapshot.name, root=snapshot.root, git=snapshot.git), llm=llm, facts=facts,
        tokens=tokens.model_copy(update={"by_file": {}}) if tokens else None,
        skipped=snapshot.skipped, decode_notes={f.path: f.decode_note for f in snapshot.files if f.decode_note},
        timings=timings or {}, notes=notes,
    )
    if result is None:
        report.notes.insert(0, "Run with --no-llm: the model sections (architecture, findings, plan, agents) are empty; the facts are complete.")
        return seal(report)
    analyzer = result.run("analyzer")
    if analyzer and analyzer.output:
        report.architecture = Architecture(summary=analyzer.output["summary"], tech_stack=analyzer.output["tech_stack"],
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
    if modules is not None:
        report.modules = _modules(snapshot, facts, modules, report.findings)
        report.notes.append(f"The codebase is larger than the model's window: it was analysed as {len(modules.results)} modules, "
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
    return seal(report, SecretIndex.from_texts(f.text for f in snapshot.files))


# computed from the code's structure, never written by a model: not walked by ``seal`` (large, and safe)
COMPUTED = frozenset({"facts", "tokens", "coverage"})


def seal(report: Report, known: SecretIndex | None = None) -> Report:
    """Every string the report holds, redacted: the one place model text is cleaned before any
    renderer or file sees it (``known``: the analysed code's own secret values). Idempotent."""
    return scrub(report, known, skip=COMPUTED)
