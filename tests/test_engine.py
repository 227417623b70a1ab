"""The engine's logic on the schema-driven test model (no server, milliseconds): waves and the
shared prefix, map/reduce, budgets, the re-ask policy, and agents selected by role, so that a new
findings agent is one TOML file and one template."""

from __future__ import annotations

import asyncio
import json
import re
import random
import shutil
from pathlib import Path

import pytest

from conftest import HOTEL
from modernizer.run.agents import load_agents
from modernizer.run.analysis import AnalyzeOptions, analyze
from modernizer.llm.client import Completion, Usage
from modernizer.engine import budget
from modernizer.engine.asker import reask
from modernizer.errors import InputError
from modernizer.repo.ingest import load_snapshot
from modernizer.resources import data_dir
from modernizer.findings.schemas import OUTPUT_MODELS, json_schema
from support.schema_model import SchemaModel, sample_pattern


def hotel_model(**kw) -> SchemaModel:
    snap = load_snapshot(HOTEL)
    return SchemaModel(files={f.path: f.text.splitlines() for f in snap.files}, **kw)


def run(path: Path, model: SchemaModel, **opts):
    options = AnalyzeOptions(use_cache=False, **opts)
    said = []
    report = asyncio.run(analyze(path, options, events=said.append, client_factory=lambda ep: model))
    return report, said


def test_the_schema_model_answers_valid_json_for_every_output_schema():
    model = SchemaModel(items=3)
    for name, cls in OUTPUT_MODELS.items():
        for seed in range(5):
            cls.model_validate(model.value(json_schema(cls), random.Random(seed), ""))
    assert sample_pattern("^(CWE-[0-9]{1,4})?$", random.Random(1)) in ("",) or sample_pattern("^(CWE-[0-9]{1,4})?$", random.Random(1)).startswith("CWE-")


def test_single_context_waves_go_prefix_first_and_in_dependency_order(tmp_path):
    model = hotel_model(delay=0.01)
    report, said = run(HOTEL, model)
    assert report.mode == "single" and [a.agent for a in report.agents] == ["analyzer", "security", "modernization", "validator"]
    assert all(a.status == "ok" for a in report.agents)
    order = model.order
    # the first request goes alone until its first token: the codebase is then in the prefix cache
    # (the hotel is two slices: each findings agent is swept in two requests over the same prefix)
    assert order[:3] == ["start analyzer slice 1/2", "first analyzer slice 1/2", "start analyzer slice 2/2"]
    assert set(order[2:5]) == {"start analyzer slice 2/2", "start security slice 1/2", "start security slice 2/2"}
    assert order.index("start modernization") > max(order.index(f"first security slice {k}/2") for k in (1, 2))
    assert order.index("start validator") > order.index("first modernization")
    # every codebase request starts with the same bytes (the shared prefix)
    code = [r for r in model.requests if r["label"].split(" slice")[0] in ("analyzer", "security", "modernization", "validator")]
    assert len(code) == 6
    head = code[0]["messages"][1]["content"].split("======== TASK ========")[0]
    assert all(r["messages"][1]["content"].startswith(head) for r in code)
    # follow-ups are short-context requests, one per plan item
    details = [r for r in model.requests if r["name"] == "PlanDetail"]
    assert len(details) == len(report.plan) == len(report.followups) and all(len(r["messages"][1]["content"]) < 20_000 for r in details)
    assert any(e.kind == "wave" for e in said) and any(e.kind == "agent" for e in said)
    assert report.findings and {f.source for f in report.findings} == {"analyzer", "security"}
    assert any(f.grounding.status == "verified" for f in report.findings)  # steered to real lines


def test_chunked_mode_maps_every_module_and_reduces_on_the_digest():
    model = hotel_model()
    report, said = run(HOTEL, model, mode="modules", window=12_000)
    assert report.mode == "modules" and report.modules.uncovered == []
    n = len(report.modules.modules)
    assert n >= 3
    map_requests = [r for r in model.requests if r["label"] in ("analyzer", "security")]
    assert len(map_requests) == 2 * n
    synthesis = [r for r in model.requests if r["label"] == "synthesis"]
    assert len(synthesis) == 1 and "MODULE FINDINGS" in synthesis[0]["messages"][1]["content"]
    ids = [f.id for f in report.findings]
    assert len(ids) == len(set(ids)) and {i[0] for i in ids} <= {"A", "S", "X"}
    assert {f.module for f in report.findings if f.source != "synthesis"} <= {m.id for m in report.modules.modules}
    assert any(e.kind == "module" for e in said) and any(e.kind == "reduce" for e in said)


def test_a_new_findings_agent_is_one_toml_and_one_template_and_reaches_both_reports(tmp_path):
    agents = tmp_path / "agents"
    shutil.copytree(data_dir("agents"), agents)
    (agents / "dependencies.toml").write_text(
        'name = "dependencies"\nrole = "findings"\nid_prefix = "D"\ndescription = "Outdated libraries."\n'
        'template = "dependencies.j2"\noutput = "SecurityOutput"\nmax_tokens = 1024\n')
    (agents / "dependencies.j2").write_text("You are the dependency reviewer. List outdated libraries (ids D1, D2, ...).\n"
                                            "Answer with the JSON object only.\n")
    assert [s.name for s in load_agents(agents).with_role("findings")] == ["analyzer", "dependencies", "security"]

    model = hotel_model()
    single, _ = run(HOTEL, model, agents_dir=agents)
    assert "dependencies" in {a.agent for a in single.agents}
    assert "dependencies" in {f.source for f in single.findings}
    plan_prompt = next(r for r in model.requests if r["label"] == "modernization")["messages"][1]["content"]
    assert "DEPENDENCIES: {" in plan_prompt  # later agents read it by role, unnamed in their templates

    model = hotel_model()
    chunked, _ = run(HOTEL, model, agents_dir=agents, mode="modules", window=12_000)
    assert "dependencies" in {a.agent for a in chunked.agents}
    mine = [f for f in chunked.findings if f.source == "dependencies"]
    assert mine and all(f.id.startswith("D") and f.module for f in mine)
    assert all("dependencies" in m.agents for m in chunked.modules.modules)


def test_a_broken_agents_folder_is_a_clear_input_error(tmp_path):
    (tmp_path / "x.toml").write_text('name = "x"\nrole = "findings"\ntemplate = "x.j2"\noutput = "Nope"\nmax_tokens = 100\n')
    with pytest.raises(InputError, match=r"x.toml: not a valid agent definition \(output: Value error, unknown output model 'Nope'"):
        load_agents(tmp_path)
    with pytest.raises(InputError, match="no such folder"):
        load_agents(tmp_path / "missing")


def test_modules_that_do_not_fit_are_split_on_the_servers_count():
    model = hotel_model(text_count_factor=0.5)  # the plan's per-file counts come up short by half
    report, said = run(HOTEL, model, mode="modules", window=9_000)
    assert report.modules.uncovered == []
    split = [m for m in report.modules.modules if m.split_from]
    assert split and any("split before sending" in n for n in report.notes) and any(e.kind == "split" for e in said)
    finished = [e for e in said if e.kind == "module"]  # "module n/total": the total counts the halves, never "13/12"
    assert [e.done for e in finished] == list(range(1, len(finished) + 1)) and all(e.done <= e.total for e in finished)
    assert finished[-1].total == len(report.modules.modules)
    # the server's window is larger than --window's 9,000: the note says which window the code did not fit
    assert report.llm.max_model_len > 9_000
    assert any(n.startswith("The codebase is larger than the 9,000-token window set with --window (the server's is")
               for n in report.notes), report.notes
    # the test model rejects any prompt + max_tokens over its window, like vLLM: nothing was rejected
    assert all(a.status == "ok" for a in report.agents), [a.error for a in report.agents]
    assert all(m.prompt_tokens is None or m.prompt_tokens + 256 <= 9_000 for m in report.modules.modules)


def test_budget_rules():
    agents = load_agents()
    reserved, inputs = budget.reserve(agents)
    assert reserved == max(s.max_tokens for s in agents.codebase())
    assert inputs == sum(agents[n].max_tokens for n in agents.needs_of(agents["validator"]))
    code, overhead = budget.module_budget(32_768, agents, 500)
    assert overhead == 500 + budget.MODULE_CONTEXT_ALLOWANCE and code == int((32_768 - 3072 - overhead) * 0.9)
    assert budget.map_reserve(agents, 8192) == 2048  # a quarter of a small window
    assert budget.room(1000, 900) == budget.MIN_OUTPUT_TOKENS

    async def count(msgs):
        return len(msgs[0]["content"])

    n, msgs, used = asyncio.run(budget.fit_count(count, 1000, 100, 50, lambda n: [{"role": "user", "content": "x" * (40 * n)}]))
    assert n == 22 and used == 880 and used + 100 <= 1000


def test_the_reask_policy_narrows_the_schema_after_a_cut_answer_and_echoes_the_error_otherwise():
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "code"}]
    schema = json_schema(OUTPUT_MODELS["SecurityOutput"])
    cut = Completion(text='{"findings": [{"id": "S1"', finish_reason="length", usage=Usage(completion_tokens=10), wall_s=0)
    again, narrow = reask(msgs, cut, "truncated", schema, 100)
    assert again[:2] == msgs and "cut off after 10 tokens" in again[-1]["content"] and cut.text not in json.dumps(again)
    assert narrow["properties"]["findings"]["maxItems"] < schema["properties"]["findings"]["maxItems"]
    bad = Completion(text='{"nope": 1}', finish_reason="stop", usage=Usage(completion_tokens=3), wall_s=0)
    again, same = reask(msgs, bad, "findings: Field required", schema, 100)
    assert same is schema and again[2] == {"role": "assistant", "content": '{"nope": 1}'} and "Field required" in again[3]["content"]


def test_a_rerun_takes_token_counts_and_the_graph_from_the_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MODERNIZE_CACHE_HOME", str(tmp_path / "cache"))
    first = hotel_model()
    report, _ = run(HOTEL, first)
    files = report.facts.files_analysed
    assert sum(first.tokenized) >= files  # every file counted once
    assert list((tmp_path / "cache" / "facts").glob("*.json"))  # and the graph kept
    again = hotel_model()
    report2, _ = run(HOTEL, again)
    assert sum(again.tokenized) == 2  # only the frame and the longest task: no file counted again
    assert report2.tokens.total_tokens == report.tokens.total_tokens and report2.facts == report.facts
    # another tokenizer (the fingerprint differs) counts afresh
    other = hotel_model(text_count_factor=0.9)
    run(HOTEL, other)
    assert sum(other.tokenized) >= files


def test_the_sweep_reports_more_findings_than_one_answer_can_hold():
    """One security answer holds at most 20 findings; swept over slices of the cached prefix, a
    run reports more, de-duplicated, and the validator judges them all in batches its answer holds."""
    model = hotel_model(items=20)
    report, said = run(HOTEL, model, slice_tokens=8_000, concurrency=8)
    security = [f for f in report.findings if f.source == "security"]
    assert len(security) > 20
    slices = [r for r in model.requests if r["label"].startswith("security slice")]
    assert len(slices) >= 4 and all("======== YOUR SLICE" in r["messages"][1]["content"] for r in slices)
    # each slice is asked about its own files only, and together the slices cover every file
    named = [set(re.findall(r"^- (\S+)$", r["messages"][1]["content"].split("YOUR SLICE")[1], re.M)) for r in slices]
    assert all(not (a & b) for i, a in enumerate(named) for b in named[i + 1:])
    assert set().union(*named) == {f.path for f in load_snapshot(HOTEL).files}
    # ids are unique and no two findings are one (same file, overlapping lines, same CWE)
    ids = [f.id for f in report.findings]
    assert len(ids) == len(set(ids))
    for i, a in enumerate(security):
        for b in security[i + 1:]:
            same_place = a.file == b.file and a.line_start <= b.line_end and b.line_start <= a.line_end
            assert not (same_place and a.cwe == b.cwe and a.cwe)
    # the validator saw every finding, in batches of at most 35
    batches = [r for r in model.requests if r["label"].startswith("validator")]
    assert len(batches) == -(-len(report.findings) // 35) > 1
    shown = [set(re.findall(r'"id":"([A-Z]{1,2}[0-9]+)"', r["messages"][1]["content"].split("======== TASK ========")[1])) for r in batches]
    assert set().union(*shown) >= set(ids)
    security_run = next(a for a in report.agents if a.agent == "security")
    assert security_run.status == "ok" and security_run.requests == len(slices)
    assert [p.subject for p in report.sweep if p.agent == "security"] == [f"slice {k}/{len(slices)}" for k in range(1, len(slices) + 1)]
    assert len([p for p in report.sweep if p.agent == "validator"]) == len(batches)
    assert report.summary.model_requests == len(model.requests)


def test_chunked_mode_sweeps_inside_each_module_prefix():
    """A module larger than a slice: each map agent answers once per slice of the module's files,
    every request starting with that module's code; the module's findings are merged per agent."""
    model = hotel_model(items=20)
    report, said = run(HOTEL, model, mode="modules", window=24_000, slice_tokens=2_000)
    modules = report.modules.modules
    assert report.modules.uncovered == [] and len(modules) >= 2
    sec = [r for r in model.requests if r["label"].startswith("security")]
    swept = [r for r in sec if " slice " in r["label"]]
    assert swept and len(sec) > len(modules)
    by_module: dict[str, list[str]] = {}
    for r in swept:
        text = r["messages"][1]["content"]
        by_module.setdefault(re.search(r"MODULE (m\d+)", text).group(1), []).append(text.split("======== TASK ========")[0])
    assert any(len(heads) > 1 for heads in by_module.values())
    assert all(len(set(heads)) == 1 for heads in by_module.values())  # one module, one prefix
    mine = [f for f in report.findings if f.source == "security"]
    assert max(sum(f.module == m.id for f in mine) for m in modules) > 20  # past one answer's bound, within a module
    assert all(m.agents["security"] == "ok" for m in modules)


def test_a_server_without_prefix_caching_gets_one_request_per_agent_not_a_sweep():
    """Served with --no-prefix-cache (a larger window from the same memory), every slice would
    read the whole codebase again: the run asks each findings agent once and says why."""
    model = hotel_model(items=3)
    model.metrics = ('vllm:cache_config_info{block_size="128",cache_dtype="auto",enable_prefix_caching="False",'
                     'engine="0"} 1.0\n')
    report, said = run(HOTEL, model, slice_tokens=8_000, concurrency=8)
    assert [r["label"] for r in model.requests if r["label"].startswith("security")] == ["security"]
    assert not [p for p in report.sweep if p.agent == "security"]
    assert any("without prefix caching" in n for n in report.notes)
    swept = hotel_model(items=3)
    run(HOTEL, swept, slice_tokens=8_000, concurrency=8)
    assert len([r for r in swept.requests if r["label"].startswith("security")]) > 1  # the same run with the cache: swept
