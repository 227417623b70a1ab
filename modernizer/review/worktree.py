"""The review's own git worktree: fixes are committed there, on the review branch, so the user's
HEAD, index and files never change. It is a real linked worktree: ``git worktree list`` shows it,
``git log main..<branch>`` shows its commits, ``git worktree remove <path>`` ends it.

Made by hand rather than by ``git worktree add``: every git call on the analysed repository goes
through safegit's shadow git directory (the repository is untrusted: no hooks, filters, fsmonitor
or config of its own may run), and ``worktree add`` run there would file the worktree's
administrative folder inside that temporary shadow. The layout is git's documented one
(gitrepository-layout(5), ``worktrees/<id>``): ``<common>/worktrees/<id>/{gitdir,commondir,HEAD}``
and a ``.git`` file in the worktree naming that folder. The files are then checked out with
``git reset --hard`` through a SafeGit opened on the worktree, so checkout, commits and undo there
run with the same neutralised config.

Where: the per-user data folder by default (``<data home>/review/<repo key>/<stamp>``). It is
always writable, never inside the analysed tree (which must not change because it was reviewed)
and never beside it (the parent folder may be shared, read-only or someone else's). The session
prints the path; ``--worktree`` puts it elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from modernizer.safeio import Refused, read_regular
from modernizer.errors import ModernizerError
from modernizer.fs import write_atomic
from modernizer.repo.safegit import GitFailed, Identity, Repository, SafeGit, find_repository
from modernizer.userdirs import data_home, inside, repo_key


class WorktreeError(ModernizerError):
    """The review worktree cannot be made or used; the message says why and what to do."""


def default_location(root: str | Path, branch: str) -> Path:
    """``<data home>/review/<repo key>/review-<stamp>``: per user, outside the analysed tree."""
    return data_home() / "review" / repo_key(root) / branch.rsplit("/", 1)[-1]


def check_location(path: Path, top: Path) -> None:
    """A worktree inside the user's work tree would show up there as an untracked folder."""
    if inside(path, top) or inside(top, path):
        raise WorktreeError(f"{path}: the review worktree cannot be inside the repository's work tree ({top}) or hold it",
                            "pass --worktree with a folder outside the repository")


def _checked_out_elsewhere(repo: Repository, branch: str, main_branch: str | None) -> str | None:
    """Where ``branch`` is checked out already (git allows one worktree per branch), or None."""
    if main_branch == branch:
        return str(repo.top)
    ref = f"ref: refs/heads/{branch}"
    admin = repo.common / "worktrees"
    for head in admin.glob("*/HEAD") if admin.is_dir() else []:
        try:  # .git's files through safeio: a FIFO or link planted there is refused, never waited on
            if read_regular(head).decode("utf-8", "replace").strip() == ref:
                gitdir = Path(read_regular(head.parent / "gitdir").decode("utf-8", "replace").strip())
                if gitdir.exists():  # else a stale entry, which `git worktree prune` drops
                    return str(gitdir.parent)
        except (OSError, Refused):
            continue
    return None


def _admin_dir(common: Path, name: str) -> Path:
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "review"
    n, candidate = 1, common / "worktrees" / base
    while candidate.exists():
        n += 1
        candidate = common / "worktrees" / f"{base}-{n}"
    return candidate


class Opened:
    """A worktree ready for commits: its SafeGit, and (when this call made the branch) its base."""

    def __init__(self, git: SafeGit, top: Path, base_ref: str | None, base_commit: str | None, created: bool) -> None:
        self.git, self.top, self.base_ref, self.base_commit, self.created = git, top, base_ref, base_commit, created


def open_worktree(main: SafeGit, path: Path, branch: str, identity: Identity) -> Opened:
    """The review worktree at ``path`` on ``branch``: reused when it is there (a resumed session),
    made otherwise, with the branch from the user's HEAD unless it exists already."""
    repo = main.repo
    path = Path(os.path.abspath(path))
    check_location(path, repo.top.resolve())
    found = find_repository(path) if (path / ".git").exists() else None
    if found is not None:
        if found.common.resolve() != repo.common.resolve() or found.top.resolve() != path.resolve():
            raise WorktreeError(f"{path} is a git work tree of another repository, not this review's worktree",
                                "pass --worktree with another folder, or --restart")
        git = SafeGit(found, identity=identity).__enter__()
        return Opened(git, path, *_base_of(main, branch), created=False)
    if path.exists() and any(path.iterdir()):
        raise WorktreeError(f"{path} exists and is not this review's worktree",
                            "remove it, or pass --worktree with an empty or new folder")
    head = main.head_commit()
    if head is None:
        raise WorktreeError(f"{repo.top}: the git repository has no commit yet", "commit the code first, or pass --no-git")
    user_branch = main.branch()
    made_branch = not main.ok("rev-parse", "--verify", "-q", f"refs/heads/{branch}")
    if made_branch:
        main.run("branch", "--no-track", branch, head, writes=True)
    else:
        where = _checked_out_elsewhere(repo, branch, user_branch)
        if where:
            raise WorktreeError(f"the review branch {branch} is checked out in {where}, so it cannot get a worktree of its own",
                                f"switch that work tree to another branch (`git -C {where} checkout -`), then resume")
    admin = _admin_dir(repo.common, path.name)
    made_path = not path.exists()
    try:
        admin.mkdir(parents=True)
        write_atomic(admin / "gitdir", f"{path / '.git'}\n")
        write_atomic(admin / "commondir", "../..\n")
        write_atomic(admin / "HEAD", f"ref: refs/heads/{branch}\n")
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path / ".git", f"gitdir: {admin}\n")
        found = find_repository(path)
        if found is None:
            raise WorktreeError(f"{path}: git does not see the new worktree", "pass --no-git to write your work tree instead")
        git = SafeGit(found, identity=identity).__enter__()
        try:
            git.run("reset", "-q", "--hard", "HEAD", writes=True)
        except BaseException:
            git.close()
            raise
    except (OSError, GitFailed) as exc:
        shutil.rmtree(admin, ignore_errors=True)
        if made_path:
            shutil.rmtree(path, ignore_errors=True)
        else:
            (path / ".git").unlink(missing_ok=True)
        if made_branch:
            main.run("branch", "-D", branch, writes=True, check=False)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else getattr(exc, "message", str(exc))
        raise WorktreeError(f"cannot make the review worktree at {path}: {why}",
                            "pass --worktree with a writable folder outside the repository, or --no-git") from exc
    if made_branch:
        return Opened(git, path, user_branch or head[:12], head, created=True)
    return Opened(git, path, *_base_of(main, branch), created=True)


def _base_of(main: SafeGit, branch: str) -> tuple[str | None, str | None]:
    """For a branch made earlier: the user's branch now and where the review branch left it."""
    out = main.run("merge-base", "HEAD", f"refs/heads/{branch}", check=False).decode().strip()
    if not out:
        return None, None
    return main.branch() or out[:12], out
