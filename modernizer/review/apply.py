"""Applying and undoing fixes: the file-system and git half of the review session.

Git mode: the first fix makes the branch ``modernize/review-<stamp>`` from HEAD, checked out in a
worktree of its own (review/worktree.py), never in the user's work tree: their HEAD, index and
files stay as they are. Each fix is one commit there of only the files it changed (``git commit
--only``). Undo of the last fix commit moves the branch back one commit and restores only that
fix's files; an older fix is undone with ``git revert``.

Work-tree mode (``--no-git``): the original files are copied to ``.modernize/review/<stamp>/`` in
the analysed repository (a directory the ingest never reads) and copied back on undo.

After a fix: the flagged lines are looked for again in the changed file (the grounding re-check),
and the user's own ``--test-cmd`` runs, if given (both in the worktree, where the fix is). Nothing else from the analysed repository is
ever run.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from modernizer.errors import InputError, ModernizerError
from modernizer.fs import write_atomic
from modernizer.findings.grounding import ground
from modernizer.repo.ingest import decode, disk_path
from modernizer.repo.lang.registry import detect
from modernizer.findings.redact import MARK, SecretIndex, redact
from modernizer.safeio import Refused, read_regular
from modernizer.repo.safegit import GitFailed, SafeGit, find_repository, user_identity
from modernizer.review.edits import Edit, EditRejected, FileChange, plan_changes
from modernizer.review.worktree import Opened, open_worktree
from modernizer.review.state import AppliedFix, FindingRef, Proposal, Recheck, TestRun
from modernizer.repo.snapshot import Snapshot, SourceFile

TEST_TAIL_LINES = 15
REVIEW_FILE_BYTES = 64 << 20
BACKUP_DIR = ".modernize/review"
_BOM = b"\xef\xbb\xbf"


class ApplyError(ModernizerError):
    """A fix cannot be applied or undone; the message says why and what to do."""


# -- files --------------------------------------------------------------------------------------

def safe_path(root: Path, rel: str) -> Path:
    """``rel`` inside ``root``, or InputError: edits never reach outside the analysed repository."""
    rel = re.sub(r"\\(?!x[0-9a-f]{2})", "/", rel.strip()).removeprefix("./")  # Windows separators; \xNN is an escaped name
    full = disk_path(root, rel).resolve()
    if not full.is_relative_to(root.resolve()) or rel.startswith("/"):
        raise InputError(f"{rel}: outside the repository", "edits may only change files of the analysed repository")
    return full


class TextFile:
    """A file's text as ingest decodes it, and how to write it back in the same encoding."""

    def __init__(self, root: Path, rel: str) -> None:
        self.rel, self.path = rel, safe_path(root, rel)
        try:
            data = read_regular(self.path, REVIEW_FILE_BYTES)  # safeio: a FIFO or device swapped in is refused, never waited on
        except Refused as no:
            raise InputError(f"{rel}: the file is not read ({no.detail})", "review edits plain files of the repository") from no
        except OSError as exc:
            raise InputError(f"{rel}: cannot read the file ({exc.strerror or exc})", "is it still in the repository?") from exc
        self.bom = data.startswith(_BOM)
        self.text, self.encoding, _ = decode(data)
        self.sha256 = hashlib.sha256(data).hexdigest()

    def encode(self, text: str) -> bytes:
        enc = "utf-8" if self.encoding == "utf-8" else self.encoding
        return (_BOM if self.bom else b"") + text.encode(enc)

    def source(self, text: str | None = None) -> SourceFile:
        t = self.text if text is None else text
        data = self.encode(t)
        return SourceFile(path=self.rel, language=detect(self.rel, t), text=t, sha256=hashlib.sha256(data).hexdigest(),
                          lines=t.count("\n") + (0 if t.endswith("\n") or not t else 1), size_bytes=len(data))


def snapshot_of(root: Path, sources: list[SourceFile]) -> Snapshot:
    return Snapshot(root=str(root), name=root.name, files=sources)


def check_edits(root: Path, proposal_edits: list[Edit]) -> list[FileChange]:
    """Place the edits on the files as they are on disk now (exactly-once rule). Raises EditRejected/InputError."""
    texts: dict[str, str] = {}
    for e in proposal_edits:
        if e.file not in texts:
            try:
                texts[e.file] = TextFile(root, e.file).text
            except InputError:
                continue  # plan_changes names the missing file with its edit number
    return plan_changes(texts, proposal_edits)


def locate_finding(root: Path, ref: FindingRef) -> tuple[TextFile, int, int, str]:
    """The finding's file and lines as they are now (lines move as earlier fixes land)."""
    tf = TextFile(root, ref.file)
    g = ground(snapshot_of(root, [tf.source()]), ref.file, ref.line_start, ref.line_end, ref.snippet)
    lines = tf.text.splitlines()
    if g.status == "verified" and g.line_start:
        a, b = g.line_start, g.line_end or g.line_start
        note = "snippet found" + (f" ({g.note})" if g.note else "")
    else:
        a, b = max(1, min(ref.line_start, len(lines))), max(1, min(ref.line_end, len(lines)))
        note = ("the report's snippet is redacted; showing the reported lines" if MARK in ref.snippet
                else "snippet not found in the file now; showing the reported lines")
    return tf, a, b, note


# -- the re-check and the tests -----------------------------------------------------------------

def _source(rel: str, text: str) -> SourceFile:
    return SourceFile(path=rel, language=detect(rel, text), text=text, sha256="", lines=len(text.splitlines()), size_bytes=len(text))


def recheck(root: Path, ref: FindingRef, before: dict[str, str], after: dict[str, str]) -> Recheck:
    """The grounding check again, on the changed file: is the code the finding flagged still there?

    Two looks: the flagged lines as they really were (read from disk before the change, since the
    report's snippet may be redacted) must no longer be in the file, and the report's snippet must
    no longer ground in it."""
    if ref.file not in before:
        return Recheck(status="not-checked", note=f"the fix did not change {ref.file}, the finding's file")
    old, new = before[ref.file], after[ref.file]
    g = ground(snapshot_of(root, [_source(ref.file, old)]), ref.file, ref.line_start, ref.line_end, ref.snippet)
    lines = old.splitlines()
    if g.status == "verified" and g.line_start:
        a, b = g.line_start, g.line_end or g.line_start
    elif 1 <= ref.line_start <= len(lines):
        a, b = ref.line_start, min(max(ref.line_end, ref.line_start), len(lines))
    else:
        return Recheck(status="not-checked", note="the finding's lines are not in the file")
    flagged = "\n".join(lines[a - 1:b])
    if flagged.strip() and flagged in new:
        return Recheck(status="still-present", note=f"the flagged lines (were {a}-{b}) are unchanged in {ref.file}: the fix may not address the finding")
    if MARK not in ref.snippet:
        g2 = ground(snapshot_of(root, [_source(ref.file, new)]), ref.file, a, b, ref.snippet)
        if g2.status == "verified":
            return Recheck(status="still-present",
                           note=f"the flagged snippet still grounds at lines {g2.line_start}-{g2.line_end} of {ref.file}: check the fix")
    return Recheck(status="gone", note=f"the flagged code (was lines {a}-{b}) is no longer in {ref.file}")


def run_tests(root: Path, command: str, timeout: float) -> TestRun:
    """The user's own test command (the only thing from the project the review ever runs)."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(command, shell=True, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode("utf-8", "replace")
        return TestRun(command=command, status="timeout", wall_s=round(time.perf_counter() - t0, 2),
                       tail=_tail(out) + f"\n(stopped after {timeout:.0f}s)")
    except OSError as exc:
        return TestRun(command=command, status="error", wall_s=round(time.perf_counter() - t0, 2), tail=str(exc))
    out = proc.stdout.decode("utf-8", "replace")
    return TestRun(command=command, status="passed" if proc.returncode == 0 else "failed", exit_code=proc.returncode,
                   wall_s=round(time.perf_counter() - t0, 2), tail=_tail(out))


def _tail(text: str) -> str:
    return "\n".join(text.rstrip().splitlines()[-TEST_TAIL_LINES:])


# -- appliers -----------------------------------------------------------------------------------

class Applier:
    """Shared by both modes: check the edits against the files now, write them, re-check, test."""

    def __init__(self, root: str | Path, test_cmd: str | None = None, test_timeout: float = 600.0) -> None:
        self.root = Path(root).resolve()
        self.test_cmd = test_cmd
        self.test_timeout = test_timeout

    def _write(self, ref: FindingRef, proposal: Proposal) -> tuple[list[FileChange], dict[str, TextFile]]:
        edits = [Edit(file=e.file, search=e.search, replace=e.replace) for e in proposal.edits]
        try:
            changes = check_edits(self.root, edits)
        except EditRejected as exc:
            raise ApplyError(f"the files changed since the fix was proposed: {exc.message}", "ask for the fix again") from exc
        files = {c.path: TextFile(self.root, c.path) for c in changes}
        for c in changes:
            write_atomic(files[c.path].path, files[c.path].encode(c.new))
        return changes, files

    def _finish(self, ref: FindingRef, changes: list[FileChange], files: dict[str, TextFile], **fix) -> AppliedFix:
        check = recheck(self.root, ref, {c.path: c.old for c in changes}, {c.path: c.new for c in changes})
        tests = run_tests(self.root, self.test_cmd, self.test_timeout) if self.test_cmd else None
        written = {c.path: hashlib.sha256(files[c.path].encode(c.new)).hexdigest() for c in changes}
        return AppliedFix(files=[c.path for c in changes], written=written, recheck=check, tests=tests, **fix)


class GitApplier(Applier):
    """Fixes as commits on the review branch, in the review's own worktree (review/worktree.py):
    the user's HEAD, index and files never change. git runs through ``safegit``, in the user's
    repository and in the worktree alike: the repository's hooks, filters, signing programs and
    other config never run (see modernizer/repo/safegit.py).

    ``self.root`` is the analysed folder's twin inside the worktree: fixes are placed, written,
    re-checked and tested there."""

    def __init__(self, root: str | Path, worktree: str | Path, branch: str, test_cmd: str | None = None,
                 test_timeout: float = 600.0) -> None:
        super().__init__(root, test_cmd, test_timeout)
        self.user_root = self.root
        repo = find_repository(self.user_root)
        if repo is None:
            raise InputError(f"{self.user_root} is not a git work tree, so fixes cannot go on a branch",
                             "run `git init` and commit, or pass --no-git to write the work tree (with backups for undo)")
        self.identity = user_identity()
        self.main = SafeGit(repo, identity=self.identity).__enter__()
        if self.main.head_commit() is None:
            self.close()
            raise InputError(f"{self.user_root}: the git repository has no commit yet", "commit the code first, or pass --no-git")
        self.sub = self.user_root.relative_to(repo.top.resolve())
        self.worktree = Path(os.path.abspath(worktree))
        self.branch = branch
        self.root = self.worktree / self.sub
        self._opened: Opened | None = None

    def close(self) -> None:
        opened = getattr(self, "_opened", None)
        for git in (getattr(self, "main", None), opened.git if opened else None):
            if git is not None:
                git.close()

    def __del__(self) -> None:  # the shadow git directories are temporary folders
        self.close()

    def open(self) -> Opened:
        """The worktree, made on the first fix (or found again on a resume)."""
        if self._opened is None or not (self.worktree / ".git").exists():
            self._opened = open_worktree(self.main, self.worktree, self.branch, self.identity)
        return self._opened

    @property
    def git(self) -> SafeGit:
        return self.open().git

    def _git_path(self, rel: str) -> str:
        return (self.sub / rel).as_posix() if str(self.sub) != "." else Path(rel).as_posix()

    def current_branch(self) -> str | None:
        return self.git.branch()

    def _head(self) -> str:
        commit = self.git.head_commit()
        if commit is None:
            raise ApplyError("the review worktree has no HEAD commit any more")
        return commit

    def _dirty(self, rels: list[str]) -> list[str]:
        return self.git.changed(*[self._git_path(r) for r in rels], untracked=False)

    def _on_branch(self) -> None:
        if self.current_branch() != self.branch:
            raise ApplyError(f"the review worktree {self.worktree} is on {self.current_branch() or 'a detached HEAD'}, "
                             f"not on the review branch {self.branch}", f"`git -C {self.worktree} checkout {self.branch}`, then try again")

    def apply(self, ref: FindingRef, proposal: Proposal, known: SecretIndex | None = None) -> tuple[AppliedFix, str | None, str | None]:
        """One commit of only the fix's files; (fix, base ref, base commit), the base as far as known."""
        opened = self.open()
        self._on_branch()
        dirty = self._dirty(sorted({e.file for e in proposal.edits}))
        if dirty:
            raise ApplyError(f"{', '.join(dirty)} has uncommitted changes in the review worktree {self.worktree}; "
                             "the fix must be a commit of its own", f"commit or discard them there (`git -C {self.worktree} status`)")
        try:
            changes, files = self._write(ref, proposal)
        except ApplyError as exc:
            mine = self.main.changed(*[self._git_path(e.file) for e in proposal.edits], untracked=False)
            if opened.created and mine:
                raise ApplyError(f"{', '.join(mine)} has uncommitted changes in your work tree and the fix was made against them, "
                                 "but fixes are committed in the review worktree, which starts from your last commit",
                                 "commit or stash your changes, then ask for the fix again") from exc
            raise
        paths = [self._git_path(c.path) for c in changes]
        title = redact(ref.title, known=known)
        body = redact(proposal.explanation, known=known).strip()
        msg = (f"Fix {ref.id}: {title}\n\n" + (body + "\n\n" if body else "")
               + f"{ref.severity} {ref.category}{' ' + ref.cwe if ref.cwe else ''} in {ref.file}\n"
               + f"Finding fingerprint: {ref.fingerprint}\nFix written by: {'the model' if proposal.source == 'model' else 'the reviewer'} "
               + "(modernize review)\n")
        try:
            self.git.run("add", "--", *paths, writes=True)
            self.git.run("commit", "-q", "--no-verify", "-m", msg, "--only", "--", *paths, writes=True)
        except GitFailed as exc:
            for c in changes:  # leave the worktree as it was
                write_atomic(files[c.path].path, files[c.path].encode(c.old))
            self.git.run("reset", "-q", "--", *paths, writes=True, check=False)
            raise ApplyError(f"git commit failed: {exc.message[:300]}", f"check `git -C {self.worktree} status`") from exc
        return self._finish(ref, changes, files, commit=self._head()), opened.base_ref, opened.base_commit

    def commits_ahead(self, base_commit: str | None) -> int | None:
        """Commits on the review branch beyond its base (the session's, else where this run made
        it, else where it left the user's HEAD); None when there is no branch or git cannot tell."""
        branch = f"refs/heads/{self.branch}"
        if not self.main.ok("rev-parse", "--verify", "-q", branch):
            return None
        base = base_commit or (self._opened.base_commit if self._opened else None)
        if base is None:
            base = self.main.run("merge-base", "HEAD", branch, check=False).decode().strip() or None
        if base is None:
            return None
        out = self.main.run("rev-list", "--count", f"{base}..{branch}", check=False).decode().strip()
        return int(out) if out.isdigit() else None

    def revert(self, fix: AppliedFix) -> None:
        """The last fix's commit is dropped (only its files restored); an older one is reverted."""
        if fix.commit is None:
            raise ApplyError("this fix has no commit to revert")
        self.open()
        self._on_branch()
        dirty = self._dirty(fix.files)
        if dirty:
            raise ApplyError(f"{', '.join(dirty)} has uncommitted changes in the review worktree; undo would mix them with the revert",
                             f"commit or discard them there (`git -C {self.worktree} status`)")
        paths = [self._git_path(p) for p in fix.files]
        if self._head() == fix.commit:
            self.git.run("reset", "-q", "--soft", "HEAD~1", writes=True)
            self.git.run("checkout", "HEAD", "--", *paths, writes=True)
            return
        try:
            self.git.run("revert", "--no-edit", fix.commit, writes=True)
        except GitFailed as exc:
            self.git.run("revert", "--abort", writes=True, check=False)
            raise ApplyError(f"git revert of {fix.commit[:10]} failed (later commits change the same lines)",
                             f"resolve it by hand with `git -C {self.worktree} revert`") from exc


class WorktreeApplier(Applier):
    """--no-git: write the work tree, keep the originals in .modernize/review/<session>/ for undo."""

    def __init__(self, root: str | Path, session: str, test_cmd: str | None = None, test_timeout: float = 600.0) -> None:
        super().__init__(root, test_cmd, test_timeout)
        self.backups = self.root / BACKUP_DIR / session

    def _check_backups(self) -> None:
        """The backup folder must be a real folder of the tree: a ``.modernize`` (or ``review``) that
        is a link, perhaps to somewhere outside, would have the originals copied there."""
        here = self.root
        for part in Path(BACKUP_DIR).parts + (self.backups.name,):
            here = here / part
            if here.is_symlink() or (here.exists() and not here.is_dir()):
                raise ApplyError(f"{here}: is a link or not a folder; the backups for undo are not written through it",
                                 f"remove {here.relative_to(self.root).as_posix()} (modernize creates it), or review without --no-git")

    def apply(self, ref: FindingRef, proposal: Proposal) -> AppliedFix:
        self._check_backups()
        n = 1
        while (self.backups / str(n)).exists():
            n += 1
        slot = self.backups / str(n)
        rels = sorted({e.file for e in proposal.edits})
        for rel in rels:
            src = safe_path(self.root, rel)
            dest = slot / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
        try:
            changes, files = self._write(ref, proposal)
        except Exception:
            shutil.rmtree(slot, ignore_errors=True)
            raise
        return self._finish(ref, changes, files, backup=slot.relative_to(self.root).as_posix())

    def revert(self, fix: AppliedFix) -> None:
        if fix.backup is None:
            raise ApplyError("this fix has no backup to restore")
        self._check_backups()
        slot = self.root / fix.backup
        changed = [p for p in fix.files if hashlib.sha256(safe_path(self.root, p).read_bytes()).hexdigest() != fix.written.get(p)]
        if changed:
            raise ApplyError(f"{', '.join(changed)} changed since the fix was applied; undo would lose those changes",
                             f"the original is in {fix.backup}/; restore it by hand")
        for p in fix.files:
            if not (slot / p).exists():
                raise ApplyError(f"the backup of {p} is missing from {fix.backup}")
        for p in fix.files:
            shutil.copy2(slot / p, safe_path(self.root, p))
        shutil.rmtree(slot, ignore_errors=True)

