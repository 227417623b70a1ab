"""Redacts secrets from anything a report shows: findings often quote the very password they flag,
and a model may repeat it anywhere (a component's role, a plan step, a validator note, the head of
a failed answer, the middle of a sentence).

Two nets, both applied by ``scrub`` to every string of a report (report.py calls it once, where
model text enters the ``Report``, so a new field cannot forget it):

- patterns: ``name = value`` assignments in code, properties, YAML, XML and connection strings,
  ``user:password@`` in URLs, and the shapes of well-known tokens (cloud keys, GitHub, Slack,
  Stripe, Google, JWTs, PEM blocks);
- the values themselves: every secret the patterns find *in the analysed code* is remembered
  (``SecretIndex``), so the same value is masked wherever a model writes it, in prose, without
  its name ("the password is Gr4ndH0tel!2008"), or a PEM body quoted without its header.

Grounding runs on the raw snippet first (the secret is in the code); only the report is redacted,
keeping a few leading characters of long values so a reader can still tell which one is meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

MARK = "«redacted»"

_NAME = r"(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key|client[_-]?secret|secret[_-]?key|account[_-]?key|sas[_-]?token|conn(?:ection)?[_-]?string)"

# v1: the patterns report fingerprints were defined with (schema 1.1). Frozen: changing them would
# change every fingerprint and break baselines. Fingerprints only need the value masked somehow.
_PATTERNS_V1: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"(\b\w*(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key|client[_-]?secret|secret[_-]?key)\w*\b[\"']?\s*(?:=|:|=>)\s*[\"'])([^\"'\n]{3,})([\"'])", re.I), 2),
    (re.compile(r"(^\s*[\w.\-]*(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key|client[_-]?secret|secret[_-]?key)[\w.\-]*\s*[=:]\s*)(\S[^\n;]{2,})()", re.I | re.M), 2),
    (re.compile(r"(;\s*(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key|client[_-]?secret|secret[_-]?key)\s*=\s*)([^;\"'\n]{3,})()", re.I), 2),
    (re.compile(r"(\bidentified\s+by\s+(?:password\s+)?[\"'])([^\"'\n]{3,})([\"'])", re.I), 2),
    (re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^:/\s@]+:)([^@/\s]{3,})(@)", re.I), 2),
]
_TOKENS_V1 = [
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z_]{8,}\b"),
    re.compile(r"\bgh[pousr]_[0-9A-Za-z]{20,}\b"),
    re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}\b"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"),
]

# Report redaction: v1 plus the places a value hides in prose and config.
_PATTERNS: list[tuple[re.Pattern[str], int]] = _PATTERNS_V1 + [
    # name=value, name: value or "name is value" anywhere in a line (properties, query strings, YAML,
    # prose), not only at its start; code that merely names a variable is left alone (see _looks_like_code)
    (re.compile(rf"(\b[\w.\-]*{_NAME}[\w.\-]*\s*(?:=|:|=>|\bis\b)\s*)(?![\"'`])([^\s\"'`<>;,&()]{{3,}}+)()(?!\s*\()", re.I), 2),
    # quoted value after a name, with any quote and separator (JSON, code, prose)
    (re.compile(rf"(\b[\w.\-]*{_NAME}[\w.\-]*[\"'`]?\s*(?:=|:|=>|\bis\b)\s*[\"'`])([^\"'`\n]{{3,}})([\"'`])", re.I), 2),
    # <password>value</password>, <property name="x.password" value="value"/>
    (re.compile(rf"(<\s*[\w.:\-]*{_NAME}[\w.:\-]*\s*>)([^<\n]{{3,}})(<)", re.I), 2),
    (re.compile(rf"(name\s*=\s*[\"'][\w.:\-]*{_NAME}[\w.:\-]*[\"']\s+value\s*=\s*[\"'])([^\"'\n]{{3,}})([\"'])", re.I), 2),
    # connection strings: Password=...; AccountKey=...; SharedAccessSignature=...
    (re.compile(r"(\b(?:password|pwd|accountkey|sharedaccesskey|sharedaccesssignature)=)([^;\"'\s()]{3,}+)()(?!\()", re.I), 2),
    # Authorization: Bearer <token> / Basic <base64>
    (re.compile(r"(\b(?:bearer|basic)\s+)([A-Za-z0-9._~+/=\-]{12,})()", re.I), 2),
]
_CODE_WORD = re.compile(r"[A-Za-z_.]+")


def _looks_like_code(value: str) -> bool:
    """``password = userPassword`` or ``token: this.token`` name a variable, not a secret: a bare
    identifier (letters, dots, underscores only) after a name is left alone."""
    return bool(_CODE_WORD.fullmatch(value)) or "(" in value


def _harvestable(value: str, quoted: bool) -> bool:
    """Whether a value a pattern saw is worth hunting down everywhere as a secret (SecretIndex). Code
    after a name is not: ``password = kwargs[`` or ``if password is not None`` (Django has both)
    would otherwise mask every "is not" and "kwargs[" in a report. A quoted value may hold spaces (a
    passphrase); an unquoted one is one word; neither holds brackets."""
    v = value.strip()
    if any(c in v for c in "[](){}"):
        return False
    if _WORDS_AND_PATHS.fullmatch(v.rstrip(",;:|")):
        return False  # names, paths, hyphenated words, prose: no digit, nothing a password is made of
    if not quoted and any(c.isspace() or c in "\"'`" for c in v):
        return False
    return not all(w.lower() in _CODE_WORDS for w in v.replace(",", " ").split())


_WORDS_AND_PATHS = re.compile(r"[A-Za-z_.\-/|:+ ,]+")
_CODE_WORDS = frozenset("is not in and or if else none null true false return new this self def var let const".split())

_TOKENS = _TOKENS_V1 + [
    re.compile(r"\bASIA[0-9A-Z]{16}\b"),                                  # AWS temporary key id
    re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),                            # Google API key
    re.compile(r"\bgithub_pat_[0-9A-Za-z_]{30,}\b"),
    re.compile(r"\bglpat-[0-9A-Za-z_\-]{20,}\b"),                          # GitLab
    re.compile(r"\bnpm_[0-9A-Za-z]{36}\b"),
    re.compile(r"\bsk-(?:ant-|proj-)?[0-9A-Za-z_\-]{20,}\b"),             # OpenAI / Anthropic style
    re.compile(r"\bxapp-[0-9A-Za-z-]{10,}\b"),
    re.compile(r"\bhooks\.slack\.com/services/[0-9A-Za-z/]{20,}"),
    re.compile(r"\beyJ[0-9A-Za-z_\-]{8,}\.eyJ[0-9A-Za-z_\-]{8,}\.[0-9A-Za-z_\-]{8,}\b"),  # JWT
    re.compile(r"-----BEGIN [A-Z ]*(?:PRIVATE KEY|CERTIFICATE REQUEST)[A-Z ]*-----[\s\S]*?(?:-----END [^-]*-----|$)"),
]
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)(?:-----END [A-Z ]*PRIVATE KEY-----|$)")
_PEM_LINE = re.compile(r"^[A-Za-z0-9+/=]{16,}$")
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/])")
# values that are names of things, not secrets: never remembered as values
_NOT_SECRET = re.compile(r"^(?:\$\{.*\}|%\(?\w*\)?s?|<[^>]*>|\{\{.*\}\}|[A-Za-z_][A-Za-z0-9_]*\(.*|null|none|true|false|changeme|password|secret|xxx+|\*+)$", re.I)

_MIN_VALUE = 6  # shorter values are masked where a pattern sees them, but not hunted down as words


def _mask(value: str, keep: bool = True) -> str:
    return (value[:2] if keep and len(value) > 8 else "") + MARK


def redact_v1(text: str, keep_prefix: bool = True) -> str:
    """The frozen schema-1.1 masking that fingerprints hash through (see _PATTERNS_V1)."""
    if not text:
        return text
    for pattern, group in _PATTERNS_V1:
        text = pattern.sub(lambda m: m.group(1) + _mask(m.group(group), keep_prefix) + m.group(3), text)
    for pattern in _TOKENS_V1:
        text = pattern.sub(lambda m: _mask(m.group(0), keep_prefix), text)
    return text


def _pattern_redact(text: str, keep_prefix: bool) -> str:
    def masked(m: re.Match, group: int) -> str:
        value = m.group(group)
        if MARK in value or (not m.group(3) and _looks_like_code(value)):
            return m.group(0)
        return m.group(1) + _mask(value, keep_prefix) + m.group(3)

    for pattern, group in _PATTERNS:
        text = pattern.sub(lambda m: masked(m, group), text)
    for pattern in _TOKENS:
        text = pattern.sub(lambda m: _mask(m.group(0), keep_prefix), text)
    return text


# lines worth running the patterns on when harvesting a whole codebase (a prefilter: most lines are not)
_HINT = re.compile(rf"^.*(?:{_NAME}|identified|://|AKIA|ASIA|AIza|sk_|pk_|rk_|gh[pousr]_|github_pat_|glpat-|npm_|sk-|xox|eyJ|bearer|basic|accountkey|sharedaccess).*$",
                   re.I | re.M)


class SecretIndex:
    """The concrete secret values found in the analysed code, to mask wherever they reappear."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        kept = {v.strip() for v in values if v and len(v.strip()) >= _MIN_VALUE and MARK not in v and not _NOT_SECRET.match(v.strip())}
        self.values = sorted(kept, key=lambda v: (-len(v), v))
        self._re = re.compile("|".join(re.escape(v) for v in self.values)) if self.values else None

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "SecretIndex":
        found: list[str] = []
        for text in texts:
            for body in _PEM.findall(text):
                found.extend(line.strip() for line in body.splitlines() if _PEM_LINE.match(line.strip()))
            for line in _HINT.findall(text):
                for pattern, group in _PATTERNS:
                    found.extend(m.group(group) for m in pattern.finditer(line) if _harvestable(m.group(group), bool(m.group(3))))
                for pattern in _TOKENS:
                    found.extend(m.group(0) for m in pattern.finditer(line))
                # random base64 has digits; a 40-character path (src/main/java/com/grandhotel/dao/UserDao) has none
                found.extend(v for v in _AWS_SECRET.findall(line) if re.search(r"[a-z]", v) and re.search(r"[A-Z]", v) and re.search(r"[0-9]", v))
        return cls(v.strip().strip("\"'`") for v in found)

    def sub(self, text: str, keep_prefix: bool = True) -> str:
        if self._re is None or not text:
            return text
        return self._re.sub(lambda m: _mask(m.group(0), keep_prefix), text)


_NO_SECRETS = SecretIndex()


def redact(text: str, keep_prefix: bool = True, known: SecretIndex | None = None) -> str:
    """``keep_prefix=False`` masks whole values; ``known`` also masks the code's own secret values."""
    if not text:
        return text
    return _pattern_redact((known or _NO_SECRETS).sub(text, keep_prefix), keep_prefix)


# keys whose strings identify things (paths, ids, hashes) and are grounded or computed: never masked
IDENTITY_KEYS = frozenset({"id", "file", "path", "fingerprint", "finding_id", "plan_id", "sha256", "root", "prefix",
                           "schema_version", "tool_version", "generated_at", "endpoint", "commit", "branch", "module"})


def scrub(value: Any, known: SecretIndex | None = None, skip: frozenset[str] = frozenset()) -> Any:
    """Every string inside ``value`` (a pydantic model, dict, list, or string) redacted, recursively.
    Models come back as models of the same type; keys in ``skip`` (whole subtrees of computed facts)
    and ``IDENTITY_KEYS`` are left as they are."""
    if isinstance(value, str):
        return redact(value, known=known)
    if isinstance(value, BaseModel):
        data = {k: (getattr(value, k) if k in skip or k in IDENTITY_KEYS else scrub(getattr(value, k), known, skip))
                for k in type(value).model_fields}
        return value.model_copy(update=data)
    if isinstance(value, dict):
        return {k: (v if k in skip or k in IDENTITY_KEYS else scrub(v, known, skip)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub(v, known, skip) for v in value)
    return value
