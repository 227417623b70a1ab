"""A process tree's resident memory, read from /proc: the benches compare engines that are one
process (tree-sitter, our ingest) with ones that are several (semgrep is python + semgrep-core,
repomix is node + workers), so a child's memory must count."""

from __future__ import annotations

import os


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    out.extend(int(c) for c in fh.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return out


def tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and all its descendants now."""
    page = os.sysconf("SC_PAGE_SIZE")
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
        todo.extend(children(pid))
    return total
