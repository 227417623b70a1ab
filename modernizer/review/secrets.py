"""The analysed code's own secret values, for the files the review writes (suppression entries,
commit messages). A finding's title comes from a model and may quote a password found anywhere in
the code ("support account sysadmin/hotel123"), with no ``name = value`` around it for the
patterns to see; the report masks such values with an index of every secret in the codebase
(assemble.build_report), and the review does the same with the same index, built the same way.
"""

from __future__ import annotations

from pathlib import Path

from modernizer.errors import ModernizerError
from modernizer.repo.ingest import load_snapshot
from modernizer.findings.redact import SecretIndex


def code_secrets(root: str | Path) -> SecretIndex:
    """Every secret value the redaction patterns find in the repository's files (as ingest reads
    them: modernizer's own files, ignored and binary files left out). An unreadable tree gives an
    empty index: the patterns still apply."""
    try:
        snapshot = load_snapshot(root)
    except ModernizerError:
        return SecretIndex()
    return SecretIndex.from_texts(f.text for f in snapshot.files)
