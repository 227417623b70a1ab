"""Anchored search/replace edits: text in, text and a unified diff out. Pure, no I/O.

A fix (the model's or the user's) is a list of ``{file, search, replace}``. The search text is the
anchor: it must occur exactly once in the file, or the edit is rejected with a message that says
which edit, which file and why (not found, or found N times at which lines). Where an edit lands,
its line numbers, is computed here from the text: never taken from whoever wrote the edit.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from modernizer.errors import ModernizerError

_NUMBER_PREFIX = re.compile(r"^[ \t]*\d+\| ?", re.M)


class EditRejected(ModernizerError):
    """An edit cannot be placed: its anchor is missing, ambiguous, overlapping or changes nothing."""


class Edit(BaseModel):
    file: str
    search: str
    replace: str


class LocatedEdit(Edit):
    line_start: int
    line_end: int
    note: str = ""


class FileChange(BaseModel):
    path: str
    old: str
    new: str
    edits: list[LocatedEdit]
    diff: str


def _occurrences(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle)
    while i != -1:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _label(n: int, path: str) -> str:
    return f"edit {n} ({path})"


def _short(text: str, n: int = 60) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= n else first[: n - 1] + "…"


def locate(text: str, edit: Edit, n: int = 1) -> tuple[int, int, LocatedEdit]:
    """Where ``edit.search`` occurs in ``text``: (start offset, end offset, the edit with its lines).

    Tolerated, and noted: CRLF files searched with LF text, and search text that carries the
    ``N| `` line-number prefixes of the excerpt the model was shown. Anything else must match exactly.
    """
    label = _label(n, edit.file)
    search, replace, note = edit.search, edit.replace, ""
    if not search.strip():
        raise EditRejected(f"{label}: the search text is empty", "an edit must quote the lines it changes")
    if search == replace:
        raise EditRejected(f"{label}: the replacement is the same as the search text", "the edit would change nothing")
    if "\r\n" in text and "\r\n" not in search:
        search, replace = search.replace("\n", "\r\n"), replace.replace("\n", "\r\n")
    hits = _occurrences(text, search)
    if not hits and _NUMBER_PREFIX.search(search):
        stripped = _NUMBER_PREFIX.sub("", search)
        if stripped.strip() and len(_occurrences(text, stripped)) == 1:
            search, hits, note = stripped, _occurrences(text, stripped), "line-number prefixes removed from the search text"
            if _NUMBER_PREFIX.search(replace):
                replace = _NUMBER_PREFIX.sub("", replace)
    if not hits:
        raise EditRejected(
            f"{label}: the search text was not found in the file (it begins {_short(edit.search)!r})",
            "the search text must be copied exactly from the file, whitespace included",
        )
    if len(hits) > 1:
        lines = ", ".join(str(_line_of(text, h)) for h in hits[:8]) + (", …" if len(hits) > 8 else "")
        raise EditRejected(
            f"{label}: the search text occurs {len(hits)} times (lines {lines}); it must occur exactly once",
            "include more of the surrounding lines so the anchor is unique",
        )
    start = hits[0]
    end = start + len(search)
    last = end - 1 if not search.endswith("\n") else end - 2
    located = LocatedEdit(file=edit.file, search=search, replace=replace,
                          line_start=_line_of(text, start), line_end=_line_of(text, max(start, last)), note=note)
    return start, end, located


def apply_to_text(text: str, edits: Sequence[Edit] | Sequence[tuple[int, Edit]]) -> tuple[str, list[LocatedEdit]]:
    """Every edit is located in the original text, they must not overlap, then all are applied.

    ``edits`` may be numbered ``(n, edit)`` pairs, so that messages name the edit the user sees.
    """
    numbered = [e if isinstance(e, tuple) else (i, e) for i, e in enumerate(edits, 1)]
    placed: list[tuple[int, int, LocatedEdit, int]] = []
    for n, e in numbered:
        s, t, located = locate(text, e, n)
        placed.append((s, t, located, n))
    placed.sort(key=lambda p: p[0])
    for (s1, t1, le, n1), (s2, _, _, n2) in zip(placed, placed[1:]):
        if s2 < t1:
            raise EditRejected(f"edits {n1} and {n2} ({le.file}) overlap", "merge them into one edit")
    out = text
    for s, t, located, _ in reversed(placed):
        out = out[:s] + located.replace + out[t:]
    return out, [p[2] for p in sorted(placed, key=lambda p: p[3])]


def unified_diff(path: str, old: str, new: str, context: int = 3) -> str:
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    lines = list(difflib.unified_diff(a, b, fromfile=f"a/{path}", tofile=f"b/{path}", n=context))
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def plan_changes(files: Mapping[str, str], edits: Sequence[Edit]) -> list[FileChange]:
    """Group edits by file and apply them to ``files`` (path -> current text). Raises EditRejected."""
    if not edits:
        raise EditRejected("the fix has no edits", "a fix needs at least one search/replace edit")
    by_file: dict[str, list[tuple[int, Edit]]] = {}
    for n, e in enumerate(edits, 1):
        if e.file not in files:
            raise EditRejected(f"{_label(n, e.file)}: no such file in the repository", "use the path from the FILE header")
        by_file.setdefault(e.file, []).append((n, e))
    changes = []
    for path, numbered in by_file.items():
        old = files[path]
        new, located = apply_to_text(old, numbered)
        if new == old:
            raise EditRejected(f"the edits to {path} change nothing", "an edit must change the file")
        changes.append(FileChange(path=path, old=old, new=new, edits=located, diff=unified_diff(path, old, new)))
    return changes
