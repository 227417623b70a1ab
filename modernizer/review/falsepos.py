"""False positives: where the review records them, and how undo takes them back.

git mode (the default): the suppressions file is changed in the review's own worktree and
committed on the review branch, one commit per false positive, next to the fixes. The user's work
tree, index and HEAD never change (the session says so), and merging the branch takes fixes and
false positives together. Undo drops that commit when it is the branch's last (the file goes back
to what it was, or is gone when the commit created it), else reverts it.

--no-git: the user asked for the work tree to be written, so the file is written there; undo puts
back the entry the mark replaced, or removes the file altogether when the session created it (an
empty, header-only file is not left behind).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from modernizer.errors import InputError
from modernizer.fs import write_atomic
from modernizer.findings.redact import SecretIndex, redact
from modernizer.review.apply import ApplyError, GitApplier, TextFile, safe_path
from modernizer.review.state import FindingRef
from modernizer.repo.safegit import GitFailed
from modernizer.findings.suppressions import FILENAME, Suppression, add_suppression, dumps, load_suppressions


class Recorded(BaseModel):
    """What marking a false positive did, for the session's state and its undo."""

    previous: Suppression | None = None
    created: bool = False
    commit: str | None = None
    base_ref: str | None = None
    base_commit: str | None = None


def suppress(root: str | Path, sup: Suppression, known: SecretIndex | None = None) -> Suppression | None:
    """Add (or replace) the entry for this fingerprint; returns the entry it replaced, for undo.
    ``known``: the code's secret values (review/secrets.py), as the report is redacted with; the
    finding's own file is read for its values too, so none of them reaches the file by any field."""
    previous = next((s for s in load_suppressions(root) if s.fingerprint == sup.fingerprint), None)
    values = list(known.values) if known else []
    try:
        if sup.file:
            values += SecretIndex.from_texts([TextFile(Path(root), sup.file).text]).values
    except InputError:
        pass
    add_suppression(root, sup, SecretIndex(values))
    return previous


def unsuppress(root: str | Path, fingerprint: str, previous: Suppression | None, created: bool = False) -> None:
    """Undo ``suppress``: put back the entry it replaced, or drop it; the file goes when the mark
    created it and nothing else is left in it."""
    if previous is not None:
        add_suppression(root, previous)
        return
    path = safe_path(Path(root), FILENAME)
    current = load_suppressions(root)
    kept = [s for s in current if s.fingerprint != fingerprint]
    if created and not kept:
        path.unlink(missing_ok=True)
        return
    if len(kept) != len(current):
        write_atomic(path, dumps(kept))


def record_in_tree(root: Path, sup: Suppression, known: SecretIndex) -> Recorded:
    """--no-git: the file in the work tree."""
    created = not safe_path(root, FILENAME).exists()
    return Recorded(previous=suppress(root, sup, known), created=created)


def record_on_branch(app: GitApplier, ref: FindingRef, sup: Suppression, reason: str, known: SecretIndex) -> Recorded:
    """git mode: a commit of the suppressions file on the review branch, in the review worktree."""
    opened = app.open()
    app._on_branch()
    path = app._git_path(FILENAME)
    if app.git.changed(path):
        raise ApplyError(f"{FILENAME} has uncommitted changes in the review worktree {app.worktree}; the false positive "
                         "must be a commit of its own", f"commit or discard them there (`git -C {app.worktree} status`)")
    target = safe_path(app.root, FILENAME)
    created = not target.exists()
    before = None if created else target.read_bytes()
    previous = suppress(app.root, sup, known)
    msg = (f"Mark {ref.id} as a false positive: {redact(ref.title, known=known)}\n\n{redact(reason, known=known).strip()}\n\n"
           f"{ref.severity} {ref.category}{' ' + ref.cwe if ref.cwe else ''} in {ref.file}\n"
           f"Finding fingerprint: {ref.fingerprint}\nDecided by: {sup.owner} (modernize review)\n")
    try:
        app.git.run("add", "--", path, writes=True)
        app.git.run("commit", "-q", "--no-verify", "-m", msg, "--only", "--", path, writes=True)
    except GitFailed as exc:
        app.git.run("reset", "-q", "--", path, writes=True, check=False)
        if before is None:
            target.unlink(missing_ok=True)
        else:
            write_atomic(target, before)
        raise ApplyError(f"git commit failed: {exc.message[:300]}", f"check `git -C {app.worktree} status`") from exc
    return Recorded(previous=previous, created=created, commit=app._head(), base_ref=opened.base_ref, base_commit=opened.base_commit)


def undo_on_branch(app: GitApplier, commit: str) -> None:
    """Drop the false positive's commit (the branch's last) or revert it (fixes came after)."""
    app.open()
    app._on_branch()
    path = app._git_path(FILENAME)
    if app.git.changed(path):
        raise ApplyError(f"{FILENAME} has uncommitted changes in the review worktree; undo would mix them with the revert",
                         f"commit or discard them there (`git -C {app.worktree} status`)")
    if app._head() != commit:
        try:
            app.git.run("revert", "--no-edit", commit, writes=True)
        except GitFailed as exc:
            app.git.run("revert", "--abort", writes=True, check=False)
            raise ApplyError(f"git revert of {commit[:10]} failed", f"resolve it by hand with `git -C {app.worktree} revert`") from exc
        return
    app.git.run("reset", "-q", "--soft", "HEAD~1", writes=True)
    if app.git.ok("cat-file", "-e", f"HEAD:{path}"):
        app.git.run("checkout", "HEAD", "--", path, writes=True)
    else:  # the commit created the file: gone from the index and the worktree alike
        app.git.run("rm", "-q", "--cached", "--", path, writes=True)
        safe_path(app.root, FILENAME).unlink(missing_ok=True)
