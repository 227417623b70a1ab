"""Suppressions: findings a team has judged acceptable or false, kept in the analysed repository.

The file is ``modernize-suppressions.toml`` at the repo root, meant to be committed and reviewed
like code. Each entry names a finding by fingerprint (stable across line moves and rewording),
with who decided, why, and optionally until when: an expired suppression resurfaces its finding.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field

from modernizer.fs import write_atomic
from modernizer.findings.redact import SecretIndex, scrub
from modernizer.errors import InputError
from modernizer.safeio import Refused, read_in_tree

FILENAME = "modernize-suppressions.toml"


class Suppression(BaseModel):
    fingerprint: str = Field(min_length=8, max_length=64)
    reason: str = Field(min_length=1, max_length=500)
    owner: str = Field(min_length=1, max_length=120)
    expires: date | None = None
    created: date | None = None
    title: str = Field(default="", max_length=200, description="for people reading the file; not used to match")
    file: str = Field(default="", max_length=300, description="for people reading the file; not used to match")

    def active(self, today: date) -> bool:
        return self.expires is None or today <= self.expires


def load_suppressions(repo_root: str | Path) -> list[Suppression]:
    """The file's entries; none when it is absent. It lives in the untrusted tree, so it is read
    through safeio (a link, a FIFO, /dev/zero or a huge file is refused, never followed or waited on)."""
    path = Path(repo_root) / FILENAME
    try:
        data = tomllib.loads(read_in_tree(repo_root, FILENAME).decode("utf-8"))
    except FileNotFoundError:
        return []
    except Refused as no:
        raise InputError(f"{path}: the suppressions file is not read ({no.detail})",
                         "make it a plain file of the repository, or remove it") from no
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read the suppressions file ({exc})", "fix or remove the file") from exc
    try:
        return [Suppression.model_validate(entry) for entry in data.get("suppression", [])]
    except ValueError as exc:
        raise InputError(f"{path}: an entry is invalid ({exc})", "each [[suppression]] needs fingerprint, reason and owner") from exc


def _toml_value(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def dumps(suppressions: list[Suppression]) -> str:
    lines = ["# Findings this team has reviewed and accepted or judged false.",
             "# Written by `modernize review` (mark as false positive) or by hand; commit it with the code.",
             "# An entry with an `expires` date in the past no longer hides its finding.", ""]
    for s in suppressions:
        lines.append("[[suppression]]")
        for key, value in s.model_dump(exclude_none=True).items():
            if value != "":
                lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def add_suppression(repo_root: str | Path, new: Suppression, known: SecretIndex | None = None) -> list[Suppression]:
    """Add or replace (same fingerprint) an entry; written atomically so a crash leaves the old file."""
    current = [s for s in load_suppressions(repo_root) if s.fingerprint != new.fingerprint]
    # the title came from a model, the reason from a person: neither may carry a secret (``known``:
    # the code's own secret values, when the caller has the code at hand)
    current.append(scrub(new, known))
    write_atomic(Path(repo_root) / FILENAME, dumps(current))
    return current
