"""The one way modernizer writes a file: atomically.

The new content goes to a temporary file beside the target, then replaces it in one rename, so a
crash, a kill or a full disk leaves either the old file or the new one, never half of either and
never a stray temporary file. The target's permission bits are kept.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, *, keep_mode: bool = True) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.modernize-tmp")
    try:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        if keep_mode:
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
