"""What the engine hands back: each agent's run (its validated, typed output, what it cost, why it
failed) and, read off them by role, the findings, architecture, plan and verdicts the report needs.
Pure data and pure functions: no agent is looked up by name."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from modernizer.repo.modules import FilePart
from modernizer.records import Attempt, ModuleTiming, PrefixCacheCounters
from modernizer.findings.schemas import OUTPUT_MODELS, Component, Finding, PlanDetail, PlanItem, PlanRisk, Verdict


class AgentRun(BaseModel):
    agent: str
    role: str = ""
    id_prefix: str = ""
    status: Literal["ok", "failed", "partial"]
    output_type: str | None = Field(default=None, description="the output model's name (schemas.OUTPUT_MODELS)")
    output: Any = Field(default=None, description="the validated answer, an instance of its output model")
    error: str | None = None
    error_kind: Literal["overflow", "server", "invalid", "truncated"] | None = Field(
        default=None, description="overflow: the server said the prompt does not fit (chunked mode splits the module and retries)")
    attempts: list[Attempt] = Field(default_factory=list)
    requests: int = 0
    token_id_requests: int = Field(default=0, description="requests whose prompt went as token ids, the shared prefix tokenized once")
    prompt_tokens: int = 0
    cached_tokens: int | None = None
    completion_tokens: int = 0
    thinking_tokens: int = Field(default=0, description="of the completion tokens, those the model thought (the text is never kept)")
    wall_s: float = 0.0
    ttft_s: float | None = None
    template_hash: str = ""
    subject: str | None = Field(default=None, description="for follow-ups: the plan item they elaborate")
    from_cache: bool = Field(default=False, description="taken from the result cache: no request was made this run")

    @model_validator(mode="after")
    def _typed(self) -> "AgentRun":
        """A cached or hand-written run carries its output as JSON data: make it the model again."""
        if isinstance(self.output, dict) and self.output_type in OUTPUT_MODELS:
            self.output = OUTPUT_MODELS[self.output_type].model_validate(self.output)
        return self


class SourcedFinding(BaseModel):
    """A finding with its report id (unique across agents) and who found it where."""

    id: str
    agent: str
    finding: Finding
    module: str | None = Field(default=None, description="chunked mode: the module that reported it ('system' for synthesis)")


class ModuleResult(BaseModel):
    id: str
    name: str
    files: list[str]
    tokens: int
    parts: list[FilePart] = Field(default_factory=list, description="what it read: whole files, or line ranges")
    split_from: str | None = Field(default=None, description="the planned module this one is a piece of, when the server counted that one too large")
    prompt_tokens: int | None = Field(default=None, description="its first request, counted by the server (None: answered from the cache)")
    runs: list[AgentRun] = Field(default_factory=list)
    superseded: list[AgentRun] = Field(default_factory=list, description="requests the server rejected as too long before the split (counted, not used)")
    timing: ModuleTiming | None = Field(default=None, description="None: every answer came from the result cache")


class PipelineResult(BaseModel):
    runs: list[AgentRun] = Field(default_factory=list)
    details: list[AgentRun] = Field(default_factory=list)
    prefix_cache: PrefixCacheCounters | None = Field(default=None, description="vLLM /metrics delta over the run, in tokens")
    wall_s: float = 0.0
    modules: list[ModuleResult] | None = Field(default=None, description="chunked mode: every module as it ran")
    merged: list[SourcedFinding] | None = Field(default=None, description="every finding, renumbered and de-duplicated: the sweep's slices (single mode), every module's plus the cross-module ones (chunked)")
    parts: list[AgentRun] = Field(default_factory=list, description="single mode: each request of a swept agent (a slice) or of a batched verdicts agent (a batch), when there was more than one")

    def with_role(self, *roles: str) -> list[AgentRun]:
        return [r for r in self.runs if r.role in roles and r.output is not None]

    def findings(self) -> list[SourcedFinding]:
        """Every finding, ids unique within the report (a clash gets its agent's letter in front)."""
        if self.merged is not None:
            return self.merged
        out: list[SourcedFinding] = []
        seen: set[str] = set()
        for run in self.with_role("findings", "synthesis"):
            for f in getattr(run.output, "findings", []):
                fid = f.id
                while fid in seen:
                    fid = f"{run.id_prefix or run.agent[:1].upper()}{fid}"
                seen.add(fid)
                out.append(SourcedFinding(id=fid, agent=run.agent, finding=f))
        return out

    def architecture(self) -> tuple[str, list[str], list[Component]] | None:
        """(summary, tech stack, components): the synthesis's in chunked mode, else the first
        findings agent whose answer describes the architecture."""
        for run in self.with_role("synthesis") + self.with_role("findings"):
            if hasattr(run.output, "summary"):
                return run.output.summary, list(run.output.tech_stack), list(run.output.components)
        return None

    def plan(self) -> list[PlanItem]:
        return [item for run in self.with_role("plan") for item in run.output.items]

    def verdicts(self) -> dict[str, Verdict]:
        return {v.finding_id: v for run in self.with_role("verdicts") for v in run.output.verdicts}

    def plan_risks(self) -> list[PlanRisk]:
        return [r for run in self.with_role("verdicts") for r in run.output.plan_risks]

    def plan_details(self) -> dict[str, PlanDetail]:
        return {d.subject: d.output for d in self.details if d.status == "ok" and isinstance(d.output, PlanDetail) and d.subject}

