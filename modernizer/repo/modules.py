"""Module planning: cut a codebase too large for one window into modules that each fit.

Pure and deterministic (same tree, same plan): directories are the first cut, strongly connected
components are kept together where they fit (a cycle split across modules is invisible to every
module), siblings are merged by how much they depend on each other (graph communities, cheaply),
and a single file larger than a module is split by line ranges with a small overlap.
"""

from __future__ import annotations

import math
from collections import defaultdict

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:  # networkx is imported where a graph is built: loading the models stays quick
    import networkx as nx

from modernizer.repo.lang.base import Edge

SPLIT_OVERLAP_LINES = 20


class FilePart(BaseModel):
    path: str
    start: int = 1
    end: int | None = Field(default=None, description="last line, inclusive; None for the whole file")


class Module(BaseModel):
    id: str
    name: str
    parts: list[FilePart]
    tokens: int

    @property
    def files(self) -> list[str]:
        return sorted({p.path for p in self.parts})


class CrossEdge(BaseModel):
    source: str
    target: str
    count: int


class ModulePlan(BaseModel):
    budget: int
    modules: list[Module]
    cross_edges: list[CrossEdge] = Field(default_factory=list)
    split_files: list[str] = Field(default_factory=list)

    def module_of_file(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for m in self.modules:
            for p in m.parts:
                if m.id not in out[p.path]:
                    out[p.path].append(m.id)
        return dict(out)


class _Unit(BaseModel):
    """Files that must stay together (one file, or a strongly connected component that fits)."""

    files: list[str]
    tokens: int
    home: str  # the directory the unit belongs to: the common parent of its files


def _parent(path: str) -> str:
    # string work, not PurePosixPath: this runs for every file and folder of a plan
    return path.rstrip("/").rpartition("/")[0]


def _common_dir(paths: list[str]) -> str:
    parts = [tuple(_parent(p).split("/")) if _parent(p) else () for p in paths]
    common: list[str] = []
    for level in zip(*parts):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return "/".join(common)


def plan_modules(file_tokens: dict[str, int], file_lines: dict[str, int], edges: list[Edge], budget: int) -> ModulePlan:
    import networkx as nx

    if budget < 64:
        raise ValueError(f"module budget {budget} is too small to hold any code")
    g = nx.DiGraph()
    g.add_nodes_from(file_tokens)
    g.add_edges_from((e.source, e.target) for e in edges if e.source in file_tokens and e.target in file_tokens)

    units: list[_Unit] = []
    taken: set[str] = set()
    for comp in sorted((sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1)):
        total = sum(file_tokens[f] for f in comp)
        if total <= budget:
            units.append(_Unit(files=comp, tokens=total, home=_common_dir(comp)))
            taken.update(comp)
    oversized: list[str] = []
    for f in sorted(file_tokens):
        if f in taken:
            continue
        if file_tokens[f] > budget:
            oversized.append(f)
        else:
            units.append(_Unit(files=[f], tokens=file_tokens[f], home=_parent(f)))

    groups = _pack_tree(units, g, budget)
    modules: list[Module] = []
    for files, tokens in groups:
        modules.append(Module(id="", name=_name(files), parts=[FilePart(path=f) for f in sorted(files)], tokens=tokens))
    for f in oversized:
        modules.extend(_split_file(f, file_tokens[f], file_lines.get(f, 1), budget))
    _unique_names(modules)
    # a split file's parts by line number (their names say "lines 1001-1200", which sorts before "lines 201-400")
    modules.sort(key=lambda m: (m.parts[0].path if m.parts[0].end is not None else m.name, m.parts[0].start or 0, m.name))
    width = len(str(len(modules)))
    for i, m in enumerate(modules, 1):
        m.id = f"m{i:0{width}d}"
    return ModulePlan(budget=budget, modules=modules, cross_edges=_cross_edges(modules, g), split_files=oversized)


def _pack_tree(units: list[_Unit], g: nx.DiGraph, budget: int) -> list[tuple[list[str], int]]:
    """Bottom-up over the directory tree: a directory that fits is one group, else its children's
    groups are merged pairwise, most inter-dependent first, while they fit."""
    by_dir: dict[str, list[_Unit]] = defaultdict(list)
    dirs: set[str] = {""}
    for u in units:
        by_dir[u.home].append(u)
        d = u.home
        while d:
            dirs.add(d)
            d = _parent(d)
    children: dict[str, list[str]] = defaultdict(list)
    for d in sorted(dirs):
        if d:
            children[_parent(d)].append(d)

    def groups_of(d: str) -> list[tuple[list[str], int]]:
        pieces = [(list(u.files), u.tokens) for u in sorted(by_dir.get(d, []), key=lambda u: u.files)]
        for c in sorted(children.get(d, [])):
            pieces.extend(groups_of(c))
        total = sum(t for _, t in pieces)
        if total <= budget:
            return [([f for fs, _ in pieces for f in fs], total)] if pieces else []
        return _merge(pieces, g, budget)

    return groups_of("")


def _merge(pieces: list[tuple[list[str], int]], g: nx.DiGraph, budget: int) -> list[tuple[list[str], int]]:
    """Merge pairs of groups while they fit: most edges between them first, then the smallest pair,
    then list order. The edges between two groups are counted once, from the graph, and a merged
    group's counts are its two parts' sums (the groups are disjoint), so each round only compares
    numbers: recounting edges for every pair in every round took seconds on a 2,000-file tree."""
    files = {k: sorted(fs) for k, (fs, _) in enumerate(pieces)}
    size = {k: t for k, (_, t) in enumerate(pieces)}
    owner = {f: k for k, fs in files.items() for f in fs}
    weights: dict[tuple[int, int], int] = defaultdict(int)
    for f, k in owner.items():
        for y in g.successors(f):
            m = owner.get(y)
            if m is not None and m != k:
                weights[(k, m) if k < m else (m, k)] += 1
    order = list(files)
    next_id = len(order)
    while True:
        best = None
        for i in range(len(order)):
            a = order[i]
            for j in range(i + 1, len(order)):
                b = order[j]
                if size[a] + size[b] > budget:
                    continue
                w = weights.get((a, b) if a < b else (b, a), 0)
                # most edges first; then the smallest pair (keeps modules balanced); then order, for determinism
                key = (-w, size[a] + size[b], i, j)
                if best is None or key < best[0]:
                    best = (key, i, j)
        if best is None:
            return [(files[k], size[k]) for k in order]
        _, i, j = best
        a, b = order[i], order[j]
        n, next_id = next_id, next_id + 1
        files[n], size[n] = sorted(files[a] + files[b]), size[a] + size[b]
        for c in order:
            if c not in (a, b):
                w = weights.get((a, c) if a < c else (c, a), 0) + weights.get((b, c) if b < c else (c, b), 0)
                if w:
                    weights[(c, n)] = w  # c < n: n is the newest id
        order = [x for k, x in enumerate(order) if k not in (i, j)]
        order.insert(i, n)


def _split_file(path: str, tokens: int, lines: int, budget: int) -> list[Module]:
    """Line ranges of at most ~90% of the budget each, overlapping a little so that code crossing
    a cut is seen whole by one of the two modules."""
    fit = max(1, int(lines * budget * 0.9 / max(tokens, 1)))  # lines that fit one module
    overlap = min(SPLIT_OVERLAP_LINES, fit // 4)
    step = max(1, fit - overlap)
    out = []
    start = 1
    while True:
        end = min(lines, start + fit - 1)
        share = math.ceil(tokens * (end - start + 1) / max(lines, 1))
        out.append(Module(id="", name=f"{path} (lines {start}-{end})", parts=[FilePart(path=path, start=start, end=end)], tokens=share))
        if end >= lines:
            return out
        start += step


def split_module(module: Module, file_lines: dict[str, int]) -> list[Module] | None:
    """Two halves of a module the server counted as too large for the window (the plan's token
    estimate for it was short), or None when it cannot be cut further (a single line).

    Several parts: cut between parts, at half the lines. One part: cut its line range in half,
    the halves overlapping a little as in ``_split_file``."""
    spans = [(p, p.start, p.end or file_lines.get(p.path, p.start)) for p in module.parts]
    sizes = [max(1, b - a + 1) for _, a, b in spans]
    total = sum(sizes)
    if len(spans) > 1:
        acc, k = 0, 1
        for i, n in enumerate(sizes[:-1], 1):
            acc += n
            k = i
            if acc >= total / 2:
                break
        halves = [[p for p, _, _ in spans[:k]], [p for p, _, _ in spans[k:]]]
        shares = [sum(sizes[:k]), sum(sizes[k:])]
    else:
        part, a, b = spans[0]
        if b <= a:
            return None
        mid = (a + b) // 2
        overlap = min(SPLIT_OVERLAP_LINES, (b - a) // 8)
        halves = [[FilePart(path=part.path, start=a, end=mid)], [FilePart(path=part.path, start=max(a, mid + 1 - overlap), end=b)]]
        shares = [mid - a + 1, b - max(a, mid + 1 - overlap) + 1]
    out = []
    for suffix, parts, share in zip("ab", halves, shares):
        files = sorted({p.path for p in parts})
        name = (f"{parts[0].path} (lines {parts[0].start}-{parts[0].end})" if len(parts) == 1 and parts[0].end is not None
                else _name(files))
        out.append(Module(id=module.id + suffix, name=name, parts=parts, tokens=math.ceil(module.tokens * share / max(total, 1))))
    if out[0].name == out[1].name:
        out[0].name, out[1].name = f"{out[0].name} (first half)", f"{out[1].name} (second half)"
    return out


def _unique_names(modules: list[Module]) -> None:
    """Two modules drawn from one directory would read the same: number them, ``dao (1 of 2)``."""
    seen: dict[str, list[Module]] = {}
    for m in modules:
        seen.setdefault(m.name, []).append(m)
    for name, same in seen.items():
        if len(same) > 1:
            same.sort(key=lambda m: (m.parts[0].path, m.parts[0].start or 0))
            for k, m in enumerate(same, 1):
                m.name = f"{name} ({k} of {len(same)})"


def _name(files: list[str]) -> str:
    """The common directory, plus the sub-directories it draws on when there are several, in words
    a person reads at a glance: ``src/main: java/, resources/``, ``(top level): files, db/``."""
    if len(files) == 1:
        return files[0]
    common = _common_dir(files)
    cut = len(common) + 1 if common else 0
    subs = sorted({_parent(f)[cut:].split("/")[0] or "." for f in files})
    label = common or "(top level)"
    if len(subs) > 1:
        shown = ["files" if s == "." else s + "/" for s in subs[:4]]
        label += ": " + ", ".join(shown) + (f" and {len(subs) - 4} more" if len(subs) > 4 else "")
    return label


def _cross_edges(modules: list[Module], g: nx.DiGraph) -> list[CrossEdge]:
    owner: dict[str, str] = {}
    for m in modules:
        for p in m.parts:
            owner.setdefault(p.path, m.id)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for a, b in g.edges:
        ma, mb = owner.get(a), owner.get(b)
        if ma and mb and ma != mb:
            counts[(ma, mb)] += 1
    return [CrossEdge(source=a, target=b, count=n) for (a, b), n in sorted(counts.items())]
