"""Python 3.12 f-strings (PEP 701) made readable by an older ``ast``: inner quotes swapped, nothing moved.

Since 3.12 an f-string's replacement field may reuse the f-string's own quote
(``f'{x.decode('utf-8')}'``); the ``ast`` of Python 3.11, which modernizer may run on, refuses that
file. ``requote`` rewrites each such inner string to the other quote character (``"utf-8"``), same
length, so every line and column stays where it was and the evaluator's records still line up with
Semgrep's. Where a swap is impossible (the other quote occurs in the inner string, a backslash in a
field) it gives up (None) and the file keeps Semgrep's result.
"""

from __future__ import annotations

_OTHER = {"'": '"', '"': "'"}


class _GiveUp(Exception):
    pass


def requote(src: str) -> str | None:
    """The source with PEP 701 nested quotes swapped, or None when that is not possible."""
    out = list(src)
    try:
        _code(src, 0, out, [], top=True)
    except (_GiveUp, IndexError):
        return None
    fixed = "".join(out)
    return fixed if fixed != src else None


def _code(src: str, i: int, out: list, enclosing: list[str], top: bool = False) -> int:
    """Scan code from i; at top level to the end, in a replacement field up to its ``}``, ``!`` or ``:``."""
    depth = 0
    n = len(src)
    while i < n:
        ch = src[i]
        if ch == "#":
            if not top:
                raise _GiveUp  # a comment inside a replacement field
            while i < n and src[i] != "\n":
                i += 1
            continue
        if ch in "'\"":
            start = i
            while start > 0 and i - start < 2 and src[start - 1] in "rRbBuUfF":
                start -= 1
            if start > 0 and start < i and (src[start - 1].isalnum() or src[start - 1] in "_."):
                start = i  # the letters end a name (``elif'x'``): not a prefix
            i = _string(src, start, i, out, enclosing)
            continue
        if ch == "\\" and not top:
            raise _GiveUp  # a backslash in a replacement field: 3.11 refuses it whatever the quotes
        if not top:
            if ch in "([{":
                depth += 1
            elif ch in ")]" or (ch == "}" and depth > 0):
                depth -= 1
            elif depth == 0 and (ch == "}" or ch == ":" or (ch == "!" and src[i + 1] != "=")):
                return i
        i += 1
    if not top:
        raise _GiveUp
    return i


def _string(src: str, start: int, q: int, out: list, enclosing: list[str]) -> int:
    """Scan the literal whose prefix starts at ``start`` and quote at ``q``; its end index."""
    prefix = src[start:q].lower()
    quote = src[q]
    triple = src[q:q + 3] == quote * 3
    delim = quote * 3 if triple else quote
    if enclosing and not triple and quote in enclosing:
        other = _OTHER[quote]
        body_end = src.find(quote, q + 1)
        if body_end < 0 or other in enclosing or other in src[q + 1:body_end] or "f" in prefix:
            raise _GiveUp
        out[q], out[body_end] = other, other
    i = q + len(delim)
    fstring = "f" in prefix
    raw = "r" in prefix
    inner = [*enclosing, quote]
    while True:
        if src.startswith(delim, i):
            return i + len(delim)
        ch = src[i]
        if ch == "\\" and not raw:
            i += 2
            continue
        if ch == "\n" and not triple:
            raise _GiveUp
        if fstring and ch == "{":
            if src[i + 1] == "{":
                i += 2
                continue
            i = _field(src, i + 1, out, inner)
            continue
        i += 1


def _field(src: str, i: int, out: list, enclosing: list[str]) -> int:
    """A replacement field from just after its ``{``; the index after its ``}``."""
    i = _code(src, i, out, enclosing)
    if src[i] == "!":
        i += 2
    if src[i] == ":":
        i += 1
        while src[i] != "}":  # the format spec: text with nested fields
            if src[i] == "{":
                i = _field(src, i + 1, out, enclosing)
            else:
                i += 1
    if src[i] != "}":
        raise _GiveUp
    return i + 1
