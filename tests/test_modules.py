"""Module planning on the hotel sample's real graph, with made-up budgets."""

from __future__ import annotations

import pytest

from conftest import HOTEL
from modernizer.run.context import render_file
from modernizer.repo.graph import build_graph_facts
from modernizer.repo.ingest import load_snapshot
from modernizer.repo.modules import plan_modules
from modernizer.repo.tokens import TiktokenCounter


@pytest.fixture(scope="module")
def hotel():
    snap = load_snapshot(HOTEL)
    tokens = dict(zip([f.path for f in snap.files], TiktokenCounter().count_many([render_file(f) for f in snap.files])))
    lines = {f.path: f.lines for f in snap.files}
    return snap, tokens, lines, build_graph_facts(snap.files)


def covered_lines(plan, path, n):
    seen = set()
    for m in plan.modules:
        for p in m.parts:
            if p.path == path:
                seen.update(range(p.start, (p.end or n) + 1))
    return seen


@pytest.mark.parametrize("budget", [900, 3000, 5000, 20000])
def test_every_line_of_every_file_is_in_a_module_within_budget(hotel, budget):
    snap, tokens, lines, facts = hotel
    plan = plan_modules(tokens, lines, facts.edges, budget)
    for f in snap.files:
        assert covered_lines(plan, f.path, f.lines) == set(range(1, f.lines + 1)), f.path
    assert all(m.tokens <= budget for m in plan.modules)
    assert [m.id for m in plan.modules] == [f"m{i:0{len(str(len(plan.modules)))}d}" for i in range(1, len(plan.modules) + 1)]


def test_same_tree_same_plan(hotel):
    snap, tokens, lines, facts = hotel
    a = plan_modules(tokens, lines, facts.edges, 4000)
    b = plan_modules(dict(reversed(list(tokens.items()))), lines, list(reversed(facts.edges)), 4000)
    assert a == b


def test_cycles_stay_in_one_module_when_they_fit(hotel):
    snap, tokens, lines, facts = hotel
    plan = plan_modules(tokens, lines, facts.edges, 8000)
    owner = {p.path: m.id for m in plan.modules for p in m.parts}
    fitting = [comp for comp in facts.files.strongly_connected if sum(tokens[f] for f in comp) <= 8000]
    assert fitting, "the sample's cycles should fit an 8000-token module"
    for comp in fitting:
        assert len({owner[f] for f in comp}) == 1, comp


def test_whole_repo_fits_in_one_module_when_budget_allows(hotel):
    snap, tokens, lines, facts = hotel
    plan = plan_modules(tokens, lines, facts.edges, sum(tokens.values()))
    assert len(plan.modules) == 1 and plan.cross_edges == []


def test_oversized_file_is_split_with_overlap(hotel):
    snap, tokens, lines, facts = hotel
    plan = plan_modules(tokens, lines, facts.edges, 900)
    big = max(tokens, key=tokens.get)
    assert big in plan.split_files
    ranges = sorted((p.start, p.end) for m in plan.modules for p in m.parts if p.path == big)
    assert len(ranges) >= 2 and all(b[0] <= a[1] for a, b in zip(ranges, ranges[1:]))  # consecutive pieces overlap


def test_cross_module_edges_are_counted(hotel):
    snap, tokens, lines, facts = hotel
    plan = plan_modules(tokens, lines, facts.edges, 3000)
    owner = {p.path: m.id for m in plan.modules for p in m.parts}
    expected = sum(1 for e in facts.edges if owner[e.source] != owner[e.target])
    assert sum(c.count for c in plan.cross_edges) == expected > 0


DENSE_CYCLES = """
import json, networkx as nx
from modernizer.repo.graph import _bounded_cycles
g = nx.DiGraph()
names = [f"pkg/m{i:02d}.py" for i in range(14)]
g.add_edges_from((a, b) for a in names for b in names if a != b and (int(a[5:7]) * 7 + int(b[5:7])) % 3)
print(json.dumps(_bounded_cycles(g)))
"""


def test_cycle_lists_do_not_depend_on_the_hash_seed_even_when_truncated():
    """The cycles go into every prompt: a different list per process would defeat the result cache."""
    import json
    import os
    import subprocess
    import sys

    outs = [subprocess.run([sys.executable, "-c", DENSE_CYCLES], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")]
    cycles, truncated = json.loads(outs[0])
    assert truncated and len(cycles) > 1  # a component with too many cycles to list
    assert outs[0] == outs[1] == outs[2]
