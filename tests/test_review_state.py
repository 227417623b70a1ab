"""The review session's pure state machine: events in, (state, effects) out, nothing touched."""

from __future__ import annotations

from datetime import date

import pytest

from modernizer.review import state as st
from modernizer.review.state import AppliedFix, FindingRef, Proposal, ProposedEdit, Recheck, step
from modernizer.review.resume import drop_rejected
from modernizer.findings.suppressions import Suppression


def ref(fid: str, severity: str, fp: str | None = None) -> FindingRef:
    return FindingRef(id=fid, severity=severity, title=f"title {fid}", category="sql-injection", cwe="CWE-89", file=f"src/{fid}.java",
                      line_start=3, line_end=4, snippet="x", reason="because", grounding="verified", fingerprint=fp or f"fp{fid}000000")


def make(**kw) -> st.ReviewState:
    findings = [ref("L1", "low"), ref("C1", "critical"), ref("H1", "high"), ref("C2", "critical")]
    args = dict(report="/r/x.json", report_sha256="abc", repo_root="/repo", findings=findings, mode="git", severity=None,
                owner="ana", started_at="2025-01-02T03:04:05+00:00")
    args.update(kw)
    return st.new_state(**args)


def run(state, *events):
    effects = []
    for e in events:
        before = state.model_dump_json()
        new, out = step(state, e)
        assert state.model_dump_json() == before  # pure: the old state is never changed
        state, effects = new, effects + out
    return state, effects


def kinds(effects):
    return [type(e).__name__ for e in effects]


PROPOSAL = Proposal(source="model", explanation="use a parameter", diff="--- a\n+++ b\n",
                    edits=[ProposedEdit(file="src/C1.java", search="a", replace="b", line_start=3, line_end=3)])
FIX = AppliedFix(files=["src/C1.java"], commit="c0ffee" * 7, written={"src/C1.java": "ab"}, recheck=Recheck(status="gone", note="gone"))


def test_new_state_orders_by_severity_filters_and_leaves_out_suppressed():
    s = make()
    assert s.order == ["C1", "C2", "H1", "L1"] and s.branch == "modernize/review-20250102-030405"
    assert make(severity="high").order == ["C1", "C2", "H1"]
    assert make(severity="critical", suppressed={"fpC2000000"}).order == ["C1"]
    assert make(severity="critical", suppressed={"fpC2000000"}).skipped_suppressed == ["C2"]
    assert make(mode="worktree").branch is None


def test_begin_shows_the_first_finding_and_a_resume_summary():
    s, eff = run(make(), st.Begin())
    assert eff == [st.Show("C1")]
    s, eff = run(s, st.Skip(), st.Begin(resumed=True))
    assert isinstance(eff[-2], st.Say) and "1 skipped, 3 pending" in eff[-2].text and eff[-1] == st.Show("C2")


def test_fix_request_proposal_apply_and_outcome():
    s, eff = run(make(), st.AskFix())
    assert eff[-1] == st.RequestFix("C1", 1)
    s, eff = run(s, st.AskFix())
    assert eff[-1] == st.RequestFix("C1", 2)  # asking again samples another answer
    s, eff = run(s, st.FixRejected("C1", "edit 1 (a): the search text was not found"))
    assert eff[0] == st.Say("edit 1 (a): the search text was not found", "error") and s.items["C1"].note
    s, eff = run(s, st.Apply())
    assert kinds(eff) == ["Say"] and "No fix proposed" in eff[0].text
    s, eff = run(s, st.FixProposed("C1", PROPOSAL))
    assert eff == [st.ShowProposal("C1"), st.SaveState()] and s.items["C1"].proposal == PROPOSAL and not s.items["C1"].note
    s, eff = run(s, st.Apply())
    assert eff[-1] == st.ApplyFix("C1", PROPOSAL, "modernize/review-20250102-030405")
    s, eff = run(s, st.FixApplied("C1", FIX, base_ref="main", base_commit="b" * 40))
    assert s.items["C1"].status == "fixed" and s.items["C1"].proposal is None and s.items["C1"].fix == FIX
    assert (s.base_ref, s.base_commit) == ("main", "b" * 40)
    assert s.history[-1] == st.UndoRecord(kind="fix", finding_id="C1", cursor=0)
    assert s.cursor == 1 and eff[-1] == st.Show("C2") and st.SaveState() in eff
    assert any(isinstance(e, st.Say) and "commit c0ffeec0ff on branch modernize/review-" in e.text for e in eff)


def test_apply_failure_keeps_the_proposal_and_reports():
    s, _ = run(make(), st.FixProposed("C1", PROPOSAL))
    s, eff = run(s, st.ApplyFailed("C1", "src/C1.java has uncommitted changes"))
    assert s.items["C1"].status == "pending" and s.items["C1"].proposal == PROPOSAL
    assert eff[0] == st.Say("not applied: src/C1.java has uncommitted changes", "error")


def test_tests_and_recheck_are_reported_per_fix():
    fix = FIX.model_copy(update={"recheck": Recheck(status="still-present", note="still there"),
                                 "tests": st.TestRun(command="make test", status="failed", exit_code=2, wall_s=1.5, tail="FAIL x")})
    s, _ = run(make(), st.FixProposed("C1", PROPOSAL))
    _, eff = run(s, st.FixApplied("C1", fix))
    says = [(e.text, e.level) for e in eff if isinstance(e, st.Say)]
    assert ("re-check: still there", "warn") in says
    assert ("tests (make test): FAILED (exit 2) in 1.5s", "error") in says and ("FAIL x", "info") in says


def test_false_positive_needs_a_reason_then_writes_a_suppression():
    s, eff = run(make(), st.MarkFalsePositive(reason="  ", owner="ana", today=date(2025, 1, 2)))
    assert kinds(eff) == ["Say"] and "needs a reason" in eff[0].text
    s, eff = run(s, st.MarkFalsePositive(reason="test fixture", owner="ana", today=date(2025, 1, 2)))
    assert eff == [st.AddSuppression("C1", Suppression(fingerprint="fpC1000000", reason="test fixture", owner="ana",
                                                      created=date(2025, 1, 2), title="title C1", file="src/C1.java"))]
    assert s.items["C1"].status == "pending"  # only once the file is written
    s, eff = run(s, st.SuppressionAdded("C1", previous=None))
    assert s.items["C1"].status == "false-positive" and s.cursor == 1 and eff[-1] == st.Show("C2")
    assert "fpC1000000" in eff[0].text
    _, eff = run(s, st.Back(), st.MarkFalsePositive(reason="again", owner="ana", today=date(2025, 1, 2)))
    assert "already marked" in eff[-1].text


def test_undo_walks_back_fix_false_positive_and_skip_in_order():
    prev = Suppression(fingerprint="fpC2000000", reason="old", owner="bo")
    s, _ = run(make(), st.FixProposed("C1", PROPOSAL), st.FixApplied("C1", FIX),
               st.MarkFalsePositive(reason="fixture", owner="ana", today=date(2025, 1, 2)), st.SuppressionAdded("C2", prev),
               st.Skip())
    assert [h.kind for h in s.history] == ["fix", "false-positive", "skip"] and s.cursor == 3
    s, eff = run(s, st.Undo())  # a skip is undone without I/O
    assert s.items["H1"].status == "pending" and s.cursor == 2 and eff[-1] == st.Show("H1")
    s, eff = run(s, st.Undo())
    assert eff == [st.RemoveSuppression("C2", "fpC2000000", prev)]
    s, eff = run(s, st.Reverted("C2"))
    assert s.items["C2"].status == "pending" and s.cursor == 1 and "false positive of C2" in eff[0].text
    s, eff = run(s, st.Undo())
    assert eff[-1] == st.RevertFix("C1", FIX, "modernize/review-20250102-030405")
    s, eff = run(s, st.RevertFailed("C1", "dirty"))
    assert s.items["C1"].status == "fixed" and len(s.history) == 1 and "undo failed: dirty" in eff[0].text
    s, eff = run(s, st.Undo(), st.Reverted("C1"))
    assert s.items["C1"].status == "pending" and s.items["C1"].fix is None and s.history == [] and s.cursor == 0
    _, eff = run(s, st.Undo())
    assert eff == [st.Say("Nothing to undo", "warn")]


def test_actions_on_a_handled_finding_are_refused():
    s, _ = run(make(), st.FixProposed("C1", PROPOSAL), st.FixApplied("C1", FIX), st.Back())
    for ev in (st.AskFix(), st.Apply(), st.Skip(), st.EditEntered(edits=(("f", "a", "b"),)),
               st.MarkFalsePositive(reason="r", owner="o", today=date(2025, 1, 1))):
        _, eff = run(s, ev)
        assert kinds(eff) == ["Say"] and eff[0].level == "warn", ev


def test_navigation_wraps_to_pending_and_ends_on_the_done_screen():
    s, _ = run(make(severity="critical"), st.Next())
    assert s.cursor == 1
    s, eff = run(s, st.Next())
    assert s.current is None and eff[-1] == st.Show(None)
    _, eff = run(s, st.AskFix())
    assert "past the end" in eff[0].text
    s, _ = run(s, st.Back(), st.Skip())  # C2 skipped: the next pending one is C1, wrapping around
    assert s.cursor == 0
    s, eff = run(s, st.Skip())
    assert s.current is None and eff[-1] == st.Show(None)
    s, eff = run(s, st.Goto("C2"))
    assert s.cursor == 1 and eff == [st.Show("C2")]


def test_user_edits_are_checked_by_the_io_layer():
    _, eff = run(make(), st.EditEntered(edits=(("src/C1.java", "old", "new"),), explanation="mine"))
    assert eff == [st.CheckEdits("C1", (("src/C1.java", "old", "new"),), "mine")]


def test_quit_saves_and_exits():
    _, eff = run(make(), st.Quit())
    assert eff == [st.SaveState(), st.Exit()]


def test_saved_state_keeps_no_code_and_a_read_back_proposal_must_be_made_again():
    secret = Proposal(source="user", explanation="read it from the environment", diff='-String pw = "Gr4ndH0tel!2008";\n+String pw = env;\n',
                      edits=[ProposedEdit(file="a", search='String pw = "Gr4ndH0tel!2008";', replace="String pw = env;", line_start=7, line_end=7)])
    fix = FIX.model_copy(update={"tests": st.TestRun(command="make test", status="failed", exit_code=1, tail="token=abc123secret")})
    s, _ = run(make(), st.FixProposed("C2", PROPOSAL), st.FixApplied("C2", fix), st.FixProposed("C1", secret),
               st.FixRejected("H1", "edit 1 (a): not found (it begins 'pw = \"hunter2hunter2\"')"))
    text = s.for_disk().model_dump_json()
    for leaked in ("Gr4ndH0tel!2008", "hunter2hunter2", "abc123secret", "String pw"):
        assert leaked not in text
    resumed = st.ReviewState.model_validate_json(text)
    p = resumed.items["C1"].proposal
    assert p.masked and p.explanation == "read it from the environment" and (p.edits[0].file, p.edits[0].line_start) == ("a", 7)
    assert resumed.items["C2"].fix.tests.status == "failed"
    _, eff = run(resumed, st.Goto("C1"), st.Apply())
    assert "must be made again" in eff[-1].text and not any(isinstance(e, st.ApplyFix) for e in eff)
    assert not s.items["C1"].proposal.masked  # in memory the proposal is whole


@pytest.mark.parametrize("started,branch", [("2025-01-02T03:04:05+00:00", "modernize/review-20250102-030405")])
def test_branch_name(started, branch):
    assert st.branch_name(started) == branch


def test_the_key_bar_offers_apply_only_once_a_whole_fix_is_proposed():
    s = make()
    assert "apply" not in st.actions(s.current) and {"fix", "edit", "skip", "false-positive"} <= set(st.actions(s.current))
    s, _ = run(s, st.FixProposed("C1", PROPOSAL))
    assert st.actions(s.current)[0] == "apply"
    masked = s.for_disk()  # read back from disk: the proposal must be made again, so no [a]pply
    assert "apply" not in st.actions(masked.current)
    s, _ = run(s, st.FixApplied("C1", FIX), st.Back())
    assert not {"apply", "fix", "edit", "skip", "false-positive"} & set(st.actions(s.current)) and "undo" in st.actions(s.current)
    assert st.actions(None) == ["back", "undo", "quit"]


def test_undo_is_an_action_only_when_there_is_something_to_undo():
    s = make()
    assert "undo" not in st.actions(s.current, bool(s.history)) and st.actions(None, False) == ["back", "quit"]
    s, _ = run(s, st.Skip())
    assert s.history and "undo" in st.actions(s.current, bool(s.history))


def rejected(fid: str, severity: str) -> FindingRef:
    return ref(fid, severity).model_copy(update={"grounding": "rejected", "file": "src/NoSuch.java"})


def test_rejected_findings_are_left_out_of_the_walk():
    s = make(findings=[ref("C1", "critical"), rejected("C9", "critical"), ref("H1", "high"), rejected("L9", "low")])
    assert s.order == ["C1", "H1"] and s.skipped_rejected == ["C9", "L9"] and s.counts()["pending"] == 2
    assert make(findings=[rejected("C9", "critical"), rejected("L9", "low")], severity="high").skipped_rejected == ["C9"]
    # suppressed and rejected: counted once, as suppressed
    both = make(findings=[rejected("C9", "critical")], suppressed={"fpC9000000"})
    assert both.skipped_suppressed == ["C9"] and both.skipped_rejected == [] and both.order == []


def test_a_saved_session_s_untouched_rejected_findings_are_dropped_on_resume():
    s = make(findings=[ref("C1", "critical"), ref("C2", "critical"), ref("H1", "high"), ref("L1", "low")])
    items = dict(s.items)
    for fid in ("C2", "L1"):  # as an older session saved them: rejected findings in the walk
        items[fid] = items[fid].model_copy(update={"ref": rejected(fid, items[fid].ref.severity)})
    s = s.model_copy(update={"items": items})
    s, _ = run(s, st.Skip())  # C1 skipped: the cursor on C2
    assert s.current.ref.id == "C2"
    d = drop_rejected(s)
    assert d.order == ["C1", "H1"] and d.skipped_rejected == ["C2", "L1"] and d.current.ref.id == "H1"
    assert d.history[0].cursor == 0 and run(d, st.Undo())[0].current.ref.id == "C1"
    assert drop_rejected(d) is d  # nothing more to drop
    # one acted on stays (its fix or false positive can still be undone)
    fixed, _ = run(s, st.FixApplied("C2", FIX))
    assert drop_rejected(fixed).order == ["C1", "C2", "H1"]


def test_details_and_code_are_views_of_the_current_finding():
    s = make()
    assert run(s, st.Details())[1] == [st.Show("C1", "details")]
    assert run(s, st.ShowCode())[1] == [st.Show("C1", "code")]
    assert run(s, st.Back())[1][-1] == st.Show("C1")  # navigation: the I/O layer shows code only the first time


def test_a_false_positive_entry_gets_the_title_redacted():
    s = make()
    items = dict(s.items)
    items["C1"] = items["C1"].model_copy(update={"ref": items["C1"].ref.model_copy(update={"title": "login with password=hunter2hunter2"})})
    s = s.model_copy(update={"items": items})
    _, eff = run(s, st.MarkFalsePositive(reason="fixture", owner="ana", today=date(2025, 1, 2)))
    assert "hunter2hunter2" not in eff[0].suppression.title and "password=" in eff[0].suppression.title


def test_a_false_positive_on_the_review_branch_fixes_its_base_and_undo_names_its_commit():
    s, eff = run(make(worktree="/data/review/x/review-20250102-030405"), st.MarkFalsePositive(reason="fixture", owner="ana", today=date(2025, 1, 2)))
    s, eff = run(s, st.SuppressionAdded("C1", None, commit="c0ffee" * 6 + "abcd", created=True, base_ref="main", base_commit="b" * 40))
    assert (s.base_ref, s.base_commit) == ("main", "b" * 40) and s.items["C1"].status == "false-positive"
    says = [e.text for e in eff if isinstance(e, st.Say)]
    assert "your work tree, index and HEAD are not changed" in says[0] and f"in commit c0ffeec0ff on branch {s.branch}" in says[1]
    s, eff = run(s, st.Undo())
    assert eff == [st.RemoveSuppression("C1", "fpC1000000", None, "c0ffee" * 6 + "abcd", True)]
