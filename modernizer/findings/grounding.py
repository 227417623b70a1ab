"""Checks a cited location against the snapshot: does the file exist, the lines, the snippet?

A model's citation is a claim. ``verified`` means the snippet is really in that file at (or, with
the lines corrected, near) the cited lines; ``unverified`` means the file and lines exist but the
quote could not be found; ``rejected`` means the file or the lines do not exist at all.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from modernizer.repo.snapshot import Snapshot, SourceFile

Status = Literal["verified", "unverified", "rejected"]
NEAR = 3  # lines a citation may be off by and still count as pointing at the snippet
_NUMBER_PREFIX = re.compile(r"^\s*\d+\|\s?", re.M)
_WS = re.compile(r"\s+")


class Grounding(BaseModel):
    status: Status
    note: str = ""
    file: str | None = None
    line_start: int | None = None
    line_end: int | None = None


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def resolve_path(snapshot: Snapshot, cited: str) -> tuple[SourceFile | None, str]:
    path = cited.strip().strip("`'\"").replace("\\", "/")
    for prefix in ("./", "/"):
        path = path.removeprefix(prefix)
    path = path.removeprefix(snapshot.name + "/")
    f = snapshot.file(path)
    if f is not None:
        return f, ""
    if not path:
        return None, ""
    tails = [x for x in snapshot.files if x.path.endswith("/" + path)]
    if len(tails) == 1:
        return tails[0], f"path completed from {cited!r}"
    return None, ""


def ground(snapshot: Snapshot, file: str, line_start: int, line_end: int, snippet: str) -> Grounding:
    src, path_note = resolve_path(snapshot, file)
    if src is None:
        return Grounding(status="rejected", note=f"no file {file!r} in the repository")
    a, b = sorted((line_start, line_end))
    lines = src.text.splitlines()
    quote = _norm(_NUMBER_PREFIX.sub("", snippet))
    notes = [path_note] if path_note else []
    in_range = 1 <= a <= len(lines)
    b = min(b, len(lines))
    if len(quote.replace(" ", "")) < 4:
        if not in_range:
            return Grounding(status="rejected", file=src.path, note=f"lines {line_start}-{line_end} are outside the file ({len(lines)} lines)")
        return Grounding(status="unverified", file=src.path, line_start=a, line_end=b,
                         note="; ".join(notes + ["no snippet long enough to check"]))
    if in_range and quote in _norm("\n".join(lines[a - 1:b])):
        return Grounding(status="verified", file=src.path, line_start=a, line_end=b, note="; ".join(notes))
    hits = _find(lines, quote)
    if hits:
        span = b - a if in_range else 0
        best = min(hits, key=lambda h: abs(h[0] - a))
        near = in_range and abs(best[0] - a) <= NEAR
        start, end = best[0], max(best[1], best[0] + span) if near else best[1]
        notes.append(f"lines corrected from {line_start}-{line_end}")
        return Grounding(status="verified", file=src.path, line_start=start, line_end=min(end, len(lines)), note="; ".join(notes))
    if not in_range:
        return Grounding(status="rejected", file=src.path, note=f"lines {line_start}-{line_end} are outside the file ({len(lines)} lines) and the snippet is not in it")
    return Grounding(status="unverified", file=src.path, line_start=a, line_end=b,
                     note="; ".join(notes + ["the quoted snippet is not in the file"]))


def _find(lines: list[str], quote: str) -> list[tuple[int, int]]:
    """Every place the quote occurs, as 1-based line ranges (a quote may span a few lines)."""
    out = []
    for i, line in enumerate(lines):
        if quote in _norm(line):
            out.append((i + 1, i + 1))
    if out:
        return out
    for i in range(len(lines)):
        for width in (2, 3, 4):
            if i + width <= len(lines) and quote in _norm("\n".join(lines[i:i + width])):
                out.append((i + 1, i + width))
                break
    return out
