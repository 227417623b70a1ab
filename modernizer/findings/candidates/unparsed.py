"""Why Semgrep could not parse a file, in words a reader acts on, and the count per reason.

Seen on real trees (issue 20): old Mac files with CR-only line ends (Semgrep reads the whole file as
one line), ClearSilver templates named ``*.cs`` (read as C#), PHP 4's ``$str{$i}`` string offsets
(gone from PHP 8, so from Semgrep's grammar). Such a file's candidates may be missing, so the
terminal and the report say how many files and why, not only the JSON's raw error lines. Pure
functions of the pass's problems and the texts it read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from modernizer.findings.candidates.model import FileProblem, Unparsed

_PARSE_KINDS = ("syntax", "lexical", "parse", "partial")
_PHP4_OFFSET = re.compile(r"\$[A-Za-z_]\w*(?:->\w+)*\{\s*(?:\$\w+|\d+)")
_CLEARSILVER = re.compile(r"<\?cs\s")
_LINE = re.compile(r"(?:at line|line)\s+(?:\S+:)?(\d+)")


def is_parse_problem(p: FileProblem) -> bool:
    return any(w in p.kind.lower() for w in _PARSE_KINDS)


def reason(problem: FileProblem, text: str | None) -> str:
    """The likeliest cause, from the file's text where it tells, else Semgrep's own kind."""
    kind = problem.kind.strip() or "error"
    if not is_parse_problem(problem):
        if "timeout" in kind.lower():
            return "timed out"
        return "larger than the size limit" if kind == "Too large" else kind.lower()
    if text is not None:
        if "\r" in text and "\n" not in text:
            return "CR-only line ends"
        name = problem.file.lower()
        if name.endswith(".cs") and _CLEARSILVER.search(text):
            return "a ClearSilver template, not C#"
        if name.endswith((".php", ".inc", ".php3", ".php4", ".phtml")):
            m = _LINE.search(problem.message)
            lines = text.split("\n")
            at = lines[int(m.group(1)) - 1] if m and 0 < int(m.group(1)) <= len(lines) else text
            if _PHP4_OFFSET.search(at):
                return "PHP 4 string offsets $s{…}"
    return kind.lower()


def unparsed_files(problems: list[FileProblem], texts: Mapping[str, str] | None = None) -> list[Unparsed]:
    """One entry per file (its first problem's reason), in path order."""
    out: dict[str, Unparsed] = {}
    for p in sorted(problems, key=lambda p: (p.file, not is_parse_problem(p), p.kind)):
        if p.file not in out:
            out[p.file] = Unparsed(file=p.file, reason=reason(p, (texts or {}).get(p.file)), kind=p.kind)
    return list(out.values())


def by_reason(items: list[Unparsed]) -> dict[str, int]:
    return dict(sorted(Counter(u.reason for u in items).items(), key=lambda kv: (-kv[1], kv[0])))


def summary(items: list[Unparsed]) -> str:
    """'12 files Semgrep could not parse (CR-only line ends 7, syntax error 5)'; '' when none."""
    parse = [u for u in items if any(w in u.kind.lower() for w in _PARSE_KINDS)]
    other = [u for u in items if u not in parse]
    parts = []
    for group, what in ((parse, "Semgrep could not parse"), (other, "Semgrep did not scan in full")):
        if group:
            reasons = ", ".join(f"{r} {n:,}" for r, n in by_reason(group).items())
            parts.append(f"{len(group):,} file{'s' if len(group) != 1 else ''} {what} ({reasons})")
    return "; ".join(parts)
