"""The only way modernizer runs git on an analysed repository: with none of that repository's config.

The analysed repository is untrusted input. Its ``.git/config`` can name programs that git runs
on its own (``core.fsmonitor``, ``filter.<x>.clean``/``smudge``/``process``, ``diff.<x>.textconv``,
``diff.external``, ``core.sshCommand``, ``core.pager``, ``credential.helper``, ``gpg.program`` with
``commit.gpgSign``, ``uploadpack.packObjectsHook``, ``include.path`` of more such config), its hooks
run on commit and checkout, and its submodules bring config of their own. Overriding those keys
one by one with ``-c`` can miss one, so git never reads that config at all:

every call runs against a *shadow git directory*, a private temporary directory holding

- ``config``: ours, written from nothing (no hooks, no fsmonitor, no filters or drivers, no
  submodule recursion, no network protocols), plus an allowlist of plain values copied from the
  repository's config after validation (object format, case and line-ending settings);
- ``HEAD`` and ``info/exclude``: copies of the repository's (data, checked before use);
- ``refs``, ``packed-refs``, ``shallow`` and ``objects``: links to the repository's own, so reads
  see its history and the review's commits land in it.

The environment is built from nothing too: ``PATH``, a private ``HOME``, no system or global git
config (only ``safe.directory=*``, since ownership checks guard against exactly the config we never
read), ``GIT_OPTIONAL_LOCKS=0`` so reads never rewrite the index, and explicit ``GIT_DIR``,
``GIT_WORK_TREE``, ``GIT_INDEX_FILE``. ``.gitattributes`` in the tree can still name a filter or
diff driver, but a driver that is not defined in config is a no-op. When a command moves HEAD (the
review's branch checkout), the new HEAD is copied back to the repository.

gitpython is not used for analysed repositories: it runs git with the caller's environment merged
in and the repository's own config read, and offers no way around either.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from pydantic import BaseModel

from modernizer.errors import InputError
from modernizer.fs import write_atomic
from modernizer.safeio import Refused, read_regular

GIT_TIMEOUT_S = 300.0
_MAX_SMALL_FILE = 1 << 20
_HEAD = re.compile(r"^(ref: refs/[^\s]+|[0-9a-f]{40}|[0-9a-f]{64})\n?$")

# Plain values copied from the repository's config when they validate: they change how files are
# compared, never what runs. Everything else in that file is ignored.
_ALLOWED_VALUES: dict[str, re.Pattern[str]] = {
    "extensions.objectformat": re.compile(r"^(sha1|sha256)$"),
    "core.ignorecase": re.compile(r"^(true|false)$", re.I),
    "core.precomposeunicode": re.compile(r"^(true|false)$", re.I),
    "core.filemode": re.compile(r"^(true|false)$", re.I),
    "core.symlinks": re.compile(r"^(true|false)$", re.I),
    "core.autocrlf": re.compile(r"^(true|false|input)$", re.I),
    "core.eol": re.compile(r"^(lf|crlf|native)$", re.I),
}

_OUR_CONFIG = """\
# Written by modernizer: the analysed repository's own config is never read.
[core]
\trepositoryformatversion = {version}
\tbare = false
\thooksPath = {no_hooks}
\tfsmonitor = false
\tuntrackedCache = false
\tlogAllRefUpdates = false
\tpager = cat
\tquotePath = false
{copied}[gc]
\tauto = 0
[maintenance]
\tauto = false
[diff]
\tignoreSubmodules = all
[status]
\tsubmoduleSummary = false
[submodule]
\trecurse = false
[protocol]
\tallow = never
[commit]
\tgpgSign = false
[tag]
\tgpgSign = false
[advice]
\tdetachedHead = false
{extensions}"""


class GitFailed(InputError):
    """A git command on the analysed repository failed; the message carries git's own words."""


class GitInputRefused(GitFailed):
    """A file git would open plainly (index, refs) is a FIFO, device or link: git is not run at all."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: not a regular file", "the repository is read as a plain directory")
        self.path = path


class Repository(BaseModel):
    """A git work tree as found on disk, before anything in it is trusted."""

    top: Path
    gitdir: Path
    common: Path


def find_repository(path: Path) -> Repository | None:
    """The git work tree that holds ``path`` (searching upwards), or None.

    A ``.git`` file (linked worktree, submodule) is followed only where git itself would create
    one: into the work tree's own folder, into an enclosing folder's ``.git`` (a submodule), or
    to a linked worktree's directory that points back at this ``.git`` file. A repository cannot
    send us into some other repository on the analyst's disk."""
    here = path.resolve()
    for top in (here, *here.parents):
        dotgit = top / ".git"
        try:
            if dotgit.is_symlink():
                return None
            if dotgit.is_dir():
                gitdir = dotgit
            elif dotgit.is_file():
                gitdir = _follow_gitfile(top, dotgit)
                if gitdir is None:
                    return None
            else:
                continue
        except OSError:
            return None
        common = _common_dir(gitdir)
        if common is None or not (common / "objects").is_dir() or not (gitdir / "HEAD").is_file():
            return None
        return Repository(top=top, gitdir=gitdir, common=common)
    return None


def _read_small(path: Path) -> str | None:
    """A small git control file (HEAD, commondir, a .git file), through safeio: a link, FIFO or
    device there is never followed nor waited on; None when absent or refused."""
    try:
        return read_regular(path, _MAX_SMALL_FILE).decode("utf-8", "replace")
    except (OSError, Refused):
        return None


def _vet_git_inputs(repo: "Repository") -> None:
    """GitFailed (the tree is then read as a plain directory) when a file git itself will open is
    not a regular file: git opens the index, packed-refs, shallow and refs without O_NONBLOCK, so a
    FIFO there would hang it until the timeout, and /dev/zero would feed it without end."""
    for path in (repo.gitdir / "index", repo.common / "packed-refs", repo.common / "shallow"):
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise GitFailed(f"{path}: cannot be checked ({exc.strerror})") from exc
        if not stat.S_ISREG(mode):
            raise GitInputRefused(path)
    # refs, and the object store's packs, indexes, alternates and commit graphs (loose objects, one
    # file each and possibly hundreds of thousands, are not checked: a FIFO there still meets the timeout)
    for folder in (repo.common / "refs", repo.common / "objects" / "info", repo.common / "objects" / "pack"):
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
            for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                mode = os.lstat(os.path.join(dirpath, name)).st_mode
                if not stat.S_ISREG(mode):
                    raise GitInputRefused(Path(dirpath) / name)


def _follow_gitfile(top: Path, dotgit: Path) -> Path | None:
    text = _read_small(dotgit)
    if not text or not text.startswith("gitdir:"):
        return None
    target = (top / text[len("gitdir:"):].strip()).resolve()
    if not target.is_dir():
        return None
    if target.is_relative_to(top):
        return target
    if any(target.is_relative_to(p / ".git") for p in top.parents):
        return target  # a submodule's git directory inside its superproject's .git/modules
    back = _read_small(target / "gitdir")
    if back and Path(back.strip()).resolve() == dotgit.resolve():
        return target  # a linked worktree's directory, which names this .git file
    return None


def _common_dir(gitdir: Path) -> Path | None:
    if not os.path.lexists(gitdir / "commondir"):
        return gitdir
    text = _read_small(gitdir / "commondir")  # a FIFO or link there: not a repository we read with git
    if text is None:
        return None
    common = (gitdir / text.strip()).resolve()
    return common if common.is_dir() else None


class Identity(BaseModel):
    name: str = "modernize review"
    email: str = "modernize@localhost"


def user_identity() -> Identity:
    """The analyst's own name and e-mail from their global git config (never the repository's)."""
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": os.path.expanduser("~"), "GIT_DIR": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}
    if "XDG_CONFIG_HOME" in os.environ:
        env["XDG_CONFIG_HOME"] = os.environ["XDG_CONFIG_HOME"]
    found = {}
    for key in ("name", "email"):
        try:
            done = subprocess.run(["git", "config", "--global", "--no-includes", "--get", f"user.{key}"], env=env,
                                  cwd=tempfile.gettempdir(), capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        value = done.stdout.decode("utf-8", "replace").strip()
        if done.returncode == 0 and value and "\n" not in value:
            found[key] = value[:200]
    return Identity(**found)


class SafeGit:
    """git on one untrusted repository, through a shadow git directory (see the module docstring).

    Use as a context manager; the shadow directory is removed on exit."""

    def __init__(self, repo: Repository, identity: Identity | None = None, timeout: float = GIT_TIMEOUT_S) -> None:
        self.repo = repo
        self.identity = identity or Identity()
        self.timeout = timeout
        self.shadow: Path | None = None
        self._head = ""

    # -- the shadow directory ---------------------------------------------------------------
    def __enter__(self) -> "SafeGit":
        self.shadow = Path(tempfile.mkdtemp(prefix="modernize-git-"))
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.shadow is not None:
            shutil.rmtree(self.shadow, ignore_errors=True)
            self.shadow = None

    def _build(self) -> None:
        s, repo = self.shadow, self.repo
        assert s is not None
        _vet_git_inputs(repo)
        (s / "home").mkdir()
        (s / "no-hooks").mkdir()
        (s / "info").mkdir()
        (s / "home" / "gitconfig").write_text("[safe]\n\tdirectory = *\n", encoding="utf-8")
        copied, ext = self._allowed_config()
        fmt = ext.get("extensions.objectformat", "sha1")
        (s / "config").write_text(_OUR_CONFIG.format(
            version=1 if fmt != "sha1" else 0, no_hooks=s / "no-hooks",
            copied="".join(f"\t{k.split('.', 1)[1]} = {v}\n" for k, v in copied.items()),
            extensions=f"[extensions]\n\tobjectFormat = {fmt}\n" if fmt != "sha1" else ""), encoding="utf-8")
        exclude = _read_small(repo.common / "info" / "exclude")
        (s / "info" / "exclude").write_text(exclude or "", encoding="utf-8")
        for name in ("refs", "objects", "packed-refs", "shallow"):
            real = repo.common / name
            if real.exists():
                (s / name).symlink_to(real)
        self._pull_head()

    def _allowed_config(self) -> tuple[dict[str, str], dict[str, str]]:
        """(core.* values, extensions.* values) from the repository's config that pass the allowlist.
        Read by ``git config --file --no-includes``, which only parses the file."""
        try:
            data = read_regular(self.repo.common / "config", _MAX_SMALL_FILE)
        except (OSError, Refused):
            return {}, {}
        assert self.shadow is not None
        path = self.shadow / "their-config"  # a copy: git reads no file of theirs that could block or never end
        path.write_bytes(data)
        try:
            done = subprocess.run(["git", "config", "--file", str(path), "--no-includes", "-z", "--list"],
                                  env=self._env(read_only=True, with_repo=False), cwd=self.shadow,
                                  capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return {}, {}
        core, ext = {}, {}
        for entry in done.stdout.split(b"\0"):
            key, _, value = entry.decode("utf-8", "replace").partition("\n")
            key = key.lower()
            pattern = _ALLOWED_VALUES.get(key)
            if pattern is not None and pattern.match(value):
                (ext if key.startswith("extensions.") else core)[key] = value.lower()
        return core, ext

    def _pull_head(self) -> None:
        text = _read_small(self.repo.gitdir / "HEAD") or ""
        if not _HEAD.match(text):
            raise GitFailed(f"{self.repo.gitdir / 'HEAD'}: not a git HEAD file", "the repository is damaged; it is read as a plain directory")
        assert self.shadow is not None
        if text != self._head:
            (self.shadow / "HEAD").write_text(text, encoding="utf-8")
            self._head = text

    def _push_head(self) -> None:
        """A command that moved HEAD (checkout -b) moved the shadow's: carry it to the repository."""
        assert self.shadow is not None
        text = (self.shadow / "HEAD").read_text(encoding="utf-8")
        if text != self._head and _HEAD.match(text):
            write_atomic(self.repo.gitdir / "HEAD", text)
            self._head = text

    # -- running git ------------------------------------------------------------------------
    def _env(self, read_only: bool, with_repo: bool = True) -> dict[str, str]:
        assert self.shadow is not None
        home = str(self.shadow / "home")
        env = {
            "PATH": os.environ.get("PATH", os.defpath), "HOME": home, "XDG_CONFIG_HOME": home, "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_SYSTEM": os.devnull, "GIT_CONFIG_GLOBAL": str(self.shadow / "home" / "gitconfig"),
            "GIT_ATTR_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_NO_REPLACE_OBJECTS": "1", "GIT_PAGER": "cat",
            "PAGER": "cat", "GIT_EDITOR": "true", "GIT_SEQUENCE_EDITOR": "true", "GIT_PROTOCOL_FROM_USER": "0",
            "GIT_AUTHOR_NAME": self.identity.name, "GIT_AUTHOR_EMAIL": self.identity.email,
            "GIT_COMMITTER_NAME": self.identity.name, "GIT_COMMITTER_EMAIL": self.identity.email,
        }
        if "TMPDIR" in os.environ:
            env["TMPDIR"] = os.environ["TMPDIR"]
        if read_only:
            env["GIT_OPTIONAL_LOCKS"] = "0"
        if with_repo:
            env.update(GIT_DIR=str(self.shadow), GIT_WORK_TREE=str(self.repo.top),
                       GIT_INDEX_FILE=str(self.repo.gitdir / "index"), GIT_OBJECT_DIRECTORY=str(self.repo.common / "objects"))
        else:
            env["GIT_DIR"] = os.devnull
        return env

    def run(self, *args: str, writes: bool = False, check: bool = True) -> bytes:
        """``git ARGS`` in the work tree; stdout as bytes. ``writes``: the command may change the
        index, refs or HEAD (review only); otherwise git is told not to rewrite anything."""
        if self.shadow is None:
            raise RuntimeError("SafeGit used outside its `with` block")
        self._pull_head()  # the user may have switched branches since the last call
        try:
            done = subprocess.run(["git", *args], env=self._env(read_only=not writes), cwd=self.repo.top,
                                  stdin=subprocess.DEVNULL, capture_output=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise GitFailed(f"git {args[0]} took longer than {self.timeout:.0f}s", "is the repository on a slow or hung file system?") from exc
        except OSError as exc:
            raise GitFailed(f"cannot run git: {exc.strerror or exc}", "install git, or analyse the folder as a plain directory") from exc
        if writes:
            self._push_head()
        if check and done.returncode != 0:
            msg = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitFailed(f"git {args[0]} failed: {' '.join(msg[-3:])[:400] or f'exit {done.returncode}'}")
        return done.stdout

    def ok(self, *args: str) -> bool:
        """Whether ``git ARGS`` exits 0 (for questions git answers with its exit code)."""
        try:
            self.run(*args, check=True)
            return True
        except GitFailed:
            return False

    # -- the questions ingest and review ask ------------------------------------------------
    def head_commit(self) -> str | None:
        out = self.run("rev-parse", "--verify", "-q", "HEAD^{commit}", check=False).decode().strip()
        return out or None

    def branch(self) -> str | None:
        out = self.run("symbolic-ref", "-q", "--short", "HEAD", check=False).decode("utf-8", "replace").strip()
        return out or None

    def paths(self, *args: str) -> list[str]:
        """NUL-separated path output of ``git ARGS -z``, decoded as the file system names them."""
        return [os.fsdecode(p) for p in self.run(*args).split(b"\0") if p]

    def changed(self, *pathspec: str, untracked: bool = True) -> list[str]:
        """Paths that differ from HEAD (porcelain status); submodules are never entered."""
        out = self.run("status", "--porcelain", "-z", "--ignore-submodules=all",
                       f"--untracked-files={'normal' if untracked else 'no'}", "--", *pathspec)
        entries = out.split(b"\0")
        changed, i = [], 0
        while i < len(entries):
            e = entries[i]
            if len(e) > 3:
                changed.append(os.fsdecode(e[3:]))
                if e[:1] in (b"R", b"C"):
                    i += 1  # a rename carries its source path in the next entry
            i += 1
        return changed
