"""What each agent must answer: bounded pydantic models, sent to vLLM as JSON schemas.

Bounds (maxItems, maxLength) are the contract that keeps long-context answers short: every token
an agent writes while holding a whole codebase in context is slow (see VLLM-NOTES), so these
answers carry ids, locations and one-line reasons, and anything long is asked for afterwards in
short-context follow-ups (``PlanDetail``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")


def Text(n: int) -> Any:
    """A string type with a length bound, for list items (Field() bounds the list itself)."""
    return Annotated[str, Field(max_length=n)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Finding(_Strict):
    id: str = Field(max_length=6, pattern=r"^[A-Z]{1,2}[0-9]{1,3}$", description="A1, A2... for analyzer, S1, S2... for security")
    title: str = Field(max_length=90)
    category: str = Field(max_length=40, description="e.g. sql-injection, xss, hardcoded-secret, deprecated-api, circular-dependency")
    cwe: str = Field(max_length=9, pattern=r"^(CWE-[0-9]{1,4})?$", description="CWE id, or empty")
    severity: Severity
    file: str = Field(max_length=200, description="repository-relative path exactly as in the FILE header")
    line_start: int = Field(ge=1, le=10_000_000)
    line_end: int = Field(ge=1, le=10_000_000)
    snippet: str = Field(max_length=160, description="exact text copied from one of the cited lines, without the line-number prefix")
    reason: str = Field(max_length=200)

    @field_validator("cwe", mode="before")
    @classmethod
    def _cwe_spelling(cls, value: Any) -> Any:
        """A CWE the model spelled its own way ("89", "CWE 89", "cwe-89") is that CWE; anything else
        that is no CWE id ("CWE-101a", "none") is no CWE. A real small model writes "13" where the
        guided grammar asked for "CWE-13" (the CPU vLLM's xgrammar let it through), and one odd
        field must not throw away a module's findings: grounding judges the finding itself."""
        if not isinstance(value, str):
            return value
        m = _CWE_LOOSE.fullmatch(value.strip())
        return f"CWE-{int(m.group(1))}" if m and 0 < int(m.group(1)) < 10_000 else ""


_CWE_LOOSE = re.compile(r"(?:cwe)?[\s_:-]*([0-9]{1,4})", re.IGNORECASE)


class Component(_Strict):
    name: str = Field(max_length=60)
    paths: list[Text(200)] = Field(max_length=4, description="directories or files")
    role: str = Field(max_length=160)


class AnalyzerOutput(_Strict):
    summary: str = Field(max_length=600)
    tech_stack: list[Text(40)] = Field(max_length=12)
    components: list[Component] = Field(max_length=10)
    findings: list[Finding] = Field(max_length=15, description="quality, deprecated APIs, architecture problems")


class SecurityOutput(_Strict):
    findings: list[Finding] = Field(max_length=20)


class PlanItem(_Strict):
    id: str = Field(max_length=4, pattern=r"^P[0-9]{1,2}$")
    title: str = Field(max_length=90)
    phase: Literal["quick-win", "medium-term", "long-term"]
    effort: Literal["S", "M", "L", "XL"]
    addresses: list[Text(6)] = Field(max_length=8, description="finding ids this item fixes")
    files: list[Text(200)] = Field(max_length=5)
    rationale: str = Field(max_length=240)


class ModernizationOutput(_Strict):
    items: list[PlanItem] = Field(max_length=12)


class Verdict(_Strict):
    finding_id: str = Field(max_length=6)
    verdict: Literal["confirmed", "false-positive", "uncertain"]
    note: str = Field(max_length=160)


class PlanRisk(_Strict):
    plan_id: str = Field(max_length=4)
    level: Literal["high", "medium", "low"]
    risk: str = Field(max_length=200)


class ValidatorOutput(_Strict):
    verdicts: list[Verdict] = Field(max_length=35)
    plan_risks: list[PlanRisk] = Field(max_length=12)


class PlanDetail(_Strict):
    steps: list[Text(200)] = Field(max_length=8)
    code_example: str = Field(max_length=1500)
    tests: list[Text(160)] = Field(max_length=5)


class FixEdit(_Strict):
    file: str = Field(max_length=200, description="repository-relative path exactly as in the FILE header")
    search: str = Field(max_length=1000, description="lines copied exactly from the file, without the line-number prefix; must occur exactly once")
    replace: str = Field(max_length=1400, description="the text that takes the place of search")


class FixProposal(_Strict):
    """A review-time fix for one finding: anchored edits; their line numbers are computed by code."""

    explanation: str = Field(max_length=300)
    edits: list[FixEdit] = Field(min_length=1, max_length=3)


OUTPUT_MODELS: dict[str, type[BaseModel]] = {
    m.__name__: m for m in (AnalyzerOutput, SecurityOutput, ModernizationOutput, ValidatorOutput, PlanDetail, FixProposal)
}


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with every $ref inlined and every property required.

    Guided-decoding backends differ in $ref support; an inlined schema works on all of them.
    """
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(copy.deepcopy(defs[node["$ref"].split("/")[-1]]))
            out = {k: walk(v) for k, v in node.items() if k not in ("title",) or not isinstance(v, str)}
            if "pattern" in out:
                # xgrammar rejects pattern+maxLength together; our patterns are anchored and bounded.
                out.pop("maxLength", None)
            if out.get("type") == "object" and "properties" in out:
                out["required"] = list(out["properties"])
                out["additionalProperties"] = False
            return out
        if isinstance(node, list):
            return [walk(x) for x in node]
        return node

    return walk(schema)


def worst_case_chars(schema: dict[str, Any]) -> int:
    """The longest JSON text (no whitespace) an answer obeying ``schema`` can be, in characters.

    Escapes are not counted: a string's bound is its decoded length. Callers keep a margin.
    """
    kind = schema.get("type")
    if "enum" in schema:
        return max(len(json.dumps(v)) for v in schema["enum"])
    if "anyOf" in schema:
        return max(worst_case_chars(s) for s in schema["anyOf"])
    if kind == "object":
        props = schema.get("properties", {})
        return 1 + sum(len(k) + 4 + worst_case_chars(v) for k, v in props.items())
    if kind == "array":
        n = schema.get("maxItems", 0)
        return 2 + n * (worst_case_chars(schema.get("items", {})) + 1)
    if kind == "string":
        return 2 + (schema["maxLength"] if "maxLength" in schema else _PATTERN_STRING)
    if kind == "integer":
        return max(len(str(schema.get("maximum", 10**9))), len(str(schema.get("minimum", -10**9))))
    if kind == "number":
        return 24
    if kind == "boolean":
        return 5
    return 4  # null


_PATTERN_STRING = 12  # our patterned strings are short ids ("S12", "CWE-1234")


def fit_schema(schema: dict[str, Any], max_chars: int) -> dict[str, Any]:
    """A copy of ``schema`` whose every answer fits in ``max_chars``: fewer list items first, then shorter text.

    Used after an answer was cut off at max_tokens: a retry under the same schema could be cut off
    again, while a retry under a schema that cannot overflow always completes. Lists keep their
    ``minItems``; strings keep at least 8 characters, so the result may still exceed a tiny budget.
    """
    if worst_case_chars(schema) <= max_chars:
        return schema

    def scaled(node: Any, items: float, text: float) -> Any:
        if isinstance(node, list):
            return [scaled(x, items, text) for x in node]
        if not isinstance(node, dict):
            return node
        out = {k: scaled(v, items, text) for k, v in node.items()}
        if out.get("type") == "array" and "maxItems" in node:
            out["maxItems"] = max(node.get("minItems", 0), int(node["maxItems"] * items))
        if out.get("type") == "string" and "maxLength" in node:
            out["maxLength"] = max(min(8, node["maxLength"]), int(node["maxLength"] * text))
        return out

    def largest(fits: Callable[[float], bool]) -> float:
        lo, hi = 0.0, 1.0
        for _ in range(20):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if fits(mid) else (lo, mid)
        return lo

    items = largest(lambda f: worst_case_chars(scaled(schema, f, 1.0)) <= max_chars)
    if items > 0:
        return scaled(schema, items, 1.0)
    text = largest(lambda f: worst_case_chars(scaled(schema, 0.0, f)) <= max_chars)
    return scaled(schema, 0.0, text)
