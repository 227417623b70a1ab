"""What a re-run of an unchanged tree need not work out again: the files' roles and the module plan.

Both are pure functions of inputs a run already has in hand, so each is kept per user (next to
the token counts and the graph, ``countcache``), keyed by a hash of exactly those inputs and of the
code that computes it:

* roles: every file's path, language and content hash (the tree pass looks at the whole tree,
  so one changed file changes the key), and roles.py + treeroles.py;
* the module plan: every analysed file's token count and lines, the dependency edges, the
  module budget, and modules.py.

A miss, a damaged entry or an unwritable cache recomputes; nothing read back is more than what the
same inputs produced before. On a 2,000-file Java tree the plan alone was about 1.5 s of a 3.4 s
warm run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from modernizer.repo import countcache
from modernizer.repo.lang.base import Edge
from modernizer.repo.modules import ModulePlan, plan_modules

FORMAT = "1"


class RoleMap(BaseModel):
    """path -> (role, why); why is empty where the file's own path and text decided."""

    roles: dict[str, tuple[str, str]]


@lru_cache(maxsize=None)
def _code(*names: str) -> str:
    here = Path(__file__).parent
    h = hashlib.sha256(FORMAT.encode())
    for name in names:
        h.update((here / name).read_bytes())
    return h.hexdigest()


def roles_key(files: Sequence) -> str:  # SourceFiles, any order
    h = hashlib.sha256(_code("roles.py", "treeroles.py").encode())
    for f in sorted(files, key=lambda f: f.path):
        h.update(f"{f.path}\0{f.language}\0{f.sha256}\n".encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def cached_roles(files: Sequence, compute: Callable[[], dict[str, tuple[str, str]]]) -> dict[str, tuple[str, str]]:
    """Every file's (role, why), read back when this exact tree was seen before, else ``compute()``d and kept."""
    key = roles_key(files)
    kept = countcache.load_model("roles", key, RoleMap)
    if kept is not None and set(kept.roles) == {f.path for f in files}:
        return kept.roles
    roles = compute()
    countcache.save_model("roles", key, RoleMap(roles=roles))
    return roles


def plan_key(file_tokens: dict[str, int], file_lines: dict[str, int], edges: Sequence[Edge], budget: int) -> str:
    h = hashlib.sha256(_code("modules.py").encode())
    h.update(f"budget {budget}\n".encode())
    for path in sorted(file_tokens):
        h.update(f"{path}\0{file_tokens[path]}\0{file_lines.get(path, 1)}\n".encode("utf-8", "surrogatepass"))
    h.update(b"edges\n")
    for e in sorted((e.source, e.target) for e in edges):
        h.update(f"{e[0]}\0{e[1]}\n".encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def cached_plan(file_tokens: dict[str, int], file_lines: dict[str, int], edges: Sequence[Edge], budget: int) -> ModulePlan:
    """``plan_modules``, read back when the same files, counts, edges and budget were planned before."""
    key = plan_key(file_tokens, file_lines, edges, budget)
    kept = countcache.load_model("plans", key, ModulePlan)
    if kept is not None:
        return kept
    plan = plan_modules(file_tokens, file_lines, list(edges), budget)
    countcache.save_model("plans", key, plan)
    return plan
