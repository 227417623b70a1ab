"""Finished agent results on disk, keyed by everything that determines them.

This is both the result cache and the checkpoint: each successful answer is written the moment
it is validated, atomically, so a run killed at any point loses nothing it finished, and the
next run (same tree, same agents, same model) takes those answers instead of asking again.

The key hashes the exact request (messages, schema, max_tokens, temperature, seed), the model id
and the report schema version. The messages hold the rendered code and the agent's template, so
a changed file or template changes exactly the keys that depend on it.

The cache never stops a run. A damaged entry (torn, not UTF-8, not our JSON, a folder where a
file should be) is a miss, counted; a disk that is full or read-only turns the cache off with a
warning and the run goes on without it. It lives outside the analysed repository (userdirs),
which could otherwise ship "answers" of its own.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from modernizer.fs import write_atomic
from modernizer.records import CacheStats
from modernizer.userdirs import cache_home, private_dir, repo_key

CACHE_VERSION = "1"
# errors that say the whole cache folder is unusable, not just one entry
_FATAL = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, getattr(errno, "EDQUOT", errno.ENOSPC)}


def request_key(model: str, body: dict[str, Any]) -> str:
    blob = json.dumps({"v": CACHE_VERSION, "model": model, "body": body}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def default_cache_dir(repo_root: str | Path) -> Path:
    """Per user, per analysed repository, never inside it."""
    return cache_home() / "results" / repo_key(repo_root)


class ResultCache:
    def __init__(self, directory: str | Path, warn=None) -> None:
        self.dir = Path(directory)
        self.stats = CacheStats(directory=str(self.dir))
        self._warn = warn or (lambda _m: None)

    @classmethod
    def open(cls, directory: str | Path, warn=None) -> "ResultCache":
        """The cache at ``directory``, created private to this user; a cache that cannot be created
        comes back disabled (with the reason), never as an error."""
        cache = cls(directory, warn)
        try:
            private_dir(cache.dir)
            probe = cache.dir / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            cache._disable(f"cannot write to {cache.dir} ({exc.strerror or exc})")
        return cache

    @property
    def enabled(self) -> bool:
        return self.stats.disabled is None

    def _disable(self, why: str) -> None:
        if self.stats.disabled is None:
            self.stats.disabled = why
            self._warn(f"result cache turned off: {why}; the run goes on, but finished answers are not kept for a re-run")

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str, model: type[BaseModel]) -> BaseModel | None:
        if not self.enabled:
            return None
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self.stats.misses += 1
            return None
        except OSError:
            # a folder, a dangling link, an unreadable file where the entry should be
            self.stats.corrupt += 1
            self.stats.misses += 1
            return None
        try:
            value = model.model_validate_json(data.decode("utf-8"))
        except (UnicodeDecodeError, ValidationError, ValueError):
            # torn, foreign or not UTF-8: treat as absent, and let the fresh answer overwrite it
            self.stats.corrupt += 1
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        return value

    def has(self, key: str) -> bool:
        """Whether an entry is there (not whether it is sound: ``get`` decides that)."""
        return self.enabled and self._path(key).is_file()

    def put(self, key: str, value: BaseModel) -> None:
        if not self.enabled:
            return
        path = self._path(key)
        try:
            private_dir(path.parent)
            write_atomic(path, value.model_dump_json(), private=True)
        except OSError as exc:
            if exc.errno in _FATAL:
                self._disable(f"writing {self.dir} failed ({exc.strerror or exc})")
            else:
                self.stats.write_errors += 1
            return
        self.stats.writes += 1

    def entries(self) -> int:
        return sum(1 for _ in self.dir.glob("*/*.json")) if self.dir.exists() else 0
