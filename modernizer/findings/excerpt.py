"""The lines a finding cites, with a few lines around them, cut from the snapshot the run analysed.

Why in the report and not read at render time: a model's quote is one line it may have shortened,
so a reader needs the code in place to judge a finding; but renderers are pure functions of the
report (``modernize report`` re-renders far from the code, or after it changed), so the lines are
taken once, at assembly, from the same bytes grounding checked. The report is sealed afterwards,
so these lines are redacted like every other string (one string per line: a secret the patterns
or the code's own secret values find on a line is masked there, and line numbers stay aligned).

Bounded: ``CONTEXT_LINES`` around the cited lines, at most ``MAX_CITED`` cited lines (a citation
of a whole class shows its head and says how many lines are left out), each line cut at
``MAX_LINE_CHARS`` (a minified line would otherwise weigh megabytes).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from modernizer.repo.snapshot import Snapshot

CONTEXT_LINES = 3
MAX_CITED = 20
MAX_LINE_CHARS = 240
CUT = " …"


class Excerpt(BaseModel):
    """Lines ``start`` to ``start + len(lines) - 1`` of the finding's file; ``cited_start`` to
    ``cited_end`` of them are the lines the finding cites (after grounding's correction)."""

    start: int = Field(description="the number of the first line in lines")
    lines: list[str] = Field(description=f"the lines, each cut at {MAX_LINE_CHARS} characters (then ending in '{CUT}'), redacted")
    cited_start: int
    cited_end: int = Field(description="the last cited line shown (see omitted)")
    omitted: int = Field(default=0, description=f"cited lines left out after the first {MAX_CITED}")

    @property
    def numbered(self) -> list[tuple[int, str, bool]]:
        """(line number, text, whether it is cited), for a renderer."""
        return [(self.start + i, text, self.cited_start <= self.start + i <= self.cited_end) for i, text in enumerate(self.lines)]


def _cut(line: str) -> str:
    return line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS - len(CUT)] + CUT


def excerpt(snapshot: Snapshot, path: str, line_start: int | None, line_end: int | None) -> Excerpt | None:
    """The excerpt of ``path`` around ``line_start``-``line_end`` (grounded values: the file is in
    the snapshot and the lines exist), or None when there is nothing to show."""
    src = snapshot.file(path)
    if src is None or line_start is None:
        return None
    lines = src.text.splitlines()
    a, b = sorted((line_start, line_end if line_end is not None else line_start))
    if not 1 <= a <= len(lines):
        return None
    b = min(b, len(lines))
    last_cited = min(b, a + MAX_CITED - 1)
    omitted = b - last_cited
    first = max(1, a - CONTEXT_LINES)
    last = last_cited if omitted else min(len(lines), b + CONTEXT_LINES)
    return Excerpt(start=first, lines=[_cut(x) for x in lines[first - 1:last]], cited_start=a, cited_end=last_cited, omitted=omitted)
