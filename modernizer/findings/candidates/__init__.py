"""Computed candidates: a static pass (Semgrep OSS with our own rules, no model) listing the sites
per CWE family that a reviewer, or the model, should look at. Candidates are facts from the code:
they are reported whether or not a model confirms them, and marked as such.

    from modernizer.findings.candidates import find_candidates
    cs = find_candidates({"src/Dao.java": text, ...})
    for c in cs.candidates: print(c.file, c.line_start, c.family, c.rule)

Why Semgrep and not tree-sitter queries: bench/results/candidates.md.
"""

from modernizer.findings.candidates.engine import (
    RULES_DIR,
    CandidatesUnavailable,
    builtin_rule_files,
    builtin_rules,
    engine_version,
    find_candidates,
)
from modernizer.findings.candidates.model import FAMILIES, Candidate, CandidateSet, cwe_number, family_of

__all__ = ["FAMILIES", "RULES_DIR", "Candidate", "CandidateSet", "CandidatesUnavailable", "builtin_rule_files",
           "builtin_rules", "cwe_number", "engine_version", "family_of", "find_candidates"]
