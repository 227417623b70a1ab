"""The review session's I/O layer: opens or resumes the state, carries out the state machine's
effects (model, files, git, suppressions, the state file, the screen) and feeds their outcomes back.

The fix request is a short-context request: the finding plus the lines around it, read from the
file as it is now, through the ``fix`` agent (agents/fix.toml, prompts/fix.j2). Its edits are
placed by ``edits.plan_changes`` (exactly-once rule, line numbers computed from the file).
"""

from __future__ import annotations

import getpass
from collections import deque
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from modernizer.llm.client import Endpoint
from modernizer.fs import write_atomic
from modernizer.repo.safegit import Identity, user_identity
from modernizer.errors import InputError, ModernizerError, ServerError, ServerUnavailable
from modernizer.report import Report
from modernizer.report.files import load_report
from modernizer.review import state as st
from modernizer.findings.redact import SecretIndex
from modernizer.review import falsepos
from modernizer.review.apply import GitApplier, WorktreeApplier, check_edits
from modernizer.review.details import DetailsSource, code_view
from modernizer.review.editor import read_edit
from modernizer.review.resume import drop_rejected
from modernizer.review.where import analysed_root
from modernizer.review.secrets import code_secrets
from modernizer.review.worktree import check_location, default_location
from modernizer.review.edits import Edit
from modernizer.review.state import FindingRef, ReviewState
from modernizer.findings.schemas import SEVERITIES
from modernizer.findings.suppressions import load_suppressions
from modernizer.review.fixer import ModelFixer, _normalise_file, proposal_from  # noqa: F401 - found here too

CODE_CONTEXT = 8  # lines shown around a finding


class ReviewOptions(BaseModel):
    endpoint: Endpoint = Field(default_factory=Endpoint)
    severity: str | None = None
    use_git: bool = True
    test_cmd: str | None = None
    test_timeout: float = 600.0
    owner: str | None = None
    restart: bool = False
    seed: int = 0
    worktree: Path | None = Field(default=None, description="where the review worktree goes (default: per user, see review/worktree.py)")
    repo: Path | None = Field(default=None, description="the analysed folder here, when the report's path is not (review/where.py)")


def state_path(report: Path) -> Path:
    """``reports/x.json`` -> ``reports/x.review.json``."""
    return report.with_name(report.stem + ".review.json")


def default_owner(root: Path) -> str:
    """Who decides a false positive: the analyst's own git e-mail (their global config, never the
    analysed repository's, which anyone could have written), else the login name."""
    who = user_identity()
    if who.email != Identity().email:
        return who.email
    if who.name != Identity().name:
        return who.name
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def refs_from(report: Report) -> list[FindingRef]:
    return [FindingRef(id=f.id, severity=f.severity, title=f.title, category=f.category, cwe=f.cwe, file=f.file,
                       line_start=f.line_start, line_end=f.line_end, snippet=f.snippet, reason=f.reason,
                       grounding=f.grounding.status, fingerprint=f.fingerprint) for f in report.findings]


def open_state(report_path: Path, opts: ReviewOptions, now: datetime | None = None) -> tuple[ReviewState, Report, bool]:
    """A new session, or the saved one (unless ``restart``): (state, report, resumed)."""
    report_path = report_path.resolve()
    report, sha = load_report(report_path)
    sp = state_path(report_path)
    mode = "git" if opts.use_git else "worktree"
    if sp.exists() and not opts.restart:
        try:
            state = ReviewState.model_validate_json(sp.read_text(encoding="utf-8"))
        except (OSError, ValidationError) as exc:
            raise InputError(f"{sp}: cannot read the saved review session ({exc.__class__.__name__})",
                             "pass --restart to start the review over") from None
        root = analysed_root(report, opts.repo, saved=state.repo_root)
        if state.report_sha256 != sha:
            raise InputError(f"{report_path} changed since this review session started", "pass --restart to start over on the new report")
        if state.mode != mode:
            was = f"commits to branch {state.branch}" if state.mode == "git" else "writes the work tree (--no-git)"
            raise InputError(f"the saved session {was}; it cannot go on in the other mode",
                             "resume with the same --no-git choice, or pass --restart")
        if state.mode == "git" and state.worktree is None:  # saved before fixes had a worktree of their own
            state = state.model_copy(update={"worktree": str(worktree_for(root, state.branch or "", opts))})
        return drop_rejected(state), report, True
    root = analysed_root(report, opts.repo)
    now = now or datetime.now(timezone.utc)
    today = now.date()
    suppressed = {s.fingerprint for s in load_suppressions(root) if s.active(today)}
    state = st.new_state(report=str(report_path), report_sha256=sha, repo_root=str(root), findings=refs_from(report), mode=mode,
                         severity=opts.severity, owner=opts.owner or default_owner(root),
                         started_at=now.astimezone(timezone.utc).isoformat(timespec="seconds"), suppressed=suppressed)
    if state.branch:
        where = worktree_for(root, state.branch, opts)
        try:
            check_location(where, root)
        except ModernizerError as exc:
            raise InputError(exc.message, exc.hint) from None
        state = state.model_copy(update={"worktree": str(where)})
    return state, report, False


def worktree_for(root: Path, branch: str, opts: ReviewOptions) -> Path:
    """--worktree, else the per-user default (a new session's folder, fixed in the saved state)."""
    return Path(opts.worktree).expanduser().absolute() if opts.worktree else default_location(root, branch)


def save_state(state: ReviewState, path: Path) -> None:
    write_atomic(path, state.for_disk().model_dump_json(indent=2) + "\n")


class Session:
    """Runs the state machine: events in, effects carried out, outcome events fed back."""

    def __init__(self, state: ReviewState, report_path: Path, opts: ReviewOptions, ui: Any, *,
                 fixer: ModelFixer | None = None, persist: bool = True, fail_on_server: bool = False) -> None:
        self.state = state
        self.report_path = report_path
        self.opts = opts
        self.ui = ui
        self.root = Path(state.repo_root)
        self.state_file = state_path(report_path.resolve())
        self.fixer = fixer or ModelFixer(opts.endpoint, self.root, opts.seed, say=getattr(ui, "say", None))
        self.persist = persist
        self.fail_on_server = fail_on_server
        self.exited = False
        self._applier: GitApplier | WorktreeApplier | None = None
        self._secrets: SecretIndex | None = None
        self.shown: set[str] = set()  # findings shown whole in this run: later visits get one line
        self.suppressions_added = 0
        self.details = DetailsSource(report_path.resolve())

    # -- the loop ---------------------------------------------------------------------------------
    def handle(self, event: st.Event) -> None:
        queue: deque[st.Event] = deque([event])
        while queue:
            self.state, effects = st.step(self.state, queue.popleft())
            for effect in effects:
                queue.extend(self.execute(effect))

    def run(self, resumed: bool) -> None:
        try:
            self.handle(st.Begin(resumed=resumed))
            while not self.exited:
                try:
                    event = self.read_event()
                except (KeyboardInterrupt, EOFError):
                    event = st.Quit()
                if event is not None:
                    try:
                        self.handle(event)
                    except KeyboardInterrupt:
                        self.ui.say("interrupted", "warn")
        finally:
            self.close()

    def close(self) -> None:
        """The model client and the shadow git directory end with the session."""
        for part in (self.fixer, self._applier):
            closer = getattr(part, "close", None)
            if closer is not None:
                closer()

    def read_event(self) -> st.Event | None:
        key = self.ui.read_key()
        cur = self.state.current
        simple = {"f": st.AskFix(), "a": st.Apply(), "s": st.Skip(), "n": st.Next(), "b": st.Back(), "u": st.Undo(),
                  "q": st.Quit(), "d": st.Details(), "c": st.ShowCode()}
        if key in simple:
            return simple[key]
        if key == "p":
            if cur is None or cur.status in ("fixed", "false-positive"):
                return st.MarkFalsePositive(reason="", owner=self.state.owner, today=date.today())
            reason = self.ui.read_line("Why is this a false positive? (empty to cancel): ")
            if not reason or not reason.strip():
                self.ui.say("Cancelled: nothing recorded", "warn")
                return None
            return st.MarkFalsePositive(reason=reason, owner=self.state.owner, today=date.today())
        if key == "e":
            return st.EditEntered(edits=()) if cur is None else read_edit(self.ui, cur.ref, self.code_root())
        if key in ("?", "h"):
            self.ui.show_help()
            return None
        if key:
            self.ui.say(f"Unknown key {key!r}: press ? for help", "warn")
        return None

    # -- effects ----------------------------------------------------------------------------------
    def applier(self) -> GitApplier | WorktreeApplier:
        if self._applier is None:
            if self.state.mode == "git":
                worktree = self.state.worktree or str(default_location(self.root, self.state.branch or st.branch_name(self.state.started_at)))
                self._applier = GitApplier(self.root, worktree, self.state.branch or st.branch_name(self.state.started_at),
                                           self.opts.test_cmd, self.opts.test_timeout)
            else:
                session = st.branch_name(self.state.started_at).split("/")[-1]
                self._applier = WorktreeApplier(self.root, session, self.opts.test_cmd, self.opts.test_timeout)
        return self._applier

    def execute(self, effect: st.Effect) -> list[st.Event]:
        s = self.state
        match effect:
            case st.Say(text=text, level=level):
                self.ui.say(text, level)
            case st.Show(finding_id=None):
                self.ui.show_done(s)
            case st.Show(finding_id=fid, view="details"):
                self.ui.show_details(s, s.items[fid], self.details.of(s.items[fid].ref, self.code_root()))
            case st.Show(finding_id=fid, view=view):
                if view == "code" or fid not in self.shown:
                    self.ui.show_finding(s, s.items[fid], self.code_view(s.items[fid].ref))
                    self.shown.add(fid)
                else:
                    self.ui.show_brief(s, s.items[fid])
            case st.ShowProposal(finding_id=fid):
                self.ui.show_proposal(s.items[fid])
                self.ui.show_keys(s, s.items[fid])
            case st.SaveState():
                if self.persist:
                    save_state(s, self.state_file)
            case st.Exit():
                self.exited = True
                self.ui.show_summary(s, self.state_file if self.persist else None, self.report_path, ahead=self.commits_ahead())
            case st.RequestFix(finding_id=fid, attempt=attempt):
                try:
                    proposal = self.fixer.propose(s.items[fid].ref, attempt, root=self.code_root())
                except (ServerUnavailable, ServerError) as exc:
                    if self.fail_on_server:
                        raise
                    return [st.FixRejected(fid, f"{exc.message}" + (f" ({exc.hint})" if exc.hint else ""))]
                except ModernizerError as exc:
                    return [st.FixRejected(fid, exc.message + (f"; {exc.hint}" if exc.hint else ""))]
                return [st.FixProposed(fid, proposal)]
            case st.CheckEdits(finding_id=fid, edits=edits, explanation=explanation):
                ref = s.items[fid].ref
                try:
                    changes = check_edits(self.code_root(), [Edit(file=_normalise_file(f, ref, self.root.name), search=a, replace=b)
                                                      for f, a, b in edits])
                except ModernizerError as exc:
                    return [st.FixRejected(fid, f"your fix was rejected: {exc.message}" + (f"; {exc.hint}" if exc.hint else ""))]
                return [st.FixProposed(fid, proposal_from(changes, "user", explanation))]
            case st.ApplyFix(finding_id=fid, proposal=proposal):
                ref = s.items[fid].ref
                try:
                    app = self.applier()
                    if isinstance(app, GitApplier):
                        fix, base_ref, base_commit = app.apply(ref, proposal, known=self.secrets())
                        return [st.FixApplied(fid, fix, base_ref, base_commit)]
                    return [st.FixApplied(fid, app.apply(ref, proposal))]
                except ModernizerError as exc:
                    return [st.ApplyFailed(fid, exc.message + (f"; {exc.hint}" if exc.hint else ""))]
            case st.RevertFix(finding_id=fid, fix=fix):
                try:
                    app = self.applier()
                    app.revert(fix)
                except ModernizerError as exc:
                    return [st.RevertFailed(fid, exc.message + (f"; {exc.hint}" if exc.hint else ""))]
                return [st.Reverted(fid)]
            case st.AddSuppression(finding_id=fid, suppression=sup):
                try:  # git mode: a commit on the review branch, never the user's checkout (review/falsepos.py)
                    app = self.applier()
                    done = (falsepos.record_on_branch(app, s.items[fid].ref, sup, s.items[fid].fp_reason, self.secrets())
                            if isinstance(app, GitApplier) else falsepos.record_in_tree(self.root, sup, self.secrets()))
                except (ModernizerError, OSError) as exc:
                    return [st.SuppressionFailed(fid, f"could not write the suppression: {getattr(exc, 'message', exc)}")]
                self.suppressions_added += 1
                return [st.SuppressionAdded(fid, done.previous, done.commit, done.created, done.base_ref, done.base_commit)]
            case st.RemoveSuppression(finding_id=fid, fingerprint=fp, previous=previous, commit=commit, created=created):
                try:  # no commit: marked with --no-git, or by a session older than the branch's false positives
                    if commit and isinstance(app := self.applier(), GitApplier):
                        falsepos.undo_on_branch(app, commit)
                    else:
                        falsepos.unsuppress(self.root, fp, previous, created)
                except (ModernizerError, OSError) as exc:
                    return [st.RevertFailed(fid, f"could not update the suppressions file: {getattr(exc, 'message', exc)}")]
                return [st.Reverted(fid)]
        return []

    def commits_ahead(self) -> int | None:
        """git mode, once the review worktree exists: the commits its branch holds beyond its base
        (0 after the only fix was undone: nothing to merge). None otherwise, or when git cannot tell."""
        s = self.state
        if s.mode != "git" or not s.branch or not s.worktree or not (Path(s.worktree) / ".git").exists():
            return None
        try:
            app = self.applier()
            return app.commits_ahead(s.base_commit) if isinstance(app, GitApplier) else None
        except ModernizerError:
            return None

    def code_root(self) -> Path:
        """Where the code is read: the review worktree once it exists (fixes build on each other
        there), else the analysed tree."""
        if self.state.mode != "git" or not self.state.worktree or not (Path(self.state.worktree) / ".git").exists():
            return self.root
        try:
            return self.applier().root
        except ModernizerError:
            return self.root

    def secrets(self) -> SecretIndex:
        """The code's secret values (once per session), to keep them out of the files we write."""
        if self._secrets is None:
            self._secrets = code_secrets(self.root)
        return self._secrets

    def code_view(self, ref: FindingRef) -> dict[str, Any]:
        return code_view(self.code_root(), ref, CODE_CONTEXT)

    # -- non-interactive --------------------------------------------------------------------------
    def run_batch(self, apply: bool) -> dict[str, int]:
        """--apply: ask for a fix to every pending finding; apply it, or (dry run) print the patch."""
        try:
            return self._batch(apply)
        finally:
            self.close()

    def _batch(self, apply: bool) -> dict[str, int]:
        self.handle(st.Begin())
        counts = {"proposed": 0, "rejected": 0, "applied": 0, "failed": 0}
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        limit = rank.get(self.opts.severity or "info", len(SEVERITIES))
        for fid in list(self.state.order):
            item = self.state.items[fid]
            if item.status != "pending" or rank.get(item.ref.severity, 9) > limit:
                continue
            self.handle(st.Goto(fid))
            self.ui.show_heading(self.state, self.state.items[fid])
            self.handle(st.AskFix())
            item = self.state.items[fid]
            if item.proposal is None:
                counts["rejected"] += 1
                continue
            counts["proposed"] += 1
            if apply:
                self.handle(st.Apply())
                counts["applied" if self.state.items[fid].status == "fixed" else "failed"] += 1
        if self.persist:
            save_state(self.state, self.state_file)
        return counts
