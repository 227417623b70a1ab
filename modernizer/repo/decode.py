"""What a file's bytes are: binary or text, minified or not, and the text in which encoding. Pure:
the ingest reads the bytes (safely), this only looks at them."""

from __future__ import annotations

from modernizer.repo.lang.registry import language_of

_SNIFF = 8192


def _looks_binary(data: bytes) -> bool:
    chunk = data[:_SNIFF]
    if b"\0" in chunk:
        # UTF-16 text has NULs too; a BOM says it is text.
        return not chunk.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not chunk:
        return False
    control = len(chunk) - len(chunk.translate(None, _CONTROL))
    return control / len(chunk) > 0.1


_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))  # control bytes text does not hold


def _looks_minified(text: str, rel: str) -> bool:
    if language_of(rel) not in {"javascript", "css", "json"} or len(text) < 5000:
        return False
    lines = text.count("\n") + 1
    return len(text) / lines > 500


def decode(data: bytes) -> tuple[str, str, str | None]:
    """UTF-8 first; legacy code is often cp1252/latin-1, which we accept but note."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16", "decoded as UTF-16 (byte-order mark)"
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("cp1252"), "cp1252", f"not valid UTF-8 (first bad byte at offset {first_bad}); decoded as cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", f"not valid UTF-8 (first bad byte at offset {first_bad}); decoded as latin-1"
