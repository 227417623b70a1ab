"""Where a false positive goes (issue 22, item 4): never into the reviewer's checkout. In git mode
it is a commit of modernize-suppressions.toml on the review branch, in the review's own worktree;
with --no-git (the reviewer asked for the work tree to be written) it is the file there, and undo
removes the file when the session created it. Real git copies of the hotel sample, the session
driven through piped stdin as a script would; no model."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from modernizer.review.session import ReviewOptions, Session, open_state
from modernizer.review.terminal import TerminalUI
from modernizer.findings.suppressions import FILENAME, Suppression, add_suppression, load_suppressions
from support.review_fixtures import git, git_init, write_report

REASON = "the page is only mapped in the dev profile"


def user_side(repo: Path) -> tuple[str, ...]:
    """HEAD, branch, index, status and every file's bytes: what the review never changes."""
    files = tuple(sorted((p.relative_to(repo).as_posix(), p.read_bytes()) for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts))
    return (git(repo, "rev-parse", "HEAD"), git(repo, "symbolic-ref", "HEAD"), git(repo, "ls-files", "-s"),
            git(repo, "status", "--porcelain", "--untracked-files=all", "--ignored"), str(hash(files)))


def session(report: Path, keys: str, **opts) -> tuple[Session, str]:
    o = ReviewOptions(owner="reviewer@hotel.test", **opts)
    state, _, resumed = open_state(report, o)
    screen = io.StringIO()
    s = Session(state, report, o, TerminalUI(console=Console(file=screen, width=150, color_system=None), stdin=io.StringIO(keys)))
    s.run(resumed)
    return s, screen.getvalue()


def test_a_false_positive_first_makes_the_branch_and_leaves_the_checkout_byte_identical(hotel_copy, tmp_path):
    base = git_init(hotel_copy)
    report, _ = write_report(hotel_copy, tmp_path / "reports", ["V34"])
    before = user_side(hotel_copy)
    s, out = session(report, f"p\n{REASON}\nq\n")
    branch, wt = s.state.branch, Path(s.state.worktree)
    assert "checked out in its own worktree" in out and "your work tree, index and HEAD are not changed" in out
    assert f"added to modernize-suppressions.toml in commit {git(hotel_copy, 'rev-parse', branch)[:10]} on branch {branch}" in out
    assert f"False positives are in modernize-suppressions.toml on branch {branch}" in out
    assert f"The false positives are on branch {branch} (1 commit on main)" in out
    assert user_side(hotel_copy) == before and not (hotel_copy / FILENAME).exists()
    [sup] = load_suppressions(wt)
    assert sup.reason == REASON and git(hotel_copy, "show", "--name-only", "--format=", branch) == FILENAME
    # resumed and undone: the commit is gone, and so is the file (no header-only file left anywhere)
    s, out = session(report, "u\nq\n")
    assert "the false positive of S1 is reverted" in out and "Nothing to merge" in out
    assert not (wt / FILENAME).exists() and git(wt, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(hotel_copy, "rev-list", "--count", f"{base}..{branch}") == "0" and user_side(hotel_copy) == before


def test_an_existing_suppressions_file_gets_the_entry_on_the_branch_and_undo_restores_it(hotel_copy, tmp_path):
    add_suppression(hotel_copy, Suppression(fingerprint="0123456789abcdef", reason="accepted risk", owner="ops@hotel.test"))
    git_init(hotel_copy)
    committed = (hotel_copy / FILENAME).read_bytes()
    report, _ = write_report(hotel_copy, tmp_path / "reports", ["V34"])
    before = user_side(hotel_copy)
    s, _ = session(report, f"p\n{REASON}\nq\n")
    wt = Path(s.state.worktree)
    assert [x.reason for x in load_suppressions(wt)] == ["accepted risk", REASON] and user_side(hotel_copy) == before
    session(report, "u\nq\n")
    assert (wt / FILENAME).read_bytes() == committed and git(wt, "status", "--porcelain") == "" and user_side(hotel_copy) == before


@pytest.mark.parametrize("existing", [False, True])
def test_no_git_writes_the_work_tree_and_undo_leaves_it_as_it_was(hotel_copy, tmp_path, existing):
    if existing:
        add_suppression(hotel_copy, Suppression(fingerprint="0123456789abcdef", reason="accepted risk", owner="ops@hotel.test"))
    was = (hotel_copy / FILENAME).read_bytes() if existing else None
    report, _ = write_report(hotel_copy, tmp_path / "reports", ["V34"])
    s, out = session(report, f"p\n{REASON}\nq\n", use_git=False)
    assert REASON in (hotel_copy / FILENAME).read_text() and "commit it with the code" in out
    session(report, "u\nq\n", use_git=False)
    assert ((hotel_copy / FILENAME).read_bytes() if (hotel_copy / FILENAME).exists() else None) == was
