"""Applying and undoing fixes on a real git copy of the hotel sample, and the session's I/O layer
driven through piped stdin (no model: the fixes here are the reviewer's own, via [e]dit).

The report's findings are the sample's labelled EXPECTED.json vulnerabilities, built through the
public build_report."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from modernizer.cli import app
from modernizer.errors import ModernizerError
from modernizer.review import state as st
from modernizer.review.apply import ApplyError, GitApplier, WorktreeApplier, check_edits
from modernizer.review.edits import Edit
from modernizer.review.session import ReviewOptions, Session, open_state, proposal_from, refs_from, state_path
from modernizer.review.terminal import TerminalUI
from modernizer.findings.suppressions import FILENAME, load_suppressions
from support.review_fixtures import git, git_init, write_report

DBUTIL = "src/main/java/com/grandhotel/util/DBUtil.java"
PW_LINE = '    private static final String DB_PASSWORD = "Gr4ndH0tel!2008";'
PW_FIX = '    private static final String DB_PASSWORD = System.getenv("HOTEL_DB_PASSWORD");'
SUPPORT_LINE = '    private static final String SUPPORT_PASSWORD = "hotel123";'
AUTH = "src/main/java/com/grandhotel/security/Authenticator.java"


@pytest.fixture()
def hotel_git(hotel_copy):
    base = git_init(hotel_copy)
    return hotel_copy, base


def session_for(report: Path, keys: str, **opts) -> tuple[Session, io.StringIO, bool]:
    o = ReviewOptions(owner="reviewer@hotel.test", **opts)
    state, _, resumed = open_state(report, o)
    screen = io.StringIO()
    ui = TerminalUI(console=Console(file=screen, width=140, color_system=None), stdin=io.StringIO(keys))
    return Session(state, report, o, ui), screen, resumed


def ref_of(session: Session, file: str) -> st.FindingRef:
    return next(i.ref for i in session.state.items.values() if i.ref.file == file)


BRANCH = "modernize/review-test"


def ref_title(report, file: str) -> str:  # noqa: ANN001
    return next(f.title for f in report.findings if f.file == file)


def user_side(repo: Path) -> tuple[str, str, str, str]:
    """What the review must never change in the user's own checkout: HEAD, branch, index, files."""
    return (git(repo, "rev-parse", "HEAD"), git(repo, "symbolic-ref", "HEAD"), git(repo, "ls-files", "-s"),
            git(repo, "status", "--porcelain", "--untracked-files=all"))


def test_apply_commits_in_a_worktree_of_its_own_and_the_user_checkout_never_moves(hotel_git, tmp_path):
    repo, base = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12", "V13"])
    session, _, _ = session_for(report, "")
    before = user_side(repo)
    wt = tmp_path / "review-wt"
    applier = GitApplier(repo, wt, BRANCH, test_cmd=f"! grep -q Gr4ndH0tel {DBUTIL}")
    ref = ref_of(session, DBUTIL)
    proposal = proposal_from(check_edits(repo, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "read it from the environment")
    assert (proposal.edits[0].line_start, proposal.edits[0].line_end) == (26, 26)

    fix, base_ref, base_commit = applier.apply(ref, proposal)
    assert (base_ref, base_commit) == ("main", base)
    # the user's side: same HEAD, same branch, same index, same files
    assert user_side(repo) == before and PW_LINE in (repo / DBUTIL).read_text()
    # the fix: one commit on the review branch, checked out in the worktree (a real linked worktree)
    assert git(repo, "rev-list", "--count", f"main..{BRANCH}") == "1" and git(repo, "rev-parse", BRANCH) == fix.commit
    assert git(wt, "rev-parse", "--abbrev-ref", "HEAD") == BRANCH and git(wt, "status", "--porcelain") == ""
    assert f"worktree {wt}" in git(repo, "worktree", "list", "--porcelain")
    assert git(repo, "show", "--name-only", "--format=%s", BRANCH).splitlines() == [f"Fix {ref.id}: {ref.title}", "", DBUTIL]
    assert PW_FIX in (wt / DBUTIL).read_text()
    assert fix.recheck.status == "gone" and "lines 26-26" in fix.recheck.note  # re-checked in the worktree's file
    assert fix.tests.status == "passed" and fix.tests.exit_code == 0       # the test command ran there too
    assert "Gr4ndH0tel" not in git(repo, "log", "-1", "--format=%B", BRANCH)  # the commit message is redacted like the report

    # a second fix is a second commit on the same branch
    ref2 = ref_of(session, AUTH)
    p2 = proposal_from(check_edits(wt, [Edit(file=AUTH, search=SUPPORT_LINE, replace="")]), "user", "")
    fix2, _, _ = applier.apply(ref2, p2)
    assert git(repo, "rev-list", "--count", f"{base}..{BRANCH}") == "2"
    # undo of the last fix drops its commit and restores only its file
    applier.revert(fix2)
    assert SUPPORT_LINE in (wt / AUTH).read_text() and PW_FIX in (wt / DBUTIL).read_text()
    assert git(repo, "rev-list", "--count", f"{base}..{BRANCH}") == "1" and git(wt, "status", "--porcelain") == ""
    # an older fix is undone with git revert, later fixes stay
    fix2, _, _ = applier.apply(ref2, p2)
    applier.revert(fix)
    assert PW_LINE in (wt / DBUTIL).read_text() and SUPPORT_LINE not in (wt / AUTH).read_text()
    assert git(wt, "log", "-1", "--format=%s").startswith("Revert") and git(repo, "rev-list", "--count", f"{base}..{BRANCH}") == "3"
    assert git(wt, "status", "--porcelain") == "" and user_side(repo) == before
    applier.close()
    # a resumed session (a new applier) finds the same worktree again
    again = GitApplier(repo, wt, BRANCH)
    assert again.open().top == wt and not again.open().created and again.root == wt
    # undo only on the review branch
    git(wt, "checkout", "-q", "--detach")
    with pytest.raises(ApplyError, match="is on a detached HEAD, not on the review branch modernize/review-test"):
        again.revert(fix2)
    again.close()
    # the user's own git can end it
    git(repo, "worktree", "remove", "--force", str(wt))
    assert not wt.exists() and user_side(repo) == before


def test_no_hook_of_the_repository_runs_for_commits_in_the_worktree(hotel_git, tmp_path):
    repo, _ = hotel_git
    ran = tmp_path / "hook-ran"
    for hook in ("pre-commit", "commit-msg", "post-commit", "post-checkout", "reference-transaction"):
        h = repo / ".git" / "hooks" / hook
        h.write_text(f"#!/bin/sh\necho {hook} >> {ran}\n")
        h.chmod(0o755)
    git(repo, "config", "core.fsmonitor", f"echo fsmonitor >> {ran}; false")
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    session, _, _ = session_for(report, "")
    applier = GitApplier(repo, tmp_path / "wt", BRANCH)
    proposal = proposal_from(check_edits(repo, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "")
    fix, _, _ = applier.apply(ref_of(session, DBUTIL), proposal)
    applier.revert(fix)
    applier.close()
    assert fix.commit and not ran.exists()


def test_a_hostile_repository_runs_nothing_when_the_worktree_is_made_committed_to_and_reverted(tmp_path):
    """support/hostile.py plants a command in every place git runs one (hooks, hooksPath, fsmonitor,
    filter and diff drivers, gpg, included config, a submodule's config): the worktree's checkout,
    its commits and a `git revert` there fire none of them, and the user's tree does not change."""
    from support.hostile import FILES, fired, plant, tree_state
    from test_untrusted_git import restore, write_report_for

    markers = tmp_path / "markers"
    repo = plant(tmp_path / "vendor-drop", markers)
    restore(repo)
    files = lambda: {k: v for k, v in tree_state(repo).items() if k != ".git" and not k.startswith(".git/")}  # noqa: E731
    before = files()
    _, rep = write_report_for(repo, tmp_path / "review")
    ref = refs_from(rep)[0]
    proposal = proposal_from(check_edits(repo, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "env")
    wt = tmp_path / "wt"
    applier = GitApplier(repo, wt, BRANCH)
    fix, base_ref, _ = applier.apply(ref, proposal)
    assert base_ref == "main" and fix.commit and applier.current_branch() == BRANCH
    (wt / FILES[1]).write_text((wt / FILES[1]).read_text() + "\n// reviewed\n")  # a later commit, in the worktree
    applier.git.run("commit", "-q", "-a", "-m", "later", writes=True)
    applier.revert(fix)  # not the last commit: a git revert (a merge)
    assert PW_LINE in (wt / DBUTIL).read_text()
    assert applier.git.run("log", "--format=%s", "-3").decode().splitlines()[0].startswith("Revert")
    applier.close()
    assert fired(markers) == []
    assert files() == before  # the user's files: none changed, none added (the worktree is elsewhere)


def test_uncommitted_changes_of_the_user_are_left_alone_and_the_worktree_own_block_apply(hotel_git, tmp_path):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    session, _, _ = session_for(report, "")
    wt = tmp_path / "wt"
    applier = GitApplier(repo, wt, BRANCH)
    proposal = proposal_from(check_edits(repo, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "")
    mine = (repo / DBUTIL).read_text() + "// my work in progress\n"
    (repo / DBUTIL).write_text(mine)
    fix, _, _ = applier.apply(ref_of(session, DBUTIL), proposal)  # the fix does not need the user's change
    assert (repo / DBUTIL).read_text() == mine and git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert "my work in progress" not in (wt / DBUTIL).read_text()
    applier.revert(fix)
    (wt / DBUTIL).write_text((wt / DBUTIL).read_text() + "// edited in the worktree\n")
    with pytest.raises(ApplyError, match=f"{DBUTIL} has uncommitted changes in the review worktree .*; the fix must be a commit of its own"):
        applier.apply(ref_of(session, DBUTIL), proposal)
    applier.close()


def test_a_fix_made_against_uncommitted_lines_says_the_worktree_starts_from_the_last_commit(hotel_git, tmp_path):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    session, _, _ = session_for(report, "")
    (repo / DBUTIL).write_text((repo / DBUTIL).read_text().replace(PW_LINE, PW_LINE + "  // rotated soon"))
    proposal = proposal_from(check_edits(repo, [Edit(file=DBUTIL, search=PW_LINE + "  // rotated soon", replace=PW_FIX)]), "user", "")
    applier = GitApplier(repo, tmp_path / "wt", BRANCH)
    with pytest.raises(ApplyError, match="uncommitted changes in your work tree and the fix was made against them"):
        applier.apply(ref_of(session, DBUTIL), proposal)
    applier.close()


def test_a_worktree_folder_inside_the_repository_or_not_empty_is_refused(hotel_git, tmp_path):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    session, _, _ = session_for(report, "")
    proposal = proposal_from(check_edits(repo, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "")
    with pytest.raises(ModernizerError, match="cannot be inside the repository"):
        GitApplier(repo, repo / "wt", BRANCH).apply(ref_of(session, DBUTIL), proposal)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(ModernizerError, match="exists and is not this review's worktree"):
        GitApplier(repo, tmp_path / "busy", BRANCH).apply(ref_of(session, DBUTIL), proposal)
    assert git(repo, "branch", "--format=%(refname:short)") == "main" and (tmp_path / "busy" / "notes.txt").read_text() == "mine"


def test_files_changed_since_the_proposal_are_rejected(hotel_git, tmp_path):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    session, _, _ = session_for(report, "")
    proposal = proposal_from(check_edits(repo, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "")
    (repo / DBUTIL).write_text((repo / DBUTIL).read_text().replace(PW_LINE, PW_LINE.replace("Gr4ndH0tel!2008", "rotated")))
    git(repo, "commit", "-qam", "someone else")
    with pytest.raises(ApplyError, match="changed since the fix was proposed: edit 1 .*was not found"):
        GitApplier(repo, tmp_path / "wt", BRANCH).apply(ref_of(session, DBUTIL), proposal)


def test_no_git_writes_the_work_tree_and_undo_restores_the_backup(hotel_copy, tmp_path):
    report, _ = write_report(hotel_copy, tmp_path / "reports", ["V12"])
    session, _, _ = session_for(report, "", use_git=False)
    applier = WorktreeApplier(hotel_copy, "review-1", test_cmd="exit 3")
    original = (hotel_copy / DBUTIL).read_bytes()
    proposal = proposal_from(check_edits(hotel_copy, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "")
    fix = applier.apply(ref_of(session, DBUTIL), proposal)
    assert fix.commit is None and fix.backup == ".modernize/review/review-1/1"
    assert (hotel_copy / fix.backup / DBUTIL).read_bytes() == original
    assert fix.tests.status == "failed" and fix.tests.exit_code == 3
    applier.revert(fix)
    assert (hotel_copy / DBUTIL).read_bytes() == original and not (hotel_copy / fix.backup).exists()
    fix = applier.apply(ref_of(session, DBUTIL), proposal)
    (hotel_copy / DBUTIL).write_text("someone else's edit\n")
    with pytest.raises(ApplyError, match="changed since the fix was applied"):
        applier.revert(fix)


def test_edits_cannot_leave_the_repository(hotel_git, tmp_path):
    repo, _ = hotel_git
    with pytest.raises(Exception, match="(outside the repository|no such file)"):
        check_edits(repo, [Edit(file="../outside.txt", search="a", replace="b")])


KEYS = "\n".join([
    "e", "", "}", ".", "x", ".",                        # a fix whose anchor is not unique: rejected
    "e", "", PW_LINE.replace("2008", "2009"), ".", PW_FIX, ".",  # not what the file says: rejected
    "e", "", PW_LINE, ".", PW_FIX, ".",                  # the exact line: proposed
    "a",                                                 # applied: branch + commit
    "p", "support account is disabled in production",    # the next pending finding (wraps to S2): false positive
    "q",
]) + "\n"


def test_session_through_piped_stdin_apply_false_positive_quit_resume_undo(hotel_git, tmp_path):
    repo, base = hotel_git
    report, rep = write_report(repo, tmp_path / "reports", ["V12", "V13"])
    before = user_side(repo)
    # V12 (DBUtil) sorts after V13 (Authenticator) in the report: [n]ext to it first
    session, screen, resumed = session_for(report, "n\n" + KEYS, test_cmd=f"! grep -q Gr4ndH0tel {DBUTIL}")
    assert not resumed and [session.state.items[i].ref.file for i in session.state.order] == [AUTH, DBUTIL]
    session.run(resumed)
    out = screen.getvalue()
    assert re.search(r"your fix was rejected: edit 1 \(src/main/java/com/grandhotel/util/DBUtil.java\): the search text occurs \d+ times "
                     r"\(lines 31, 33, 34, [\d, …]+\); it must occur exactly once", out)
    assert "the search text was not found in the file" in out
    assert "Proposed fix for S1 (by you)" in out and f"+{PW_FIX}" in out and "edit 1: src/main/java/com/grandhotel/util/DBUtil.java line 26" in out
    branch, wt = session.state.branch, Path(session.state.worktree)
    assert f"S1 fixed: commit {git(repo, 'rev-parse', branch + '~1')[:10]} on branch {branch}" in out
    assert f"checked out in its own worktree {wt}: your work tree, index and HEAD are not changed" in out
    assert f"`git worktree remove {wt}`" in out  # the summary says how to end it
    # HEAD, branch, index and files as they were, the false positive included: its suppressions
    # entry is a commit on the review branch, next to the fix
    assert user_side(repo) == before and PW_FIX in (wt / DBUTIL).read_text() and PW_LINE in (repo / DBUTIL).read_text()
    assert not (repo / FILENAME).exists() and git(repo, "show", "--name-only", "--format=%s", branch).splitlines()[::2] == [
        "Mark S2 as a false positive: " + ref_title(rep, AUTH), FILENAME]
    assert "re-check: the flagged code (was lines 26-26) is no longer in" in out and "PASSED (exit 0)" in out
    assert "marked as a false positive" in out and f"resume with `modernize review {report}`" in out
    assert git(repo, "rev-list", "--count", f"{base}..{branch}") == "2"  # the fix, then the false positive
    fps = load_suppressions(wt)
    auth = next(f for f in rep.findings if f.file == AUTH)
    assert [(s.fingerprint, s.reason, s.owner) for s in fps] == [(auth.fingerprint, "support account is disabled in production", "reviewer@hotel.test")]
    saved = state_path(report).read_text()
    assert "Gr4ndH0tel!2008" not in saved and PW_LINE.strip() not in saved and SUPPORT_LINE.strip() not in saved  # no code kept

    # resume: the state is back; undo the false positive, then the fix
    session, screen, resumed = session_for(report, "u\nu\nq\n")
    assert resumed
    session.run(resumed)
    out = screen.getvalue()
    assert "Resuming the review: 1 fixed, 1 false positive, 0 skipped, 0 pending" in out
    assert "the false positive of S2 is reverted" in out and "the fix of S1 is reverted" in out
    assert PW_LINE in (wt / DBUTIL).read_text()  # undone where it was made
    assert not (wt / FILENAME).exists() and not (repo / FILENAME).exists()  # undone completely: no header-only file left
    assert git(repo, "rev-list", "--count", f"{base}..{branch}") == "0" and user_side(repo) == before
    assert git(wt, "status", "--porcelain", "--untracked-files=all") == ""
    assert json.loads(state_path(report).read_text())["history"] == []


def test_resume_refuses_a_changed_report_and_restart_starts_over(hotel_git, tmp_path):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    session, _, _ = session_for(report, "s\nq\n")
    session.run(False)
    report.write_text(report.read_text().replace('"legacy-hotel"', '"legacy-hotel" '))
    from modernizer.errors import InputError
    with pytest.raises(InputError, match="changed since this review session started"):
        session_for(report, "")
    session, _, resumed = session_for(report, "", restart=True)
    assert not resumed and session.state.counts()["skipped"] == 0


def test_review_refuses_a_remote_endpoint_and_bad_options(hotel_git, tmp_path):
    report, _ = write_report(hotel_git[0], tmp_path / "reports", ["V12"])
    res = CliRunner().invoke(app, ["review", str(report), "--endpoint", "http://10.1.2.3:8000/v1"])
    assert res.exit_code == 2 and "not this machine" in res.output
    res = CliRunner().invoke(app, ["review", str(report), "--dry-run"])
    assert res.exit_code == 2 and "--dry-run goes with --apply" in res.output
    res = CliRunner().invoke(app, ["review", str(report), "--severity", "urgent"])
    assert res.exit_code == 2 and "unknown severity" in res.output


class ReviewerEdits:
    """Stands in for the fixer in the batch plumbing test only: it returns the reviewer's own edit
    for DBUtil (the same path [e]dit takes) and rejects the rest, as the exactly-once rule would."""

    def __init__(self, root):
        self.root = root

    def propose(self, ref, attempt, root=None):
        if ref.file != DBUTIL:
            from modernizer.review.edits import EditRejected
            raise EditRejected("edit 1 (x): the search text was not found in the file")
        return proposal_from(check_edits(root or self.root, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "")


def test_batch_apply_commits_each_fix_and_saves_the_session(hotel_git, tmp_path):
    repo, base = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12", "V13", "V34"])
    o = ReviewOptions(owner="ci", severity="critical")
    state, _, _ = open_state(report, o)
    screen = io.StringIO()
    ui = TerminalUI(console=Console(file=screen, width=140, color_system=None), compact=True)
    session = Session(state, report, o, ui, fixer=ReviewerEdits(repo))
    counts = session.run_batch(apply=True)
    assert counts == {"proposed": 1, "rejected": 1, "applied": 1, "failed": 0}
    assert git(repo, "rev-list", "--count", f"{base}..{state.branch}") == "1" and PW_FIX in (Path(state.worktree) / DBUTIL).read_text()
    assert git(repo, "rev-parse", "HEAD") == base and PW_LINE in (repo / DBUTIL).read_text()
    out = screen.getvalue()
    assert "error.jsp" not in out and "the search text was not found" in out and "S1 fixed: commit" in out
    saved = json.loads(state_path(report).read_text())
    assert [i["status"] for i in saved["items"].values()].count("fixed") == 1
