"""Agent definitions load, form a DAG, and every output schema is bounded."""

from modernizer.agents import load_agents, topo_order
from modernizer.schemas import OUTPUT_MODELS, json_schema


def walk(node, path="$"):
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}[{i}]")


def test_agents_form_the_documented_dag():
    specs = load_agents()
    assert topo_order(specs) == [["analyzer", "security"], ["modernization"], ["validator"]]
    assert specs["plan_detail"].context == "cited"


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
