"""Vulnerable/safe twin fixtures: source files whose lines are marked ``// vuln: FAMILY`` or
``// safe: FAMILY`` (tests/data/java-twins, tests/data/java-flow)."""

from __future__ import annotations

import re
from pathlib import Path

MARK = re.compile(r"//\s*(vuln|safe):\s*([\w-]+)")


def marks(folder: Path, pattern: str = "*.java") -> list[tuple[str, int, str, str]]:
    """(file, line, 'vuln'|'safe', family) for every marked line of the twins in ``folder``."""
    out = []
    for p in sorted(folder.glob(pattern)):
        for n, line in enumerate(p.read_text(encoding="utf-8").split("\n"), 1):
            m = MARK.search(line)
            if m:
                out.append((p.name, n, m.group(1), m.group(2)))
    return out
