"""Dependency-graph facts: cycles, centrality, fan-in/out. Computed by code, never by a model.

The report's numbers about structure come from here so that they are reproducible and can be
checked; the agents are told these facts instead of being asked for them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from typing import TYPE_CHECKING

from pydantic import AliasChoices, BaseModel, Field

if TYPE_CHECKING:  # networkx is imported where a graph is built: loading the models stays quick
    import networkx as nx

from modernizer.repo.lang import Edge, dependency_edges, directory_of
from modernizer.repo.snapshot import SourceFile

MAX_CYCLES = 50
MAX_CYCLE_LENGTH = 12
TOP_N = 15


class NodeStat(BaseModel):
    name: str
    fan_in: int
    fan_out: int
    pagerank: float


class GraphView(BaseModel):
    """One level of the graph (files or modules)."""

    nodes: int
    edges: int
    edge_list: list[tuple[str, str]] = Field(default_factory=list)
    strongly_connected: list[list[str]] = Field(default_factory=list, description="components with more than one node")
    cycles: list[list[str]] = Field(default_factory=list, description="elementary cycles, shortest first, bounded")
    cycles_truncated: bool = False
    central: list[NodeStat] = Field(default_factory=list, description="top nodes by PageRank")
    deferred_groups: list[list[str]] = Field(
        default_factory=list,
        description="strongly connected components that appear only when deferred (function-local) imports "
                    "count too: tangles a call can close, reported apart from strongly_connected")


class GraphFacts(BaseModel):
    files: GraphView
    directories: GraphView = Field(validation_alias=AliasChoices("directories", "modules"),
                                   description="the graph of directories (schema 1.1 called it 'modules'; 'module' now means a chunk only)")
    edges: list[Edge] = Field(default_factory=list)


def build_graph_facts(files: Sequence[SourceFile]) -> GraphFacts:
    import networkx as nx

    edges = dependency_edges(files)
    views = []
    for level in (lambda p: p, directory_of):  # files, then directories
        g, cyclic = nx.DiGraph(), nx.DiGraph()  # every dependency; those that load at import time
        g.add_nodes_from(level(f.path) for f in files)
        cyclic.add_nodes_from(g.nodes)
        for e in edges:
            a, b = level(e.source), level(e.target)
            if a != b:
                g.add_edge(a, b)
                if e.kind != "deferred":
                    cyclic.add_edge(a, b)
        views.append((g, cyclic))
    (fg, fcyc), (mg, mcyc) = views
    return GraphFacts(files=_view(fg, fcyc, with_edges=False), directories=_view(mg, mcyc, with_edges=True), edges=edges)


def _view(g: nx.DiGraph, cyclic: nx.DiGraph, with_edges: bool) -> GraphView:
    """Counts and centrality over every dependency; components and cycles over ``cyclic``, the
    dependencies that load at import time (a deferred import cannot close a cycle)."""
    import networkx as nx

    sccs = sorted((sorted(c) for c in nx.strongly_connected_components(cyclic) if len(c) > 1), key=lambda c: (-len(c), c))
    main = {tuple(c) for c in sccs}
    deferred = [c for c in sorted((sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1),
                                  key=lambda c: (-len(c), c)) if tuple(c) not in main]
    cycles, truncated = _bounded_cycles(cyclic)
    pr = _pagerank(g)
    top = sorted(g.nodes, key=lambda n: (-pr.get(n, 0.0), n))[:TOP_N]
    return GraphView(
        nodes=g.number_of_nodes(), edges=g.number_of_edges(),
        edge_list=sorted(g.edges) if with_edges else [],
        strongly_connected=sccs, cycles=cycles, cycles_truncated=truncated,
        deferred_groups=deferred,
        central=[NodeStat(name=n, fan_in=g.in_degree(n), fan_out=g.out_degree(n), pagerank=round(pr.get(n, 0.0), 6)) for n in top],
    )


def _bounded_cycles(g: nx.DiGraph) -> tuple[list[list[str]], bool]:
    """Elementary cycles, at most MAX_CYCLES: their number grows exponentially on dense graphs.

    A component with few cycles gives all of them. One with more gives the shortest cycle through
    each of its files instead, found in sorted order: networkx enumerates in set order, so its first
    N cycles change with Python's hash seed, and the prompt must not (same repo, same bytes).
    """
    import networkx as nx

    found: list[list[str]] = []
    truncated = False
    for comp in sorted((sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1), key=lambda c: c[0]):
        sub = g.subgraph(comp)
        batch = list(itertools.islice(nx.simple_cycles(sub, length_bound=MAX_CYCLE_LENGTH), MAX_CYCLES + 1))
        if len(batch) <= MAX_CYCLES:
            found.extend(_rotate(c) for c in batch)
        else:
            truncated = True
            found.extend(_shortest_cycles(sub, comp, MAX_CYCLES))
    found = sorted({tuple(c): c for c in found}.values(), key=lambda c: (len(c), c))
    if len(found) > MAX_CYCLES:
        truncated = True
    return found[:MAX_CYCLES], truncated


def _shortest_cycles(g: nx.DiGraph, nodes: list[str], limit: int) -> list[list[str]]:
    out: dict[tuple[str, ...], list[str]] = {}
    for start in nodes:
        if len(out) >= limit:
            break
        parent: dict[str, str] = {}
        frontier = [start]
        depth = 0
        closed = None
        while frontier and closed is None and depth < MAX_CYCLE_LENGTH:
            depth += 1
            nxt = []
            for u in frontier:
                for w in sorted(g.successors(u)):
                    if w == start:
                        closed = u
                        break
                    if w not in parent:
                        parent[w] = u
                        nxt.append(w)
                if closed is not None:
                    break
            frontier = nxt
        if closed is None:
            continue
        path = [closed]
        while path[-1] != start:
            path.append(parent[path[-1]])
        cycle = _rotate(path[::-1])
        out.setdefault(tuple(cycle), cycle)
    return list(out.values())


def _rotate(cycle: list[str]) -> list[str]:
    """Start each cycle at its smallest node so the same cycle always prints the same way."""
    i = cycle.index(min(cycle))
    return cycle[i:] + cycle[:i]


def _pagerank(g: nx.DiGraph, alpha: float = 0.85, iterations: int = 100, tol: float = 1e-10) -> dict[str, float]:
    """Power iteration in pure Python: networkx's pagerank needs scipy, which we do not ship."""
    n = g.number_of_nodes()
    if n == 0:
        return {}
    rank = dict.fromkeys(g, 1.0 / n)
    out_deg = {v: g.out_degree(v) for v in g}
    for _ in range(iterations):
        dangling = alpha * sum(rank[v] for v in g if out_deg[v] == 0) / n
        new = dict.fromkeys(g, (1.0 - alpha) / n + dangling)
        for v in g:
            if out_deg[v]:
                share = alpha * rank[v] / out_deg[v]
                for w in g.successors(v):
                    new[w] += share
        err = sum(abs(new[v] - rank[v]) for v in g)
        rank = new
        if err < n * tol:
            break
    return rank


def deferred_note(view: GraphView) -> str:
    """One sentence on the tangles only deferred imports close ("" when none), so that a tree whose
    cycles all run through function-local imports does not read as free of them. A group that
    contains an import-time group (deferred imports made it larger) is told apart from a new one."""
    eager = {n for g in view.strongly_connected for n in g}
    new = [g for g in view.deferred_groups if not eager.intersection(g)]
    grown = [g for g in view.deferred_groups if eager.intersection(g)]
    parts = []
    if new:
        n = len(new)
        parts.append(f"{n:,} more group{'s' if n != 1 else ''} of files in cycles only through deferred "
                     f"(function-local) imports, the largest of {max(map(len, new)):,} files")
    if grown:
        n = len(grown)
        parts.append(f"deferred imports also make {n:,} import-time group{'s' if n != 1 else ''} larger "
                     f"(the largest to {max(map(len, grown)):,} files)")
    return "; ".join(parts)


def cycle_contains(cycles: list[list[str]], expected: list[str]) -> bool:
    """True when ``expected`` (files along a cycle, any rotation) is one of ``cycles``."""
    target = _rotate(list(expected))
    return any(_rotate(list(c)) == target for c in cycles) or any(set(c) == set(expected) for c in cycles)
