"""Issue 20, point 6: cycles that only function-local (deferred) imports close are reported apart,
in the facts, the terminal summary, the HTML and the Markdown, never mixed into the cycle counts."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from modernizer.cli import app
from modernizer.repo.graph import build_graph_facts, deferred_note
from modernizer.repo.lang import language_of
from modernizer.repo.snapshot import SourceFile

# A Python 2 shaped package: models <-> views only through imports inside functions, and a
# three-file ring (db -> cache -> util -> db) that one deferred import closes; a and b import
# each other at load time (a real import-time cycle).
TREE = {
    "app/__init__.py": "",
    "app/models.py": "import os\n\nclass Page(object):\n    def render(self):\n        from app import views\n        return views.show(self)\n",
    "app/views.py": "def show(page):\n    import app.models\n    return app.models.Page\n",
    "app/db.py": "import app.cache\n",
    "app/cache.py": "import app.util\n",
    "app/util.py": "def connect():\n    import app.db\n    return app.db\n",
    "app/a.py": "import app.b\n",
    "app/b.py": "import app.a\n",
}


def sf(path: str, text: str) -> SourceFile:
    return SourceFile(path=path, language=language_of(path), text=text, sha256="x",
                      lines=text.count("\n") + 1, size_bytes=len(text))


def test_groups_closed_only_by_deferred_imports_are_counted_apart():
    view = build_graph_facts([sf(p, t) for p, t in TREE.items()]).files
    assert view.strongly_connected == [["app/a.py", "app/b.py"]]  # the import-time cycle only
    assert view.cycles == [["app/a.py", "app/b.py"]]
    assert view.deferred_groups == [["app/cache.py", "app/db.py", "app/util.py"], ["app/models.py", "app/views.py"]]
    assert deferred_note(view) == ("2 more groups of files in cycles only through deferred (function-local) imports, "
                                   "the largest of 3 files")


def test_a_group_that_deferred_imports_only_enlarge_is_reported_too():
    files = [sf("p/__init__.py", ""), sf("p/x.py", "import p.y\n"), sf("p/y.py", "import p.x\n"),
             sf("p/z.py", "import p.x\n"), sf("p/w.py", "def f():\n    import p.z\n")]
    files[1] = sf("p/x.py", "import p.y\n\ndef late():\n    import p.z\n")
    view = build_graph_facts(files).files
    assert view.strongly_connected == [["p/x.py", "p/y.py"]]
    assert view.deferred_groups == [["p/x.py", "p/y.py", "p/z.py"]]  # x..z closes only at call time
    assert deferred_note(view) == "deferred imports also make 1 import-time group larger (the largest to 3 files)"
    assert deferred_note(build_graph_facts(files[:3]).files) == ""


def test_the_report_says_so_in_json_terminal_html_and_markdown(tmp_path):
    repo = tmp_path / "py2shop"
    for path, text in TREE.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["analyze", str(repo), "--no-llm", "-o", str(out), "-f", "json", "-f", "html", "-f", "md"])
    assert res.exit_code == 0, res.output
    report = json.loads(next(out.glob("*.json")).read_text())
    files = report["facts"]["graph"]["files"]
    assert files["strongly_connected"] == [["app/a.py", "app/b.py"]] and len(files["deferred_groups"]) == 2
    assert report["summary"]["cycles"] == 1  # the count stays the import-time one
    note = "2 more groups of files in cycles only through deferred (function-local) imports, the largest of 3 files"
    assert note in " ".join(res.output.split())
    assert note in next(out.glob("*.html")).read_text()
    assert "Besides these: " + note in next(out.glob("*.md")).read_text()
