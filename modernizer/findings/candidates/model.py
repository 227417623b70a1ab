"""The data of the candidates pass: families of weaknesses (by CWE), one candidate site, one run's result."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

# Each family is the set of CWE numbers whose weaknesses share a kind of sink. A labelled vulnerability
# and a candidate "match" when their CWEs fall in the same family (see family_of). A CWE is in at most
# one family. Rules say their CWE in metadata.cwe; their family is derived from it (or metadata.family).
FAMILIES: dict[str, frozenset[str]] = {
    "sql-injection": frozenset({"89", "564", "943"}),
    "command-injection": frozenset({"78", "77", "88"}),
    "path-traversal": frozenset({"22", "23", "36", "73", "98"}),
    "xxe": frozenset({"611", "776", "827"}),
    "deserialization": frozenset({"502"}),
    "code-injection": frozenset({"470", "94", "95", "917", "1336"}),
    "xss": frozenset({"79", "80", "81", "83"}),
    "open-redirect": frozenset({"601"}),
    "weak-crypto": frozenset({"327", "328", "916", "326", "759", "760"}),
    "weak-random": frozenset({"330", "338", "335", "336", "337"}),
    "hardcoded-credentials": frozenset({"798", "259", "321", "1392", "547"}),
    "sensitive-logging": frozenset({"532", "533"}),
    "cleartext-storage": frozenset({"312", "311", "313", "315", "256"}),
    "information-exposure": frozenset({"209", "200", "497", "550"}),
    "debug-enabled": frozenset({"489", "215", "11"}),
    "insecure-cookie": frozenset({"614", "1004"}),
    "broken-authentication": frozenset({"565", "287", "290", "302", "603", "784"}),
    "missing-authorization": frozenset({"862", "306", "285", "863"}),
    # issue 19: families the public benchmarks plant and no rule covered
    "ldap-injection": frozenset({"90"}),
    "xpath-injection": frozenset({"643", "91"}),
    "trust-boundary": frozenset({"501"}),
}

_CWE = re.compile(r"^\s*(?:CWE[-_ ]?)?(\d+)\b", re.IGNORECASE)
_BY_CWE: dict[str, str] = {cwe: fam for fam, cwes in FAMILIES.items() for cwe in cwes}


def cwe_number(cwe: str) -> str | None:
    """'CWE-89', 'cwe-89: Improper Neutralization...', '89' -> '89'; anything else -> None."""
    m = _CWE.match(str(cwe))
    return str(int(m.group(1))) if m else None


def family_of(cwe: str) -> str | None:
    """The family of a CWE ("CWE-89" or "89"), or None when it is in none of FAMILIES."""
    n = cwe_number(cwe)
    return _BY_CWE.get(n) if n else None


class Candidate(BaseModel):
    """A site in the code that a rule matched: a fact about the code, not a confirmed vulnerability."""

    rule: str = Field(description="the rule's stable id, e.g. 'java-sql-concat'")
    family: str = Field(description="a key of FAMILIES (or a user rule's own metadata.family)")
    cwe: str = Field(description="'CWE-89'")
    file: str = Field(description="repo-relative posix path")
    line_start: int
    line_end: int
    snippet: str = Field(description="the exact text of lines line_start..line_end (the first few if long)")
    message: str = Field(description="one line: what the site is and why it is a candidate")


class FileProblem(BaseModel):
    """A file Semgrep could not parse or scan in full (its candidates may be missing), as Semgrep said it."""

    file: str = Field(description="repo-relative posix path")
    kind: str = Field(description="Semgrep's error type: 'Syntax error', 'Lexical error', 'Timeout', 'Too large'...")
    message: str = Field(default="", description="Semgrep's message, one line")


class Unparsed(BaseModel):
    """A file Semgrep could not parse (or scan in full), with the likeliest reason (candidates/unparsed.py)."""

    file: str
    reason: str = Field(description="why, in words: 'CR-only line ends', 'PHP 4 string offsets $s{…}', 'syntax error'...")
    kind: str = Field(description="Semgrep's error type")


class CandidateSet(BaseModel):
    engine: str
    engine_version: str
    rules: int
    files_scanned: int
    seconds: float
    candidates: list[Candidate] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="per file or rule, human-readable; never fatal")
    from_cache: bool = Field(default=False, description="every file's result read back from an earlier run (seconds: 0, nothing was scanned)")
    files_from_cache: int = Field(default=0, description="files whose result was read back from the per-file cache, not scanned again")
    problems: list[FileProblem] = Field(default_factory=list, description="per file, what Semgrep could not parse or scan")
    unparsed: list[Unparsed] = Field(default_factory=list, description="one per file of problems, with its reason (filled by the caller, who has the texts)")
