"""The one place report text is cleaned: every string a report holds, redacted, before any
renderer or file sees it (see redact.py). Model text enters a report only through
``assemble.build_report``, which seals what it builds; reports read from disk are sealed again."""

from __future__ import annotations

from modernizer.findings.redact import SecretIndex, scrub
from modernizer.report.model import Report

# computed from the code's structure, never written by a model: not walked (large, and safe)
COMPUTED = frozenset({"facts", "tokens", "coverage"})


def seal(report: Report, known: SecretIndex | None = None) -> Report:
    """``report`` with every string redacted (``known``: the analysed code's own secret values). Idempotent."""
    return scrub(report, known, skip=COMPUTED)
