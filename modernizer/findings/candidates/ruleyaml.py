"""A user's Semgrep rule file, parsed with limits before Semgrep or our own checks see it.

``--rules`` files may come from the analysed repository (CI passes them), so they are untrusted
input: YAML anchors and aliases let a few hundred bytes expand into gigabytes (an alias "bomb"
in a rule's metadata took 233 s and 5.6 GB), and a FIFO or ``/dev/zero`` would hang or fill memory.
Rule files have no need of aliases, so they are refused, with the line.
"""

from __future__ import annotations

from pathlib import Path

from modernizer.errors import InputError
from modernizer.safeio import Refused, read_regular

RULE_FILE_BYTES = 8 << 20  # Semgrep rule files are text a person writes: a few hundred KiB at most
_MAX_EVENTS = 2_000_000


def load_user_yaml(path: Path):
    """A user's rule file, parsed with limits: a regular file of at most RULE_FILE_BYTES, and no
    anchors or aliases (an alias "bomb" in a rule's metadata expands into gigabytes when Semgrep or
    our own checks walk it; rule files have no need of them). InputError naming the file otherwise."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import AliasEvent

    try:
        data = read_regular(path, RULE_FILE_BYTES)
    except Refused as no:
        raise InputError(f"rules file {path} is not read ({no.detail})", hint="give a plain YAML file") from no
    text = data.decode("utf-8")
    yaml = YAML(typ="safe", pure=True)
    for n, event in enumerate(yaml.parse(text)):
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            line = event.start_mark.line + 1 if event.start_mark else "?"
            raise InputError(f"rules file {path}, line {line}: YAML anchors and aliases (&name, *name) are not accepted",
                             hint="write the value out where it is used")
        if n > _MAX_EVENTS:
            raise InputError(f"rules file {path} is too large to be a rule file", hint="split it, or trim it")
    return YAML(typ="safe", pure=True).load(text)
