"""Facts about the repository that need no model: languages, sizes, the dependency graph."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from modernizer.repo.graph import GraphFacts, build_graph_facts
from modernizer.repo.snapshot import Snapshot


class LanguageStat(BaseModel):
    language: str
    files: int
    lines: int
    bytes: int


class Facts(BaseModel):
    files_analysed: int
    files_skipped: int
    files_set_aside: int = Field(default=0, description="readable files of roles not analysed (tests, docs, translations...)")
    total_lines: int
    total_bytes: int
    languages: list[LanguageStat] = Field(default_factory=list)
    skipped_by_reason: dict[str, int] = Field(default_factory=dict)
    graph: GraphFacts


def compute_facts(snapshot: Snapshot) -> Facts:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for f in snapshot.files:
        s = per[f.language]
        s[0] += 1
        s[1] += f.lines
        s[2] += f.size_bytes
    langs = sorted((LanguageStat(language=k, files=v[0], lines=v[1], bytes=v[2]) for k, v in per.items()),
                   key=lambda s: (-s.lines, s.language))
    reasons: dict[str, int] = defaultdict(int)
    for s in snapshot.skipped:
        reasons[s.reason] += 1
    return Facts(
        files_analysed=len(snapshot.files), files_skipped=len(snapshot.skipped), files_set_aside=len(snapshot.set_aside),
        total_lines=snapshot.total_lines, total_bytes=sum(f.size_bytes for f in snapshot.files),
        languages=langs, skipped_by_reason=dict(sorted(reasons.items())),
        graph=graph_facts(snapshot),
    )


def graph_facts(snapshot: Snapshot) -> GraphFacts:
    """The dependency graph, from the per-user cache when this exact set of files (paths, languages,
    contents) was analysed before by this exact extractor code."""
    from modernizer.repo import countcache

    h = hashlib.sha256(_code_version().encode())
    for f in sorted(snapshot.files, key=lambda f: f.path):
        h.update(f"{f.path}\0{f.language}\0{f.sha256}\n".encode("utf-8", "surrogatepass"))
    key = h.hexdigest()[:32]
    cached = countcache.load_model("facts", key, GraphFacts)
    if cached is not None:
        return cached
    graph = build_graph_facts(snapshot.files)
    countcache.save_model("facts", key, graph)
    return graph


@lru_cache(maxsize=1)
def _code_version() -> str:
    """A hash of the code that computes the graph: a changed extractor never reuses old facts."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for p in sorted([here / "graph.py", here / "facts.py", *(here / "lang").glob("*.py")]):
        h.update(p.read_bytes())
    return h.hexdigest()
