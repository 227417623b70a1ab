"""Facts about the repository that need no model: languages, sizes, the dependency graph."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field

from modernizer.graph import GraphFacts, build_graph_facts
from modernizer.snapshot import Snapshot


class LanguageStat(BaseModel):
    language: str
    files: int
    lines: int
    bytes: int


class Facts(BaseModel):
    files_analysed: int
    files_skipped: int
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
        files_analysed=len(snapshot.files), files_skipped=len(snapshot.skipped),
        total_lines=snapshot.total_lines, total_bytes=sum(f.size_bytes for f in snapshot.files),
        languages=langs, skipped_by_reason=dict(sorted(reasons.items())),
        graph=build_graph_facts(snapshot.files),
    )
