"""The review session as a pure state machine: ``step(state, event) -> (state, effects)``.

Everything the session remembers is a ``ReviewState`` (saved next to the report after every
change, so a session can be quit and resumed). Everything it *does* is an effect, plain data that
the I/O layer (``modernizer.review.session``) carries out: ask the model for a fix, apply it, revert
it, write a suppression, save, show. The outcome of an effect comes back as another event
(``FixProposed``, ``FixApplied``, ``Reverted``...). Nothing here reads a file, a clock or a key.

    key/CLI ──> Event ──> step ──> (ReviewState, [Effect]) ──> I/O ──> result Event ──> step ...
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from modernizer.findings.redact import redact
from modernizer.findings.schemas import SEVERITIES
from modernizer.findings.suppressions import Suppression

STATE_VERSION = 1
Status = Literal["pending", "fixed", "skipped", "false-positive"]


# -- what the state holds ------------------------------------------------------------------------

class FindingRef(BaseModel):
    """A finding as the report has it (already redacted there): what the session needs to show it."""

    id: str
    severity: str
    title: str
    category: str
    cwe: str = ""
    file: str
    line_start: int
    line_end: int
    snippet: str
    reason: str
    grounding: str
    fingerprint: str


class ProposedEdit(BaseModel):
    file: str
    search: str
    replace: str
    line_start: int = Field(description="computed from the file when the edit was checked, not given by the model")
    line_end: int


class Proposal(BaseModel):
    source: Literal["model", "user"]
    explanation: str = ""
    edits: list[ProposedEdit]
    diff: str
    masked: bool = Field(default=False, description="read back from the saved session without its code: make it again to apply")


class TestRun(BaseModel):
    command: str
    status: Literal["passed", "failed", "timeout", "error"]
    exit_code: int | None = None
    wall_s: float = 0.0
    tail: str = Field(default="", description="the last lines of its output")


class Recheck(BaseModel):
    """The grounding check run again on the changed file: is the flagged code still there?"""

    status: Literal["gone", "still-present", "not-checked"]
    note: str = ""


class AppliedFix(BaseModel):
    files: list[str]
    commit: str | None = Field(default=None, description="the fix's commit on the review branch (git mode)")
    backup: str | None = Field(default=None, description="where the original files were copied (--no-git)")
    written: dict[str, str] = Field(default_factory=dict, description="sha256 of each file as the fix left it")
    recheck: Recheck
    tests: TestRun | None = None


class Item(BaseModel):
    ref: FindingRef
    status: Status = "pending"
    proposal: Proposal | None = None
    fix: AppliedFix | None = None
    fp_reason: str = ""
    note: str = Field(default="", description="the last message about this finding (a rejection, a failure)")
    fix_requests: int = 0


class UndoRecord(BaseModel):
    kind: Literal["fix", "false-positive", "skip"]
    finding_id: str
    cursor: int
    previous_suppression: Suppression | None = None
    commit: str | None = Field(default=None, description="a false positive's commit on the review branch (git mode)")
    created: bool = Field(default=False, description="the false positive created the suppressions file (undo removes it)")


class ReviewState(BaseModel):
    version: int = STATE_VERSION
    report: str = Field(description="absolute path of the report under review")
    report_sha256: str
    repo_root: str
    mode: Literal["git", "worktree"]
    severity: str | None = Field(default=None, description="the lowest severity walked, or all")
    owner: str
    started_at: str
    branch: str | None = Field(default=None, description="git mode: the branch fixes are committed to")
    worktree: str | None = Field(default=None, description="git mode: the review's own worktree, where that branch is checked "
                                                           "out (the user's work tree is never switched)")
    base_ref: str | None = Field(default=None, description="the branch (or commit) the review branch starts from")
    base_commit: str | None = None
    order: list[str]
    items: dict[str, Item]
    cursor: int = 0
    history: list[UndoRecord] = Field(default_factory=list)
    skipped_suppressed: list[str] = Field(default_factory=list, description="findings already suppressed at start")
    skipped_rejected: list[str] = Field(default_factory=list, description="findings whose grounding was rejected (they cite "
                                                                          "a file or lines that do not exist): nothing to fix")

    @property
    def current(self) -> Item | None:
        return self.items[self.order[self.cursor]] if 0 <= self.cursor < len(self.order) else None

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in ("pending", "fixed", "skipped", "false-positive")}
        for i in self.items.values():
            out[i.status] += 1
        return out

    def for_disk(self) -> "ReviewState":
        """What is saved: nothing beyond what the (redacted) report holds. No code and no command
        output: a proposal keeps its explanation and where its edits go, not their text (it quotes
        the real file, secrets included), so after a resume it must be made again to be applied;
        messages and test output are not kept."""
        copy = self.model_copy(deep=True)
        for item in copy.items.values():
            item.note = ""
            if item.fix and item.fix.tests:
                item.fix.tests.tail = ""
            p = item.proposal
            if p is not None:
                item.proposal = p.model_copy(update={
                    "edits": [e.model_copy(update={"search": "", "replace": ""}) for e in p.edits],
                    "diff": "", "explanation": redact(p.explanation), "masked": True})
        return copy


def branch_name(started_at: str) -> str:
    stamp = "".join(ch for ch in started_at[:19] if ch.isdigit())
    return f"modernize/review-{stamp[:8]}-{stamp[8:14]}"


def new_state(*, report: str, report_sha256: str, repo_root: str, findings: list[FindingRef], mode: Literal["git", "worktree"],
              severity: str | None, owner: str, started_at: str, suppressed: set[str] = frozenset(),
              worktree: str | None = None) -> ReviewState:
    """Findings at or above ``severity``, most severe first (the report's order within a severity).
    Left out: those already suppressed, and those whose grounding was rejected (they cite code that
    does not exist, so there is nothing to show or fix)."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    limit = rank[severity] if severity else len(SEVERITIES)
    chosen = [f for f in findings if rank.get(f.severity, len(SEVERITIES)) <= limit]
    chosen = sorted(enumerate(chosen), key=lambda p: (rank.get(p[1].severity, 9), p[0]))
    kept = [f for _, f in chosen if f.fingerprint not in suppressed and f.grounding != "rejected"]
    return ReviewState(
        report=report, report_sha256=report_sha256, repo_root=repo_root, mode=mode, severity=severity, owner=owner,
        started_at=started_at, branch=branch_name(started_at) if mode == "git" else None,
        worktree=worktree if mode == "git" else None,
        order=[f.id for f in kept], items={f.id: Item(ref=f) for f in kept},
        skipped_suppressed=[f.id for _, f in chosen if f.fingerprint in suppressed],
        skipped_rejected=[f.id for _, f in chosen if f.fingerprint not in suppressed and f.grounding == "rejected"],
    )


from modernizer.review.messages import (  # noqa: E402,F401 - the machine's vocabulary (messages.py), found here too
    Begin, Next, Back, Details, ShowCode, Goto, Skip, AskFix, EditEntered, FixProposed, FixRejected, Apply,
    FixApplied, ApplyFailed, MarkFalsePositive, SuppressionAdded, SuppressionFailed, Undo, Reverted,
    RevertFailed, Quit, Show, ShowProposal, Say, RequestFix, CheckEdits, ApplyFix, RevertFix, AddSuppression,
    RemoveSuppression, SaveState, Exit, Event, Effect)


# -- the machine ---------------------------------------------------------------------------------

def actions(item: Item | None, undoable: bool = True) -> list[str]:
    """The keys ``step`` would act on for this finding (the key bar shows only these): apply only
    once a fix is proposed (and whole: a resumed one must be made again), fix/skip/false positive
    only while the finding is open, undo only when there is something to undo (``undoable``:
    ``bool(state.history)``)."""
    undo = ["undo"] if undoable else []
    if item is None:
        return ["back", *undo, "quit"]
    keys = []
    if item.status not in ("fixed", "false-positive"):
        keys += ["apply"] if item.proposal is not None and not item.proposal.masked else []
        keys += ["fix", "edit"] + (["skip"] if item.status == "pending" else []) + ["false-positive"]
    return keys + undo + ["next", "back", "code", "details", "quit", "help"]


def _next_pending(state: ReviewState, after: int) -> int:
    """The first pending finding after ``after``, wrapping around; len(order) when none is left."""
    n = len(state.order)
    for k in range(1, n + 1):
        i = (after + k) % n
        if state.items[state.order[i]].status == "pending":
            return i
    return n


def _show(state: ReviewState) -> Show:
    cur = state.current
    return Show(cur.ref.id if cur else None)


def _upd(state: ReviewState, fid: str, **changes) -> ReviewState:
    items = dict(state.items)
    items[fid] = items[fid].model_copy(update=changes)
    return state.model_copy(update={"items": items})


def _advance(state: ReviewState, fid: str) -> ReviewState:
    return state.model_copy(update={"cursor": _next_pending(state, state.order.index(fid))})


def step(state: ReviewState, event: Event) -> tuple[ReviewState, list[Effect]]:
    cur = state.current
    match event:
        case Begin(resumed=resumed):
            effects: list[Effect] = []
            if resumed:
                c = state.counts()
                fixes = any(i.fix and i.fix.commit for i in state.items.values())
                where = f"; fixes are on branch {state.branch}" if state.branch and state.base_commit and fixes else ""
                where += f" in the worktree {state.worktree}" if where and state.worktree else ""
                effects.append(Say(f"Resuming the review: {c['fixed']} fixed, {c['false-positive']} false positive, "
                                   f"{c['skipped']} skipped, {c['pending']} pending{where}", "info"))
            if cur is None and state.order and any(i.status == "pending" for i in state.items.values()):
                state = state.model_copy(update={"cursor": _next_pending(state, -1)})
            return state, effects + [_show(state)]
        case Next():
            if not state.order:
                return state, [_show(state)]
            state = state.model_copy(update={"cursor": min(state.cursor + 1, len(state.order))})
            return state, [SaveState(), _show(state)]
        case Back():
            state = state.model_copy(update={"cursor": max(state.cursor - 1, 0)})
            return state, [SaveState(), _show(state)]
        case Details():
            return state, [Show(cur.ref.id if cur else None, "details")]
        case ShowCode():
            return state, [Show(cur.ref.id if cur else None, "code")]
        case Goto(finding_id=fid):
            if fid not in state.items:
                return state, [Say(f"no finding {fid} in this session", "warn")]
            state = state.model_copy(update={"cursor": state.order.index(fid)})
            return state, [_show(state)]
        case Quit():
            return state, [SaveState(), Exit()]
        case Undo():
            return _undo(state)
    if isinstance(event, (FixProposed, FixRejected, FixApplied, ApplyFailed, SuppressionAdded, SuppressionFailed,
                          Reverted, RevertFailed)):
        return _outcome(state, event)
    # the rest act on the current finding
    if cur is None:
        return state, [Say("No finding selected (past the end of the list): [b]ack, [u]ndo or [q]uit.", "warn")]
    fid = cur.ref.id
    match event:
        case Skip():
            if cur.status != "pending":
                return state, [Say(f"{fid} is already {cur.status}; [u]ndo to change it", "warn")]
            state = _upd(state, fid, status="skipped")
            state = state.model_copy(update={"history": state.history + [UndoRecord(kind="skip", finding_id=fid, cursor=state.cursor)]})
            state = _advance(state, fid)
            return state, [Say(f"{fid} skipped", "info"), SaveState(), _show(state)]
        case AskFix():
            if cur.status in ("fixed", "false-positive"):
                return state, [Say(f"{fid} is already {cur.status}; [u]ndo first to fix it again", "warn")]
            n = cur.fix_requests + 1
            state = _upd(state, fid, fix_requests=n)
            return state, [Say(f"Asking the model for a fix to {fid}" + (f" (attempt {n}, sampled)" if n > 1 else "") + "…"),
                           RequestFix(fid, n)]
        case EditEntered(edits=edits, explanation=explanation):
            if cur.status in ("fixed", "false-positive"):
                return state, [Say(f"{fid} is already {cur.status}; [u]ndo first to fix it again", "warn")]
            if not edits:
                return state, [Say("No edit entered; nothing changed", "warn")]
            return state, [CheckEdits(fid, edits, explanation)]
        case Apply():
            if cur.status in ("fixed", "false-positive"):
                return state, [Say(f"{fid} is already {cur.status}", "warn")]
            if cur.proposal is None:
                return state, [Say("No fix proposed yet: press [f] to ask the model or [e] to write one", "warn")]
            if cur.proposal.masked:
                return state, [Say("The saved session keeps no code, so this proposal must be made again: press [f] or [e]", "warn")]
            return state, [Say(f"Applying the fix to {fid}…"), ApplyFix(fid, cur.proposal, state.branch)]
        case MarkFalsePositive(reason=reason, owner=owner, today=today):
            reason = reason.strip()
            if cur.status == "fixed":
                return state, [Say(f"{fid} is fixed; [u]ndo the fix first", "warn")]
            if cur.status == "false-positive":
                return state, [Say(f"{fid} is already marked as a false positive", "warn")]
            if not reason:
                return state, [Say("A false positive needs a reason; nothing recorded", "warn")]
            sup = Suppression(fingerprint=cur.ref.fingerprint, reason=reason[:500], owner=(owner or "unknown")[:120],
                              created=today, title=redact(cur.ref.title)[:200], file=cur.ref.file[:300])
            state = _upd(state, fid, fp_reason=reason[:500])
            return state, [AddSuppression(fid, sup)]
    return state, [Say(f"unhandled event {type(event).__name__}", "error")]


def _undo(state: ReviewState) -> tuple[ReviewState, list[Effect]]:
    if not state.history:
        return state, [Say("Nothing to undo", "warn")]
    last = state.history[-1]
    item = state.items[last.finding_id]
    if last.kind == "skip":
        state = _upd(state, last.finding_id, status="pending")
        state = state.model_copy(update={"history": state.history[:-1], "cursor": last.cursor})
        return state, [Say(f"Undone: {last.finding_id} is pending again", "ok"), SaveState(), _show(state)]
    if last.kind == "fix":
        assert item.fix is not None
        return state, [Say(f"Undoing the fix to {last.finding_id}…"), RevertFix(last.finding_id, item.fix, state.branch)]
    return state, [RemoveSuppression(last.finding_id, item.ref.fingerprint, last.previous_suppression, last.commit, last.created)]


def _branch_made(state: ReviewState, rec: UndoRecord, base_ref: str | None, base_commit: str | None) -> tuple[ReviewState, list[Effect]]:
    """A fix or false positive done: on the undo history, the cursor on; the first one on the
    review branch fixes its base and says where the branch is (the user's checkout is not)."""
    update: dict = {"history": state.history + [rec]}
    first = bool(base_commit and not state.base_commit)
    if first:
        update.update(base_ref=base_ref, base_commit=base_commit)
    state = _advance(state.model_copy(update=update), rec.finding_id)
    if not (first and state.worktree):
        return state, []
    return state, [Say(f"Fixes and false positives go to branch {state.branch} (from {base_ref}), checked out in its own worktree "
                       f"{state.worktree}: your work tree, index and HEAD are not changed", "info")]


def _outcome(state: ReviewState, event: Event) -> tuple[ReviewState, list[Effect]]:
    match event:
        case FixProposed(finding_id=fid, proposal=proposal):
            state = _upd(state, fid, proposal=proposal, note="")
            return state, [ShowProposal(fid), SaveState()]
        case FixRejected(finding_id=fid, message=message):
            state = _upd(state, fid, note=message)
            return state, [Say(message, "error"), SaveState()]
        case FixApplied(finding_id=fid, fix=fix, base_ref=base_ref, base_commit=base_commit):
            state = _upd(state, fid, status="fixed", fix=fix, proposal=None, note="")
            state, msgs = _branch_made(state, UndoRecord(kind="fix", finding_id=fid, cursor=state.order.index(fid)), base_ref, base_commit)
            where = f"commit {fix.commit[:10]} on branch {state.branch}" if fix.commit else f"written to the work tree (backup in {fix.backup})"
            msgs += [Say(f"{fid} fixed: {where}", "ok"),
                                  Say(f"re-check: {fix.recheck.note}", "ok" if fix.recheck.status == "gone" else "warn")]
            if fix.tests:
                t = fix.tests
                msgs.append(Say(f"tests ({t.command}): {t.status.upper()}" + (f" (exit {t.exit_code})" if t.exit_code is not None else "")
                                + f" in {t.wall_s:.1f}s", "ok" if t.status == "passed" else "error"))
                if t.status != "passed" and t.tail:
                    msgs.append(Say(t.tail, "info"))
            return state, msgs + [SaveState(), _show(state)]
        case ApplyFailed(finding_id=fid, message=message):
            state = _upd(state, fid, note=message)
            return state, [Say(f"not applied: {message}", "error"), SaveState()]
        case SuppressionAdded(finding_id=fid, previous=previous, commit=commit, created=created):
            state = _upd(state, fid, status="false-positive", proposal=None, note="")
            rec = UndoRecord(kind="false-positive", finding_id=fid, cursor=state.order.index(fid), previous_suppression=previous,
                             commit=commit, created=created)
            state, msgs = _branch_made(state, rec, event.base_ref, event.base_commit)
            where = f" in commit {commit[:10]} on branch {state.branch}" if commit else ""
            return state, msgs + [Say(f"{fid} marked as a false positive: fingerprint {state.items[fid].ref.fingerprint} "
                                      f"added to modernize-suppressions.toml{where}", "ok"), SaveState(), _show(state)]
        case SuppressionFailed(finding_id=fid, message=message):
            return _upd(state, fid, fp_reason="", note=message), [Say(message, "error")]
        case Reverted(finding_id=fid):
            last = state.history[-1] if state.history else None
            item = state.items[fid]
            what = "fix" if item.status == "fixed" else "false positive"
            state = _upd(state, fid, status="pending", fix=None, fp_reason="")
            state = state.model_copy(update={"history": state.history[:-1] if last and last.finding_id == fid else state.history,
                                             "cursor": state.order.index(fid)})
            return state, [Say(f"Undone: the {what} of {fid} is reverted; {fid} is pending again", "ok"), SaveState(), _show(state)]
        case RevertFailed(finding_id=fid, message=message):
            return state, [Say(f"undo failed: {message}", "error")]
    return state, []
