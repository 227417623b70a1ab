"""The one way modernizer writes a file: atomically.

The new content goes to a temporary file beside the target, then replaces it in one rename, so a
crash, a kill or a full disk leaves either the old file or the new one, never half of either and
never a stray temporary file. The target's permission bits are kept.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, *, keep_mode: bool = True, private: bool = False) -> None:
    """``private``: the file is created 0600 (owner only) from its first byte, for caches that hold
    model answers and code, which can quote secrets."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.modernize-tmp")
    try:
        if private:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            os.chmod(tmp, 0o600)  # an older stray temporary file kept its mode through O_TRUNC
        elif isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        if keep_mode and not private:
            try:
                shutil.copymode(path, tmp)
            except OSError:
                pass  # a new file: the default mode
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
