"""Reads a directory or git work tree into a Snapshot, never failing on one bad file.

This is one of the two I/O edges of the tool. Every file it does not take is recorded with its
reason, so the report can say exactly what was analysed and what was not.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import re
import stat
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, Field

from modernizer.defaults import DEFAULT_MAX_FILE_BYTES
from modernizer.errors import InputError
from modernizer.repo.lang.registry import detect
from modernizer.repo.languages import (
    BINARY_EXTENSIONS,
    EXCLUDED_DIRS,
    GENERATED_MARKERS,
    LOCKFILES,
    is_minified_name,
)
from modernizer.repo import derivedcache, treeroles
from modernizer.repo.roles import ANALYSED, role_of
from modernizer.repo.safegit import GitFailed, GitInputRefused, SafeGit, find_repository
from modernizer.safeio import Refused, TreeReader, parts_of, read_in_tree, special_files
from modernizer.repo.snapshot import GitInfo, SetAside, SkippedFile, Snapshot, SourceFile
from modernizer.repo.decode import _looks_binary, _looks_minified, decode  # decode: found here too

# modernizer's own files in an analysed tree: an older version's cache, review backups, the team's
# suppressions. They are neither analysed nor listed, so that analysing (or reviewing) a tree never
# changes what the next run of it sees.
TOOL_PATHS = (".modernize", "modernize-suppressions.toml")


class IngestOptions(BaseModel):
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    exclude: list[str] = Field(default_factory=list, description="extra glob patterns, matched on the relative path")
    use_git: bool = True
    hidden: list[str] = Field(default_factory=lambda: list(TOOL_PATHS),
                              description="relative paths of the tool's own files and folders (reports written into the tree): never read nor listed")
    roles: list[str] = Field(default_factory=lambda: sorted(ANALYSED),
                             description="the file roles analysed (roles.py); files of other roles are set aside and listed")


def check_root(path: str | Path) -> Path:
    """The tree to analyse, resolved, or an InputError a person understands: checked first, so that
    nothing about the run is said before a bad path is."""
    root = Path(path)
    if not root.exists():
        raise InputError(f"{path}: no such file or directory", "give the path of the repository to analyse")
    if not root.is_dir():
        raise InputError(f"{path}: not a directory", "modernize analyses a directory or a git work tree, not a single file")
    root = root.resolve()
    try:
        os.listdir(root)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the directory ({exc.strerror})", "check its permissions") from exc
    return root


def load_snapshot(path: str | Path, options: IngestOptions | None = None) -> Snapshot:
    """Load ``path`` (a directory, or a git work tree) into a Snapshot."""
    opts = options or IngestOptions()
    root = check_root(path)
    problems: list[SkippedFile] = []
    git_info, candidates, ignored = _git_listing(root, problems) if opts.use_git else (None, None, [])
    if candidates is None:
        candidates = _walk(root, problems)
    files: list[SourceFile] = []
    hidden = tuple(h.strip("/") for h in opts.hidden if h.strip("/"))
    skipped: list[SkippedFile] = problems + [SkippedFile(path=display_path(p), reason="gitignored") for p in ignored
                                             if not _is_hidden(p, hidden)]
    patterns, ignore_problem = read_ignore_file(root)
    if ignore_problem is not None:
        skipped.append(ignore_problem)  # listed once, with why its patterns do not apply
        hidden += (IGNORE_FILE,)
    opts = opts.model_copy(update={"exclude": opts.exclude + patterns})
    with TreeReader(root) as reader:
        for rel in sorted({c for c in candidates if not _is_hidden(c, hidden)}):
            result = _read_one(root, reader, rel, opts)
            shown = display_path(rel)
            if shown != rel:
                result.path = shown
                if isinstance(result, SourceFile):
                    result.decode_note = "; ".join(filter(None, [result.decode_note, "file name is not valid UTF-8: shown with \\x escapes"]))
            (files if isinstance(result, SourceFile) else skipped).append(result)
    skipped.sort(key=lambda s: s.path)
    why = settle_roles(files)
    keep = set(opts.roles)
    analysed = [f for f in files if f.role in keep]
    notes = []
    if not analysed and any(f.role == "test" for f in files):
        # A tree that is nothing but tests (a test suite, a benchmark of test cases) is the code under
        # analysis: setting it all aside would leave nothing, so analyse its tests and say so.
        keep |= {"test"}
        analysed = [f for f in files if f.role in keep]
        notes.append(f"Every readable file would have been set aside as a test or test data, so the {len(analysed)} test "
                     "files were analysed as the code under analysis (--include-role test does this explicitly).")
    aside = [SetAside(path=f.path, role=f.role, lines=f.lines, size_bytes=f.size_bytes, tokens=len(f.text) // 4, why=why.get(f.path, ""))
             for f in files if f.role not in keep]
    return Snapshot(root=display_path(str(root)), name=display_path(root.name), git=git_info, files=analysed, skipped=skipped,
                    set_aside=aside, notes=notes)


def settle_roles(files: list[SourceFile]) -> dict[str, str]:
    """Give each file its role: from its own path and text (roles.py), then what only the whole
    tree tells (treeroles.py: bundled libraries, fonts, icon sets, word lists, test helpers).
    An unchanged tree's roles are read back from the per-user cache (derivedcache.py). Returns
    why, for each file whose role the tree decided."""
    roles = derivedcache.cached_roles(files, lambda: decide_roles(files))
    for f in files:
        f.role = roles[f.path][0]
    return {path: why for path, (_, why) in roles.items() if why}


def decide_roles(files: list[SourceFile]) -> dict[str, tuple[str, str]]:
    for f in files:
        f.role = role_of(f.path, f.text, f.language)
    settled = treeroles.settle(files)
    return {f.path: settled.get(f.path, (f.role, "")) for f in files}


def _is_hidden(rel: str, hidden: tuple[str, ...]) -> bool:
    rel = rel.rstrip("/")
    # string work, not PurePosixPath: this runs for every file of a tree
    return any(rel == h or rel.startswith(h + "/") for h in hidden) or TOOL_PATHS[0] in rel.split("/")


IGNORE_FILE = ".modernizeignore"


def read_ignore_file(root: Path) -> tuple[list[str], SkippedFile | None]:
    """Glob patterns from the analysed repo's .modernizeignore: what its owners never want sent to a model
    (fixtures with answers, data dumps), one per line, # for comments, a trailing / for a directory.
    Read through safeio like every file of the tree: a link, FIFO or oversized file is not read, and
    comes back as the skipped entry that says so (its patterns do not apply)."""
    try:
        text = read_in_tree(root, IGNORE_FILE).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return [], None
    except Refused as no:
        return [], SkippedFile(path=IGNORE_FILE, reason=no.reason, detail=f"{no.detail}; its patterns are not applied")
    except OSError as exc:
        return [], SkippedFile(path=IGNORE_FILE, reason="unreadable", detail=f"{_why(exc)}; its patterns are not applied")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line.rstrip("/") + "/*" if line.endswith("/") else line)
    return out, None


def _git_listing(root: Path, problems: list[SkippedFile]) -> tuple[GitInfo | None, list[str] | None, list[str]]:
    """Tracked plus untracked-but-not-ignored files, when ``root`` is (inside) a git work tree.

    git runs through ``safegit``: none of the repository's own config, hooks or drivers apply."""
    repo = find_repository(root)
    if repo is None:
        return None, None, []
    top = repo.top.resolve()
    prefix = root.relative_to(top).as_posix() if root != top else ""
    if _blocks_git(top, root):
        return None, None, []  # git would open a FIFO or device there and wait: read as a plain directory
    try:
        with SafeGit(repo) as git:
            if prefix and git.ok("check-ignore", "-q", prefix + "/"):
                # The tree sits in an ignored folder of an enclosing repository (a vendored copy, a
                # download): that repository says nothing about it, so read it as a plain directory.
                return None, None, []
            return _listing(git, prefix, root)
    except GitInputRefused as no:
        shown = _rel(root, str(no.path))
        problems.append(SkippedFile(path=display_path(shown), reason="not-regular-file",
                                    detail="git would open it and wait or read without end: git was not used, the tree is read as a plain directory"))
        return None, None, []
    except GitFailed:
        return None, None, []


_GIT_READS = frozenset({".gitignore", ".gitattributes"})


def _blocks_git(top: Path, root: Path) -> bool:
    """Whether git, listing ``root``, would open a FIFO or device named .gitignore/.gitattributes
    (in ``root``'s tree, or a folder between it and the work tree's top)."""
    ancestors = [d for d in (root, *root.parents) if d.is_relative_to(top) and d != root]
    for d in ancestors:
        for name in _GIT_READS:
            try:
                mode = os.lstat(d / name).st_mode
            except OSError:
                continue
            if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
                return True
    return bool(special_files(root, _GIT_READS))


def _listing(git: SafeGit, prefix: str, root: Path) -> tuple[GitInfo, list[str], list[str]]:
    pathspec = [prefix] if prefix else []
    listed = git.paths("ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", *pathspec)
    ignored_raw = git.paths("ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z", "--", *pathspec)
    info = GitInfo(commit=git.head_commit(), branch=git.branch(), dirty=bool(git.changed(*pathspec)), prefix=prefix)

    def rel(p: str) -> str:
        return p[len(prefix) + 1:] if prefix else p

    paths = [rel(p) for p in listed]
    ignored = [rel(p).rstrip("/") for p in ignored_raw]
    # ls-files lists deleted-but-tracked files too; only what is on disk can be read.
    paths = [p for p in dict.fromkeys(paths) if os.path.lexists(root / p)]
    return info, paths, [p for p in ignored if PurePosixPath(p).parts[:1] and PurePosixPath(p).parts[0] not in EXCLUDED_DIRS]


def _walk(root: Path, problems: list[SkippedFile]) -> list[str]:
    """Every path under ``root``, links not followed. A folder that cannot be listed (permissions,
    a path longer than the system allows) goes to ``problems`` with its reason instead."""
    out: list[str] = []

    def unlisted(exc: OSError) -> None:
        rel = _rel(root, exc.filename) if exc.filename else "?"
        problems.append(SkippedFile(path=display_path(rel) + "/", reason="unreadable", detail=_why(exc)))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unlisted):
        # relative paths by string work, once per folder (Path objects per file cost a cold run seconds)
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        keep = []
        for d in dirnames:
            if d == TOOL_PATHS[0]:
                continue  # modernizer's own folder: never walked, never listed
            if d in EXCLUDED_DIRS:
                # Listed once as the directory: a .git or node_modules would otherwise flood the manifest.
                out.append(prefix + d + "/")
                continue
            try:
                link = stat.S_ISLNK(os.lstat(os.path.join(dirpath, d)).st_mode)
            except OSError as exc:
                problems.append(SkippedFile(path=display_path(prefix + d), reason="unreadable", detail=_why(exc)))
                continue
            if link:
                # Directory links are listed as files so they get a recorded verdict, never a walk.
                out.append(prefix + d)
            else:
                keep.append(d)
        dirnames[:] = sorted(keep)
        out.extend(prefix + f for f in filenames)
    return out


def _rel(root: Path, filename: str | bytes) -> str:
    try:
        return Path(os.fsdecode(filename)).relative_to(root).as_posix()
    except ValueError:
        return os.fsdecode(filename)


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "its path is longer than the system allows (PATH_MAX)"
    return exc.strerror or str(exc)


def display_path(rel: str) -> str:
    """A path as reports show it. File names that are not valid UTF-8 (legacy trees in latin-1 or
    cp1252) come from the file system with their odd bytes escaped as surrogates, which no JSON can
    carry: they are shown as ``\\xNN`` (``Caf\\xe9.java``), and ``disk_path`` turns that back."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return os.fsencode(rel).decode("utf-8", "backslashreplace")


_ESCAPE = re.compile(r"\\x([0-9a-f]{2})")


def disk_path(root: Path, shown: str) -> Path:
    """The file a report's path names: ``shown`` itself, or, for a name ``display_path`` escaped,
    the file system's own bytes again."""
    plain = root / shown
    if "\\x" not in shown or os.path.lexists(plain):
        return plain
    raw = bytearray()
    i = 0
    while i < len(shown):
        m = _ESCAPE.match(shown, i)
        if m:
            raw.append(int(m.group(1), 16))
            i = m.end()
        else:
            raw.extend(shown[i].encode("utf-8"))
            i += 1
    return root / os.fsdecode(bytes(raw))


def _excluded_reason(rel: str, opts: IngestOptions) -> SkippedFile | None:
    if rel.endswith("/"):
        return SkippedFile(path=rel, reason="excluded-dir", detail="vendored, build or tool directory")
    *dirs, name = rel.split("/")  # string work, not PurePosixPath: this runs for every file of a tree
    for part in dirs:
        if part in EXCLUDED_DIRS:
            return SkippedFile(path=rel, reason="excluded-dir", detail=part)
    for pattern in opts.exclude:
        if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(name, pattern):
            return SkippedFile(path=rel, reason="excluded-pattern", detail=pattern)
    if name == ".git":
        # a .git file (worktree, submodule, or one pointing anywhere): git's metadata, not code
        return SkippedFile(path=rel, reason="excluded-dir", detail="git metadata")
    if name in LOCKFILES:
        return SkippedFile(path=rel, reason="lockfile")
    suffix = os.path.splitext(name)[1]
    if suffix.lower() in BINARY_EXTENSIONS:
        return SkippedFile(path=rel, reason="binary", detail=f"{suffix} file")
    if is_minified_name(rel):
        return SkippedFile(path=rel, reason="minified")
    return None


def _read_one(root: Path, reader: TreeReader, rel: str, opts: IngestOptions) -> SourceFile | SkippedFile:
    try:
        parts_of(rel)  # a path from a crafted git index that leaves the tree: refused before any look at it
    except Refused as no:
        return SkippedFile(path=rel, reason=no.reason, detail=no.detail)
    verdict = _excluded_reason(rel, opts)
    if verdict:
        return verdict
    try:
        target = _link_target(root, rel)
    except Refused as no:
        return SkippedFile(path=rel, reason=no.reason, detail=no.detail)
    try:
        # opened by descriptor, folder by folder, no link followed, at most the cap read (safeio)
        data = reader.read(target, opts.max_file_bytes)
    except Refused as no:
        return SkippedFile(path=rel, reason=no.reason, detail=no.detail)
    except OSError as exc:
        return SkippedFile(path=rel, reason="unreadable", detail=_why(exc))
    if _looks_binary(data):
        return SkippedFile(path=rel, reason="binary", detail="contains NUL bytes or mostly non-text bytes")
    text, encoding, note = decode(data)
    if _looks_minified(text, rel):
        return SkippedFile(path=rel, reason="minified", detail="very long lines")
    head = text[:2000]
    if any(marker in head for marker in GENERATED_MARKERS):
        return SkippedFile(path=rel, reason="generated", detail="generated-file marker in its header")
    language = detect(rel, text)
    return SourceFile(
        path=rel, language=language, text=text,  # role: settle_roles, once the whole tree is read
        sha256=hashlib.sha256(data).hexdigest(),
        lines=text.count("\n") + (0 if text.endswith("\n") or not text else 1), size_bytes=len(data),
        encoding=encoding, decode_note=note,
    )


def _link_target(root: Path, rel: str) -> str:
    """The path to read for ``rel``: itself, or, for a link to a file inside the tree, the file it
    names (relative). The read itself follows no link, so a link swapped in later is refused there."""
    try:
        if not stat.S_ISLNK(os.lstat(os.path.join(root, rel)).st_mode):  # strings, not Path objects: once per file
            return rel
    except OSError as exc:
        raise Refused("unreadable", _why(exc)) from exc
    full = root / rel
    try:
        target = full.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise Refused("symlink-loop", "link is broken or loops") from exc
    if not target.is_relative_to(root):
        raise Refused("symlink-outside-repo", "points outside the repository")
    if target.is_dir():
        raise Refused("not-regular-file", "link to a directory inside the repository (its files are read where they are)")
    return target.relative_to(root).as_posix()
