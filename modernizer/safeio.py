"""The one reader for files of the analysed tree and its ``.git``: regular files only, bounded, never blocking.

The analysed repository is untrusted, and so is everything that names a file in it (a crafted git
index can list ``../../etc/passwd``, or ``etc/passwd`` under a tracked link ``etc -> /etc``). A
check by path followed by an open by path can also be raced: a file vetted as regular can be a
link to ``/etc/shadow``, a FIFO or ``/dev/zero`` by the time it is opened. So every read here

- opens with ``O_NOFOLLOW | O_NONBLOCK``: a link is refused, a FIFO opens without waiting for a
  writer (and is then refused), a terminal never becomes ours (``O_NOCTTY``);
- for a path inside the tree, walks it folder by folder from the tree's own descriptor, each
  folder opened with ``O_NOFOLLOW | O_DIRECTORY``, and refuses ``..`` and absolute paths: nothing
  reached that way is outside the tree, whatever is swapped in meanwhile;
- checks the *opened descriptor* (``fstat``) is a regular file, and reads at most the cap from it,
  so a file that grows after its size was seen is still refused, not read whole.

What it refuses comes back as ``Refused`` with a reason from the report's vocabulary of skipped
files (snapshot.SkipReason) and a detail a person understands.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath

SMALL_FILE_BYTES = 1 << 20  # control files (.modernizeignore, suppressions, .git/HEAD...): far below this

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_HAS_DIR_FD = os.open in os.supports_dir_fd
_DIR_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


class Refused(Exception):
    """A file that is not read: ``reason`` is a snapshot.SkipReason, ``detail`` says why in words."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


def _read_fd(fd: int, max_bytes: int) -> bytes:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise Refused("not-regular-file", _kind(st.st_mode))
    if st.st_size > max_bytes:
        raise Refused("too-large", f"{st.st_size} bytes > cap {max_bytes}")
    chunks, got = [], 0
    while got <= max_bytes:
        chunk = os.read(fd, min(1 << 20, max_bytes + 1 - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    if got > max_bytes:
        raise Refused("too-large", f"grew past the cap of {max_bytes} bytes while it was read")
    return b"".join(chunks)


def _open_refusal(exc: OSError, what: str) -> Refused:
    if exc.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW on a link (EMLINK on some BSDs)
        return Refused("not-regular-file", f"{what} is a symbolic link (not followed)")
    if exc.errno == errno.ENAMETOOLONG:
        return Refused("unreadable", "its path is longer than the system allows (PATH_MAX)")
    return Refused("unreadable", exc.strerror or str(exc))


def read_regular(path: str | Path, max_bytes: int = SMALL_FILE_BYTES) -> bytes:
    """A file at a fixed place (``.git/HEAD``, ``.git/info/exclude``): its last component is never
    followed. ``FileNotFoundError`` when absent (callers treat that as "none"); ``Refused`` otherwise."""
    return _open_and_read(path, max_bytes)


def _open_and_read(path: str | Path, max_bytes: int, dir_fd: int | None = None) -> bytes:
    """Open without following a last-component link or blocking, then read at most ``max_bytes``
    from the descriptor (``_read_fd`` checks it is a regular file)."""
    try:
        fd = os.open(path, _FILE_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _open_refusal(exc, "it") from exc
    try:
        return _read_fd(fd, max_bytes)
    finally:
        os.close(fd)


def parts_of(rel: str) -> tuple[str, ...]:
    """``rel``'s components, or Refused when it is absolute, empty or climbs out with ``..``."""
    p = PurePosixPath(rel)
    if p.is_absolute() or not p.parts or ".." in p.parts or "\0" in rel:
        raise Refused("outside-repo", "the path leaves the repository (absolute or with '..')")
    return tuple(x for x in p.parts if x != ".")


class TreeReader:
    """Reads files of one tree by relative path, folder by folder from the tree's own descriptor,
    no link followed. Keeps the last folder open, since files come sorted (a folder's files together).
    Use as a context manager."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._root_fd: int | None = None
        self._last: tuple[tuple[str, ...], int] | None = None

    def __enter__(self) -> "TreeReader":
        if not _HAS_DIR_FD:
            return self
        self._root_fd = os.open(self.root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
        return self

    def __exit__(self, *exc: object) -> None:
        self._forget()
        if self._root_fd is not None:
            os.close(self._root_fd)
            self._root_fd = None

    def _forget(self) -> None:
        if self._last is not None:
            os.close(self._last[1])
            self._last = None

    def _folder(self, dirs: tuple[str, ...]) -> int:
        assert self._root_fd is not None, "TreeReader used outside its `with` block"
        if not dirs:
            return self._root_fd
        if self._last is not None and self._last[0] == dirs:
            return self._last[1]
        self._forget()
        fd = self._root_fd
        for i, name in enumerate(dirs):
            try:
                nfd = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if fd != self._root_fd:
                    os.close(fd)
                raise self._folder_refusal(dirs[: i + 1], exc) from exc
            if fd != self._root_fd:
                os.close(fd)
            fd = nfd
        self._last = (dirs, fd)
        return fd

    def _folder_refusal(self, dirs: tuple[str, ...], exc: OSError) -> Refused:
        here = self.root.joinpath(*dirs)
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK) and here.is_symlink():
            real = Path(os.path.realpath(here))
            shown = "/".join(dirs)
            if not real.is_relative_to(os.path.realpath(self.root)):
                return Refused("symlink-outside-repo", f"reached through {shown}, a link out of the repository")
            return Refused("not-regular-file", f"reached through {shown}, a link to a folder (its files are read where they are)")
        return _open_refusal(exc, "a folder on its path")

    def read(self, rel: str, max_bytes: int) -> bytes:
        """The bytes of ``rel`` (a regular file of the tree, at most ``max_bytes``); ``Refused`` otherwise,
        ``FileNotFoundError`` when it is gone."""
        parts = parts_of(rel)
        if not _HAS_DIR_FD:
            return self._read_by_path(parts, max_bytes)
        return _open_and_read(parts[-1], max_bytes, dir_fd=self._folder(parts[:-1]))


    def _read_by_path(self, parts: tuple[str, ...], max_bytes: int) -> bytes:
        """Where the system opens no file relative to a folder's descriptor (Windows): no link on the
        path, checked just before the open, and the opened descriptor still checked and bounded."""
        full = self.root.joinpath(*parts)
        for i in range(1, len(parts) + 1):
            here = self.root.joinpath(*parts[:i])
            if here.is_symlink():
                raise Refused("not-regular-file", f"{'/'.join(parts[:i])} is a symbolic link (not followed)")
        return read_regular(full, max_bytes)


def read_in_tree(root: str | Path, rel: str, max_bytes: int = SMALL_FILE_BYTES) -> bytes:
    """One file of the tree (see TreeReader.read)."""
    with TreeReader(root) as reader:
        return reader.read(rel, max_bytes)


def special_files(root: str | Path, names: frozenset[str], skip_dirs: frozenset[str] = frozenset({".git"})) -> list[str]:
    """Relative paths under ``root`` of entries called one of ``names`` that are FIFOs, devices or
    sockets: files a program that opens them plainly (git, for .gitignore) would block on or read
    without end. Links are not followed; the folder type comes from the directory entry, no stat."""
    found: list[str] = []
    stack = [Path(root)]
    while stack:
        here = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:
            continue
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    if e.name not in skip_dirs:
                        stack.append(Path(e.path))
                elif e.name in names and not e.is_file(follow_symlinks=False) and not e.is_symlink():
                    found.append(Path(e.path).relative_to(root).as_posix())
            except OSError:
                continue
    return sorted(found)
