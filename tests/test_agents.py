"""Agent definitions load, form a DAG, and every output schema is bounded."""

import json

import pytest

from modernizer.run.agents import load_agents
from modernizer.findings.schemas import OUTPUT_MODELS, AnalyzerOutput, fit_schema, json_schema, worst_case_chars


def walk(node, path="$"):
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}[{i}]")


def test_agents_form_the_documented_dag_by_role():
    agents = load_agents()
    assert agents.waves() == [["analyzer", "security"], ["modernization"], ["validator"]]
    assert [s.name for s in agents.with_role("findings")] == ["analyzer", "security"]
    assert agents.needs_of(agents["validator"]) == ["analyzer", "security", "modernization"]  # roles expanded
    assert agents["plan_detail"].context == "cited" and agents.one("followup").name == "plan_detail"
    assert {s.role for s in agents} == {"findings", "plan", "verdicts", "synthesis", "followup", "fix"}


def test_every_string_and_array_in_every_output_schema_is_bounded():
    for name, model in OUTPUT_MODELS.items():
        schema = json_schema(model)
        for path, node in walk(schema):
            if node.get("type") == "string" and "enum" not in node:
                bounded_pattern = node.get("pattern", "").endswith("$") and "*" not in node.get("pattern", "") and "+" not in node.get("pattern", "")
                assert "maxLength" in node or bounded_pattern, (name, path)
                assert not ("maxLength" in node and "pattern" in node), "xgrammar rejects pattern with maxLength"
            if node.get("type") == "array":
                assert "maxItems" in node, (name, path)
            if node.get("type") == "object":
                assert node["additionalProperties"] is False and set(node["required"]) == set(node["properties"])


def longest_answer(schema):
    """An answer that fills every bound: the case worst_case_chars must cover."""
    if "enum" in schema:
        return max(schema["enum"], key=lambda v: len(json.dumps(v)))
    kind = schema.get("type")
    if kind == "object":
        return {k: longest_answer(v) for k, v in schema["properties"].items()}
    if kind == "array":
        return [longest_answer(schema["items"]) for _ in range(schema["maxItems"])]
    if kind == "string":
        if "pattern" in schema:  # the longest string each of our id patterns admits
            return {"^[A-Z]{1,2}[0-9]{1,3}$": "AB123", "^(CWE-[0-9]{1,4})?$": "CWE-1234", "^P[0-9]{1,2}$": "P12"}[schema["pattern"]]
        return "x" * schema["maxLength"]
    if kind == "integer":
        return schema.get("maximum", 10**9)
    return None


def test_the_worst_case_size_of_every_schema_bounds_its_longest_answer():
    for model in OUTPUT_MODELS.values():
        schema = json_schema(model)
        text = json.dumps(longest_answer(schema), separators=(",", ":"))
        assert len(text) <= worst_case_chars(schema) <= len(text) * 1.05, model.__name__


@pytest.mark.parametrize("budget", [20_000, 6_000, 2_000, 700])
def test_a_fitted_schema_cannot_overflow_its_budget_and_still_validates_in_the_model(budget):
    schema = json_schema(AnalyzerOutput)
    fitted = fit_schema(schema, budget)
    assert worst_case_chars(fitted) <= budget < worst_case_chars(schema)
    # narrower, never different: the longest answer it allows is a valid AnalyzerOutput
    AnalyzerOutput.model_validate(longest_answer(fitted))
    assert fitted["properties"].keys() == schema["properties"].keys()
    assert fit_schema(schema, 10**6) is schema
