"""Where modernizer keeps its own files: per user, outside every analysed repository.

The analysed tree is untrusted and must not change because it was analysed, so the result cache
(and reports, when the default output folder would fall inside the tree) live in the platform's
per-user folders (platformdirs: XDG on Linux, ~/Library on macOS, %LOCALAPPDATA% on Windows).
``$MODERNIZE_CACHE_HOME`` and ``$MODERNIZE_DATA_HOME`` move them (CI runners, tests).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import platformdirs

APP = "modernizer"


def cache_home() -> Path:
    env = os.environ.get("MODERNIZE_CACHE_HOME")
    return Path(env).expanduser() if env else platformdirs.user_cache_path(APP)


def data_home() -> Path:
    env = os.environ.get("MODERNIZE_DATA_HOME")
    return Path(env).expanduser() if env else platformdirs.user_data_path(APP)


def repo_key(root: str | Path) -> str:
    """A folder name for one analysed repository: its name (readable) plus a hash of its real path
    (unique). Two clones are two keys; the cache entries themselves are keyed by content anyway."""
    real = os.path.realpath(root)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(real).name)[:40] or "root"
    return f"{name}-{hashlib.sha256(os.fsencode(real)).hexdigest()[:16]}"


def inside(path: str | Path, root: str | Path) -> bool:
    """Whether ``path`` is ``root`` or lies under it, links resolved."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def private_dir(path: str | Path) -> Path:
    """``path`` created (with its missing parents) readable by this user only (0700), and made so if
    it exists: the caches hold model answers that quote the analysed code, secrets included. The
    per-user cache folder above it is made 0700 too."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    home = cache_home()
    for d in (path, *path.parents):
        if d != path and not (d == home or d.is_relative_to(home)):
            break
        try:
            if d.stat().st_mode & 0o077 and d.stat().st_uid == os.getuid():
                os.chmod(d, 0o700)
        except OSError:
            pass
        if d == home:
            break
    return path
