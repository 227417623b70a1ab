"""The codebase as the model reads it, and whether it fits the window.

Rendering is deterministic (sorted paths, fixed headers, numbered lines) so that every agent's
request starts with the same bytes and vLLM's prefix cache can serve all but the first. Line
numbers are in the text so that findings can cite them and the grounding check can verify them.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import PurePosixPath

from pydantic import BaseModel, Field

from modernizer.repo.snapshot import Snapshot, SourceFile
from modernizer.repo.tokens import TokenSource


def render_file(f: SourceFile, start: int = 1, end: int | None = None) -> str:
    lines = f.text.splitlines()
    end = len(lines) if end is None else min(end, len(lines))
    width = len(str(max(end, 1)))
    body = "\n".join(f"{i:>{width}}| {lines[i - 1]}" for i in range(start, end + 1))
    span = f"lines {start}-{end} of {len(lines)}" if (start, end) != (1, len(lines)) else f"{len(lines)} lines"
    return f"=== FILE: {f.path} ({f.language}, {span}) ===\n{body}\n=== END FILE: {f.path} ===\n"


RENDER_VERSION = "1"  # bump when render_file's output changes: cached token counts depend on it


def codebase_header(snapshot: Snapshot) -> str:
    return f"REPOSITORY: {snapshot.name} ({len(snapshot.files)} files)\n\n"


def render_codebase(snapshot: Snapshot, rendered: list[str] | None = None) -> str:
    """The whole codebase as the model reads it. ``rendered``: the files already rendered, in path
    order (``render_files``), so a run renders each file once."""
    return codebase_header(snapshot) + "\n".join(rendered if rendered is not None else render_files(snapshot))


def render_files(snapshot: Snapshot) -> list[str]:
    """Every file rendered, in path order (the order of the prompt)."""
    return [render_file(f) for f in sorted(snapshot.files, key=lambda f: f.path)]


class DirTokens(BaseModel):
    path: str
    files: int
    tokens: int


class Budget(BaseModel):
    window: int = Field(description="the model's max_model_len")
    reserved_output: int
    overhead: int = Field(description="system prompt, task and earlier agents' outputs")
    available: int
    codebase_tokens: int
    fits: bool
    source: TokenSource


class TokenPlan(BaseModel):
    budget: Budget | None = None
    total_tokens: int
    by_directory: list[DirTokens]
    by_file: dict[str, int] = Field(default_factory=dict)


def directory_tree(file_tokens: dict[str, int], depth: int = 3) -> list[DirTokens]:
    """Token totals per directory, down to ``depth`` levels, largest first within the listing."""
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path, n in file_tokens.items():
        parts = PurePosixPath(path).parts[:-1]
        acc["."][0] += 1
        acc["."][1] += n
        for d in range(1, min(depth, len(parts)) + 1):
            key = "/".join(parts[:d])
            acc[key][0] += 1
            acc[key][1] += n
    return [DirTokens(path=k, files=v[0], tokens=v[1]) for k, v in sorted(acc.items())]
