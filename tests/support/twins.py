"""Vulnerable/safe twin fixtures: source files whose lines are marked ``// vuln: FAMILY`` or
``// safe: FAMILY`` (tests/data/java-twins, tests/data/java-flow; ``# vuln: FAMILY`` in Python's,
tests/data/python-flow)."""

from __future__ import annotations

import re
from pathlib import Path

MARK = re.compile(r"//\s*(vuln|safe):\s*([\w-]+)")
PY_MARK = re.compile(r"#\s*(vuln|safe):\s*([\w-]+)")


def marks(folder: Path, pattern: str = "*.java", mark: re.Pattern[str] = MARK) -> list[tuple[str, int, str, str]]:
    """(file, line, 'vuln'|'safe', family) for every marked line of the twins in ``folder``."""
    out = []
    for p in sorted(folder.glob(pattern)):
        for n, line in enumerate(p.read_text(encoding="utf-8").split("\n"), 1):
            m = mark.search(line)
            if m:
                out.append((p.name, n, m.group(1), m.group(2)))
    return out


def check_twin(scanned, path: str, must: dict[int, str], must_not: dict[int, str]) -> None:  # noqa: ANN001
    """The static pass's result for one inline twin file: every ``must`` (line -> family) is a
    candidate, no ``must_not`` is, and Semgrep reported no error."""
    found = {(c.line_start, c.family) for c in scanned.candidates if c.file == path}
    assert not scanned.errors, scanned.errors
    missing = {(line, fam) for line, fam in must.items() if (line, fam) not in found}
    assert not missing, f"no candidate for {sorted(missing)} in {path}; found {sorted(found)}"
    wrong = {(line, fam) for line, fam in must_not.items() if (line, fam) in found}
    assert not wrong, f"a safe twin is a candidate: {sorted(wrong)} in {path}"


def hits(found, file: str, line: int, family: str) -> list[str]:  # noqa: ANN001
    """The rules of the candidates of ``family`` in ``found`` (a CandidateSet) that cover ``file:line``."""
    return [c.rule for c in found.candidates if c.file == file and c.family == family and c.line_start <= line <= c.line_end]
