"""[e] with $EDITOR (issue 22, item 5): the cited lines open in the reviewer's editor (a script that
edits the file stands in for a person at the keyboard: a real program run as the session runs any
editor), what is saved replaces them, and every way that can go wrong changes nothing and says so.
Without an editor the line prompts stay, and the session says how to set one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from modernizer.review.edits import Edit, plan_changes
from modernizer.review.editor import NO_EDITOR, anchored, editor_command
from modernizer.review.session import ReviewOptions, Session, open_state
from modernizer.review.terminal import TerminalUI
from support.review_fixtures import git_init, write_report

DBUTIL = "src/main/java/com/grandhotel/util/DBUtil.java"
PW_FIX = '    private static final String DB_PASSWORD = System.getenv("HOTEL_DB_PASSWORD");'


def editor(tmp_path: Path, body: str) -> str:
    path = tmp_path / "ed.sh"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


def run(report: Path, keys: str) -> tuple[Session, str]:
    o = ReviewOptions(owner="reviewer@hotel.test")
    state, _, resumed = open_state(report, o)
    screen = io.StringIO()
    s = Session(state, report, o, TerminalUI(console=Console(file=screen, width=200, color_system=None), stdin=io.StringIO(keys)))
    s.run(resumed)
    return s, screen.getvalue()


@pytest.fixture()
def report(hotel_copy, tmp_path):
    git_init(hotel_copy)
    return write_report(hotel_copy, tmp_path / "reports", ["V12"])[0]  # DBUtil.java line 26, the hard-coded password


def test_the_editor_edits_the_cited_lines_and_the_fix_is_applied(report, tmp_path, monkeypatch):
    monkeypatch.setenv("EDITOR", editor(tmp_path, f"printf '%s\\n' '{PW_FIX}' > \"$1\""))
    monkeypatch.setenv("VISUAL", "")
    s, out = run(report, "e\na\nq\n")
    assert f"lines 26-26 of {DBUTIL} edited in ed.sh" in out and f"+{PW_FIX}" in out and "S1 fixed: commit" in out
    assert PW_FIX in (Path(s.state.worktree) / DBUTIL).read_text()


@pytest.mark.parametrize("body, said", [
    (":", "the cited lines were saved unchanged: nothing changed"),
    (": > \"$1\"", "the edited lines are empty: nothing changed"),
    ("exit 3", "the editor exited with status 3: nothing changed"),
])
def test_unchanged_empty_or_failed_edits_change_nothing(report, tmp_path, monkeypatch, body, said):
    monkeypatch.setenv("VISUAL", editor(tmp_path, body))  # $VISUAL wins over $EDITOR
    monkeypatch.setenv("EDITOR", "false")
    s, out = run(report, "e\nq\n")
    assert said in out and "Proposed fix" not in out and s.state.items["S1"].proposal is None


def test_an_editor_that_cannot_start_and_no_editor_at_all(report, tmp_path, monkeypatch):
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    _, out = run(report, "e\nq\n")
    assert "cannot start the editor" in out and "nothing changed" in out
    monkeypatch.delenv("EDITOR")
    _, out = run(report, "e\n\n\nq\n")  # the line prompts: the file (default), then an empty search text cancels
    assert NO_EDITOR in out and "Search text: the exact lines to replace" in out and "Cancelled: no search text" in out


def test_editor_command_and_the_anchor_that_makes_cited_lines_unique():
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor_command({"EDITOR": " "}) is None and editor_command({}) is None
    lines = ["class A {", "  void f() {", "  }", "  void g() {", "  }", "}"]
    search, replace = anchored(lines, 3, 3, "  } // end f")  # "  }" occurs twice: a line either side makes it unique
    assert (search, replace) == ("  void f() {\n  }\n  void g() {", "  void f() {\n  } // end f\n  void g() {")
    [change] = plan_changes({"A.java": "\n".join(lines)}, [Edit(file="A.java", search=search, replace=replace)])
    assert change.new.splitlines()[2] == "  } // end f" and change.new.splitlines()[4] == "  }"
