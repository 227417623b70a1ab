"""A finding's identity across runs: what kind, where (file and enclosing symbol) and the code
itself. Never line numbers (code moves) nor the model's prose (it rewords). Used by the report
builder, the baseline comparison and the review."""

from __future__ import annotations

import hashlib
import re

from modernizer.findings.grounding import Grounding
from modernizer.findings.redact import MARK, redact_v1
from modernizer.repo.snapshot import Snapshot, SourceFile
from modernizer.repo.symbols import symbol_table


def normalise_category(category: str) -> str:
    return re.sub(r"[\s_]+", "-", category.strip().casefold())


def fingerprint(category: str, file: str, code: str, symbol: str = "") -> str:
    """A finding's identity across runs: what kind (category), where (file and enclosing symbol)
    and the code itself (whitespace collapsed, case-folded, string literals kept). Never line
    numbers (code moves) nor the model's prose (it rewords). ``code`` is redacted first, so the
    fingerprint neither leaks a secret nor changes when the secret is rotated."""
    key = f"{normalise_category(category)}|{file}|{symbol}|{normalise_code(code)}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def normalise_code(code: str) -> str:
    """What "the same code" means to a fingerprint: secrets masked (redacted first, so a hash
    neither leaks a secret nor changes when it is rotated), whitespace collapsed, case-folded."""
    return _WS.sub(" ", redact_v1(code, keep_prefix=False)).strip().casefold()


def kind_fingerprint(kind: str, file: str, quote: str, symbol: str = "") -> str:
    """SARIF's fingerprint (``modernizer/v2``): as ``fingerprint``, with the finding's stable kind
    (its CWE or our own rule, see kinds.py) in place of the model's category, so rewording a
    category does not make a new alert. It hashes the finding's quote as the report keeps it (a
    renderer has no source to anchor on): a line number copied into the quote is dropped, and the
    two characters a report keeps before a redaction mark, so a rotated secret hashes alike."""
    code = _KEPT_PREFIX.sub("", _NUMBER_PREFIX.sub("", quote))
    return hashlib.sha256(f"{kind}|{file}|{symbol}|{normalise_code(code)}".encode()).hexdigest()[:32]


def legacy_fingerprint(category: str, file: str, snippet: str) -> str:
    """The schema 1.0 fingerprint, to compare a run with a 1.0 baseline."""
    norm = _WS.sub(" ", snippet).strip().lower()
    return hashlib.sha256(f"{category.strip().lower()}|{file}|{norm}".encode()).hexdigest()[:20]


_WS = re.compile(r"\s+")
_NUMBER_PREFIX = re.compile(r"^\s*\d+\|\s?", re.M)  # as in grounding: a quote copied with its line numbers
_KEPT_PREFIX = re.compile(r"[^\s\"'=:;,(]{1,2}(?=" + re.escape(MARK) + ")")


def anchor(src: SourceFile, line_start: int, line_end: int, snippet: str) -> tuple[int, int] | None:
    """The whole source lines, inside the grounded range, that the quoted snippet lies on: two runs
    that quote different parts of the same line (or cite a range a little off) anchor on the same code."""
    lines = src.text.splitlines()
    quote = _WS.sub(" ", _NUMBER_PREFIX.sub("", snippet)).strip()
    if len(quote.replace(" ", "")) < 4:
        return None
    for width in (1, 2, 3, 4):
        for i in range(max(1, line_start), min(line_end, len(lines)) - width + 2):
            if quote in _WS.sub(" ", "\n".join(lines[i - 1:i - 1 + width])).strip():
                return i, i + width - 1
    return None


def locate(snapshot: Snapshot, category: str, path: str, g: Grounding, snippet: str,
           tables: dict[str, list[str]] | None = None) -> tuple[str, str]:
    """(fingerprint, enclosing symbol) of a grounded finding. The code hashed is the anchored
    source lines for a verified finding, the quote itself otherwise."""
    src = snapshot.file(path)
    quote = _NUMBER_PREFIX.sub("", snippet)
    if src is None or g.line_start is None:
        return fingerprint(category, path, quote), ""
    tables = {} if tables is None else tables
    if path not in tables:
        tables[path] = symbol_table(src.text, src.language)
    table = tables[path]
    span = anchor(src, g.line_start, g.line_end or g.line_start, snippet) if g.status == "verified" else None
    line = span[0] if span else g.line_start
    symbol = table[line - 1] if 0 < line <= len(table) else ""
    code = "\n".join(src.text.splitlines()[span[0] - 1:span[1]]) if span else quote
    return fingerprint(category, path, code, symbol), symbol


def present_fingerprints(src: SourceFile, category: str) -> set[str]:
    """Every fingerprint a verified finding of ``category`` could have anywhere in ``src`` (windows
    of 1 to 4 whole lines): tells whether the code a baseline finding pointed at is still there."""
    lines = src.text.splitlines()
    table = symbol_table(src.text, src.language)
    out = set()
    for i in range(len(lines)):
        for width in (1, 2, 3, 4):
            if i + width <= len(lines):
                out.add(fingerprint(category, src.path, "\n".join(lines[i:i + width]), table[i]))
    return out
