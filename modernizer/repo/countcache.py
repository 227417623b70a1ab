"""Work a re-run need not repeat, kept per user (never in the analysed tree) and keyed by content:
token counts per rendered file (by tokenizer), and the computed facts of a whole snapshot.

Both are plain caches: a miss recomputes, a damaged or unwritable file is ignored, and nothing in
them is trusted as more than a number the same inputs already produced. The keys are content
hashes, so an edited file (or a renamed one: its header changes) simply misses.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from modernizer.fs import write_atomic
from modernizer.userdirs import cache_home, private_dir

FORMAT = "1"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class TokenCounts:
    """sha256 of a rendered file -> its token count, for one tokenizer (``name``)."""

    def __init__(self, name: str, directory: Path | None = None) -> None:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120]
        self.path = (directory or cache_home() / "tokens") / f"{safe}.json"
        self.counts: dict[str, int] = {}
        self.added = 0
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("counts"), dict):
                self.counts = {k: v for k, v in data["counts"].items() if isinstance(v, int)}
        except (OSError, ValueError, UnicodeDecodeError):
            pass

    def get(self, key: str) -> int | None:
        return self.counts.get(key)

    def put(self, key: str, count: int) -> None:
        self.counts[key] = count
        self.added += 1

    def save(self) -> None:
        if not self.added:
            return
        try:
            private_dir(self.path.parent)
            write_atomic(self.path, json.dumps({"format": FORMAT, "counts": self.counts}, separators=(",", ":")), private=True)
        except OSError:
            pass  # a cache that cannot be written costs the next run time, nothing else


def load_model(kind: str, key: str, model: type[BaseModel]) -> BaseModel | None:
    path = cache_home() / kind / f"{key}.json"
    try:
        return model.model_validate_json(path.read_bytes())
    except (OSError, ValueError, ValidationError):
        return None


def save_model(kind: str, key: str, value: BaseModel) -> None:
    path = cache_home() / kind / f"{key}.json"
    try:
        private_dir(path.parent)
        write_atomic(path, value.model_dump_json(), private=True)
    except OSError:
        pass
