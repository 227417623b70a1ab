"""Finished agent results on disk, keyed by everything that determines them.

This is both the result cache and the checkpoint: each successful answer is written the moment
it is validated, atomically, so a run killed at any point loses nothing it finished, and the
next run (same tree, same agents, same model) takes those answers instead of asking again.

The key hashes the exact request (messages, schema, max_tokens, temperature, seed), the model id
and the report schema version. The messages hold the rendered code and the agent's template, so
a changed file or template changes exactly the keys that depend on it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

CACHE_VERSION = "1"


class CacheStats(BaseModel):
    hits: int = 0
    misses: int = 0
    writes: int = 0
    corrupt: int = 0


def request_key(model: str, body: dict[str, Any]) -> str:
    blob = json.dumps({"v": CACHE_VERSION, "model": model, "body": body}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class ResultCache:
    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        self.stats = CacheStats()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str, model: type[BaseModel]) -> BaseModel | None:
        path = self._path(key)
        try:
            data = path.read_text(encoding="utf-8")
        except OSError:
            self.stats.misses += 1
            return None
        try:
            value = model.model_validate_json(data)
        except ValidationError:
            # A torn or foreign file: treat as absent, and let the fresh answer overwrite it.
            self.stats.corrupt += 1
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        return value

    def put(self, key: str, value: BaseModel) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(value.model_dump_json(), encoding="utf-8")
        os.replace(tmp, path)
        self.stats.writes += 1

    def entries(self) -> int:
        return sum(1 for _ in self.dir.glob("*/*.json")) if self.dir.exists() else 0


def default_cache_dir(repo_root: str | Path) -> Path:
    return Path(repo_root) / ".modernize" / "cache"
