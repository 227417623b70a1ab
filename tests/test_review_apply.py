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
from modernizer.review import state as st
from modernizer.review.apply import ApplyError, GitApplier, WorktreeApplier, check_edits
from modernizer.review.edits import Edit
from modernizer.review.session import ReviewOptions, Session, open_state, proposal_from, state_path
from modernizer.review.terminal import TerminalUI
from modernizer.suppressions import load_suppressions
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


def test_apply_on_a_branch_one_commit_per_fix_then_undo(hotel_git, tmp_path):
    repo, base = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12", "V13"])
    session, _, _ = session_for(report, "")
    applier = GitApplier(repo, test_cmd=f"! grep -q Gr4ndH0tel {DBUTIL}")
    ref = ref_of(session, DBUTIL)
    proposal = proposal_from(check_edits(repo, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "read it from the environment")
    assert (proposal.edits[0].line_start, proposal.edits[0].line_end) == (26, 26)

    fix, base_ref, base_commit = applier.apply(ref, proposal, "modernize/review-test")
    assert (base_ref, base_commit) == ("main", base)
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "modernize/review-test"
    assert git(repo, "rev-list", "--count", f"{base}..HEAD") == "1" and git(repo, "rev-parse", "HEAD") == fix.commit
    assert git(repo, "show", "--name-only", "--format=%s", "HEAD").splitlines() == [f"Fix {ref.id}: {ref.title}", "", DBUTIL]
    assert git(repo, "status", "--porcelain") == ""  # the commit holds the whole fix
    assert PW_FIX in (repo / DBUTIL).read_text()
    assert fix.recheck.status == "gone" and "lines 26-26" in fix.recheck.note
    assert fix.tests.status == "passed" and fix.tests.exit_code == 0
    assert "Gr4ndH0tel" not in git(repo, "log", "-1", "--format=%B")  # the commit message is redacted like the report

    # a second fix is a second commit on the same branch
    ref2 = ref_of(session, AUTH)
    p2 = proposal_from(check_edits(repo, [Edit(file=AUTH, search=SUPPORT_LINE, replace="")]), "user", "")
    fix2, created, _ = applier.apply(ref2, p2, "modernize/review-test")
    assert created is None and git(repo, "rev-list", "--count", f"{base}..HEAD") == "2"
    # undo of the last fix drops its commit and restores only its file
    applier.revert(fix2, "modernize/review-test")
    assert SUPPORT_LINE in (repo / AUTH).read_text() and PW_FIX in (repo / DBUTIL).read_text()
    assert git(repo, "rev-list", "--count", f"{base}..HEAD") == "1" and git(repo, "status", "--porcelain") == ""
    # an older fix is undone with git revert, later fixes stay
    fix2, _, _ = applier.apply(ref2, p2, "modernize/review-test")
    applier.revert(fix, "modernize/review-test")
    assert PW_LINE in (repo / DBUTIL).read_text() and SUPPORT_LINE not in (repo / AUTH).read_text()
    assert git(repo, "log", "-1", "--format=%s").startswith("Revert") and git(repo, "rev-list", "--count", f"{base}..HEAD") == "3"
    assert git(repo, "status", "--porcelain") == ""
    # undo only on the review branch
    git(repo, "checkout", "-q", "main")
    with pytest.raises(ApplyError, match="not on the review branch modernize/review-test"):
        applier.revert(fix2, "modernize/review-test")


def test_uncommitted_changes_block_apply_and_undo_with_a_clear_message(hotel_git, tmp_path):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    session, _, _ = session_for(report, "")
    applier = GitApplier(repo)
    proposal = proposal_from(check_edits(repo, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "")
    (repo / DBUTIL).write_text((repo / DBUTIL).read_text() + "// my work in progress\n")
    with pytest.raises(ApplyError, match=f"{DBUTIL} has uncommitted changes; the fix must be a commit of its own"):
        applier.apply(ref_of(session, DBUTIL), proposal, "modernize/review-x")
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"  # nothing happened


def test_files_changed_since_the_proposal_are_rejected(hotel_git, tmp_path):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    session, _, _ = session_for(report, "")
    proposal = proposal_from(check_edits(repo, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "")
    (repo / DBUTIL).write_text((repo / DBUTIL).read_text().replace(PW_LINE, PW_LINE.replace("Gr4ndH0tel!2008", "rotated")))
    git(repo, "commit", "-qam", "someone else")
    with pytest.raises(ApplyError, match="changed since the fix was proposed: edit 1 .*was not found"):
        GitApplier(repo).apply(ref_of(session, DBUTIL), proposal, "modernize/review-x")


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
    # V12 (DBUtil) sorts after V13 (Authenticator) in the report: [n]ext to it first
    session, screen, resumed = session_for(report, "n\n" + KEYS, test_cmd=f"! grep -q Gr4ndH0tel {DBUTIL}")
    assert not resumed and [session.state.items[i].ref.file for i in session.state.order] == [AUTH, DBUTIL]
    session.run(resumed)
    out = screen.getvalue()
    assert re.search(r"your fix was rejected: edit 1 \(src/main/java/com/grandhotel/util/DBUtil.java\): the search text occurs \d+ times "
                     r"\(lines 31, 33, 34, [\d, …]+\); it must occur exactly once", out)
    assert "the search text was not found in the file" in out
    assert "Proposed fix for S1 (by you)" in out and f"+{PW_FIX}" in out and "edit 1: src/main/java/com/grandhotel/util/DBUtil.java line 26" in out
    branch = session.state.branch
    assert f"S1 fixed: commit {git(repo, 'rev-parse', 'HEAD')[:10]} on branch {branch}" in out
    assert "re-check: the flagged code (was lines 26-26) is no longer in" in out and "PASSED (exit 0)" in out
    assert "marked as a false positive" in out and f"resume with `modernize review {report}`" in out
    assert git(repo, "rev-list", "--count", f"{base}..{branch}") == "1"
    fps = load_suppressions(repo)
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
    assert load_suppressions(repo) == [] and PW_LINE in (repo / DBUTIL).read_text()
    assert git(repo, "rev-list", "--count", f"{base}..{branch}") == "0"
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

    def propose(self, ref, attempt):
        if ref.file != DBUTIL:
            from modernizer.review.edits import EditRejected
            raise EditRejected("edit 1 (x): the search text was not found in the file")
        return proposal_from(check_edits(self.root, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "")


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
    assert git(repo, "rev-list", "--count", f"{base}..HEAD") == "1" and PW_FIX in (repo / DBUTIL).read_text()
    out = screen.getvalue()
    assert "error.jsp" not in out and "the search text was not found" in out and "S1 fixed: commit" in out
    saved = json.loads(state_path(report).read_text())
    assert [i["status"] for i in saved["items"].values()].count("fixed") == 1
