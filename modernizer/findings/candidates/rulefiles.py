"""Our rule files and a user's (``--rules``): where they are, read once, checked before Semgrep runs,
and what a rule's metadata says (family, CWE). The engine (engine.py) runs them; this module only
reads and validates them, so ``--rules`` errors come before any scan."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from modernizer.errors import InputError, ModernizerError
from modernizer.findings.candidates.model import cwe_number, family_of
from modernizer.findings.candidates.ruleyaml import load_user_yaml

RULES_DIR = Path(__file__).resolve().parent / "rules"


class CandidatesUnavailable(ModernizerError):
    """The engine is missing or failed as a whole: the caller notes it and goes on without candidates."""

    exit_code = 5


def builtin_rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.yml"))


def _load_yaml(path: Path):
    try:
        from ruamel.yaml import YAML  # semgrep's own dependency
    except ImportError as e:  # pragma: no cover - only without semgrep
        raise CandidatesUnavailable("semgrep's dependency ruamel.yaml is missing") from e
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def builtin_rules() -> dict[str, dict]:
    """Our rules by id (each with its file), read once."""
    out: dict[str, dict] = {}
    for f in builtin_rule_files():
        for r in (_load_yaml(f) or {}).get("rules", []):
            out[r["id"]] = {**r, "_file": f.name}
    return out


_PATTERN_KEYS = ("pattern", "patterns", "pattern-either", "pattern-regex", "mode", "match", "taint")


def check_rule_file(path: Path, taken: set[str]) -> list[str]:
    """Validate a user's rule file as far as we can without the engine; its rule ids. InputError if invalid."""
    where = str(path)
    if not path.is_file():
        raise InputError(f"rules file {where} does not exist or is not a file")
    try:
        doc = load_user_yaml(path)
    except (CandidatesUnavailable, InputError):
        raise
    except Exception as e:  # ruamel raises many kinds
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"rules file {where} is not valid YAML: {first}",
                         hint="a Semgrep rules file: a mapping with a 'rules' list") from e
    rules = doc.get("rules") if isinstance(doc, dict) else None
    if not isinstance(rules, list) or not rules:
        raise InputError(f"rules file {where} has no 'rules' list",
                         hint="a Semgrep rules file: rules: [{id, languages, message, severity, pattern..., metadata: {cwe}}]")
    ids: list[str] = []
    for i, r in enumerate(rules):
        label = f"rules file {where}, rule {i + 1}"
        if not isinstance(r, dict) or not isinstance(r.get("id"), str) or not r["id"].strip():
            raise InputError(f"{label} has no 'id'")
        rid = r["id"]
        label = f"rules file {where}, rule {rid!r}"
        if rid in taken or rid in ids:
            raise InputError(f"{label}: the id is already used" + (" by modernizer's own rules" if rid in taken else ""),
                             hint="give your rule an id of its own")
        for key in ("languages", "message"):
            if not r.get(key):
                raise InputError(f"{label} has no '{key}'")
        if not any(k in r for k in _PATTERN_KEYS):
            raise InputError(f"{label} has no pattern (pattern, patterns, pattern-either, pattern-regex or taint mode)")
        meta = r.get("metadata") if isinstance(r.get("metadata"), dict) else {}
        cwe = meta.get("cwe")
        cwe = cwe[0] if isinstance(cwe, list) and cwe else cwe
        if not cwe or not cwe_number(str(cwe)):
            raise InputError(f"{label} has no metadata.cwe",
                             hint="say which weakness it finds, e.g. metadata: {cwe: 'CWE-89'}")
        ids.append(rid)
    return ids


def _rule_meta(meta: dict) -> tuple[str, str] | None:
    cwe = meta.get("cwe")
    cwe = cwe[0] if isinstance(cwe, list) and cwe else cwe
    n = cwe_number(str(cwe)) if cwe else None
    if not n:
        return None
    fam = meta.get("family")
    if not isinstance(fam, str) or not fam.strip():
        fam = family_of(n) or "other"
    return fam.strip(), f"CWE-{n}"
