"""The package layout follows a run's steps, and the lower steps never reach up.

`repo/` reads the analysed tree and knows no model exists; `llm/` talks to the server and knows
nothing of findings. Both may use the shared ground at the top level (errors, fs, safeio, events,
records, ...), never the packages that build on them. Every import counts, the ones inside a function
too: a lazy import is still a dependency. And no module grows past ~400 lines, so each keeps one job."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "modernizer"

HIGHER = ("findings", "engine", "run", "report", "render", "cli", "review", "serve", "history")
LOWER_MAY_NOT = {
    "repo": HIGHER + ("llm",),
    "llm": HIGHER + ("repo",),
    "findings": ("engine", "run", "render", "cli", "review", "serve", "history", "llm"),
}

MAX_LINES = 400
TOO_LONG_BECAUSE: dict[str, str] = {}  # none: every module has one job and fits


def imported_modules(path: Path) -> set[str]:
    """Every modernizer module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("modernizer"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("modernizer"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_lower_packages_import_nothing_of_the_ones_above_them():
    wrong = []
    for low, banned in LOWER_MAY_NOT.items():
        for path in sorted((PKG / low).rglob("*.py")):
            for module in imported_modules(path):
                if package_of(module) in banned:
                    wrong.append(f"{path.relative_to(PKG)} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_the_layering_check_sees_a_function_local_import(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from modernizer.findings.cwe import CWES\n    import modernizer.report.model\n")
    assert {package_of(m) for m in imported_modules(f)} == {"findings", "report"}


def test_every_module_is_at_most_400_lines():
    long = {}
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        n = len(path.read_text().splitlines())
        if n > MAX_LINES and rel not in TOO_LONG_BECAUSE:
            long[rel] = n
    assert not long, f"modules over {MAX_LINES} lines (split by job, or list with a reason): {long}"
    stale = [rel for rel in TOO_LONG_BECAUSE if len((PKG / rel).read_text().splitlines()) <= MAX_LINES]
    assert not stale, f"listed as too long but no longer are: drop them from TOO_LONG_BECAUSE: {stale}"


def test_the_top_level_holds_only_the_shared_ground():
    """A newcomer reads the steps from the tree: the top level keeps only what every step shares."""
    modules = sorted(p.stem for p in PKG.glob("*.py"))
    assert modules == ["__init__", "defaults", "errors", "events", "fs", "records", "resources", "safeio",
                       "severity_style", "userdirs"]
