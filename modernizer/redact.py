"""Redacts secrets from anything a report shows: findings often quote the very password they flag.

Grounding runs on the raw snippet first (the secret is in the code); only the rendered report is
redacted, keeping a few leading characters so a reader can still tell which value is meant.
"""

from __future__ import annotations

import re

MARK = "«redacted»"

_NAME = r"(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key|client[_-]?secret|secret[_-]?key)"
_PATTERNS: list[tuple[re.Pattern[str], int]] = [
    # NAME = "value" / NAME: 'value' / NAME => "value" (code)
    (re.compile(rf"(\b\w*{_NAME}\w*\b[\"']?\s*(?:=|:|=>)\s*[\"'])([^\"'\n]{{3,}})([\"'])", re.I), 2),
    # name=value (properties, ini, env, connection strings)
    (re.compile(rf"(^\s*[\w.\-]*{_NAME}[\w.\-]*\s*[=:]\s*)(\S[^\n;]{{2,}})()", re.I | re.M), 2),
    (re.compile(rf"(;\s*{_NAME}\s*=\s*)([^;\"'\n]{{3,}})()", re.I), 2),
    # SQL: CREATE USER / GRANT ... IDENTIFIED BY 'password'
    (re.compile(r"(\bidentified\s+by\s+(?:password\s+)?[\"'])([^\"'\n]{3,})([\"'])", re.I), 2),
    # user:password@host in URLs
    (re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^:/\s@]+:)([^@/\s]{3,})(@)", re.I), 2),
]
_TOKENS = [
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z_]{8,}\b"),
    re.compile(r"\bgh[pousr]_[0-9A-Za-z]{20,}\b"),
    re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}\b"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"),
]


def _mask(value: str, keep: bool = True) -> str:
    return (value[:2] if keep and len(value) > 8 else "") + MARK


def redact(text: str, keep_prefix: bool = True) -> str:
    """``keep_prefix=False`` masks whole values (for fingerprints, which must not depend on them)."""
    if not text:
        return text
    for pattern, group in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + _mask(m.group(group), keep_prefix) + m.group(3), text)
    for pattern in _TOKENS:
        text = pattern.sub(lambda m: _mask(m.group(0), keep_prefix), text)
    return text
