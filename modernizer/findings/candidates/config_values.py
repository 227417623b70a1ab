"""Algorithm names that the analysed project keeps in its .properties files, for the rules that follow them.

Code often reads the algorithm from configuration (``MessageDigest.getInstance(props.getProperty("hashAlg"))``
with ``hashAlg=MD5`` in a properties file): a rule that only matches string literals misses it. Semgrep
cannot read two files at once, so before a run we read the properties texts the caller already gave us
(nothing else), note which keys name a weak hash or cipher and which keys exist at all, and fill those
key sets into the slots of our rule files (``__WEAK_HASH_KEYS__``, ``__WEAK_CIPHER_KEYS__``,
``__DEFINED_KEYS__``) as escaped regular-expression alternatives. Pure functions of texts."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, Field

WEAK_HASH = re.compile(r"(?i)^(md2|md4|md5|sha|sha-?1)$")
WEAK_CIPHER = re.compile(r"(?i)^(des|desede|tripledes|3des|rc2|rc4|arcfour|blowfish|aes"
                         r"|[^/]+/ecb/.*|(des|desede|tripledes|rc2|rc4|blowfish)/.*)$")
NEVER = "(?!)"       # a regular expression that matches nothing: the slot of an empty key set
MAX_KEYS = 2_000     # a larger properties set is cut (Semgrep compiles the alternatives into one regex)
_KEY = re.compile(r"^[\w.\-]{1,200}$")


class ConfigAlgorithms(BaseModel):
    weak_hash_keys: list[str] = Field(default_factory=list, description="keys whose value is MD5, SHA-1...")
    weak_cipher_keys: list[str] = Field(default_factory=list, description="keys whose value is DES, RC4, .../ECB/...")
    defined_keys: list[str] = Field(default_factory=list, description="every key some properties file defines")


def parse_properties(text: str) -> dict[str, str]:
    """key -> value of a Java .properties text (``key=value``, ``key: value``, ``key value``; # and ! comments).

    Continuation lines and escapes are joined/kept as written: an algorithm name needs neither."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        m = re.match(r"^((?:\\.|[^=:\s])+)\s*[=:\s]\s*(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
        else:
            out[line] = ""
    return out


def config_algorithms(texts: Mapping[str, str]) -> ConfigAlgorithms:
    """The key sets of every ``*.properties`` text among the given files."""
    weak_hash: set[str] = set()
    weak_cipher: set[str] = set()
    defined: set[str] = set()
    for path, text in texts.items():
        if not path.lower().endswith(".properties"):
            continue
        for key, value in parse_properties(text).items():
            if not _KEY.match(key):
                continue
            defined.add(key)
            if WEAK_HASH.match(value):
                weak_hash.add(key)
            if WEAK_CIPHER.match(value):
                weak_cipher.add(key)
    return ConfigAlgorithms(weak_hash_keys=sorted(weak_hash)[:MAX_KEYS], weak_cipher_keys=sorted(weak_cipher)[:MAX_KEYS],
                            defined_keys=sorted(defined)[:MAX_KEYS])


def _alternatives(keys: list[str]) -> str:
    return "|".join(re.escape(k) for k in keys) if keys else NEVER


def fill_rule_slots(rule_text: str, algorithms: ConfigAlgorithms) -> str:
    """The rule file's text with its slots filled (a file without slots comes back unchanged)."""
    return (rule_text.replace("__WEAK_HASH_KEYS__", _alternatives(algorithms.weak_hash_keys))
            .replace("__WEAK_CIPHER_KEYS__", _alternatives(algorithms.weak_cipher_keys))
            .replace("__DEFINED_KEYS__", _alternatives(algorithms.defined_keys)))
