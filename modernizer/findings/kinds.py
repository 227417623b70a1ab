"""What kind of problem a finding is, as a stable id: its CWE, or one of our own few rules.

A model's category is free text: one run says ``xss``, the next ``xss-reflected`` or ``Cross Site
Scripting``. Anything keyed on it (a SARIF rule, a code-scanning alert) splits and renames itself
with the wording. The kind is keyed on meaning instead, first match wins:

1. the finding's CWE, when it names one: ``CWE-79`` (any CWE, in our table or not; see cwe.py);
2. else the CWE its category means (``cwe.cwe_for_category``: ``sql-injection`` -> ``CWE-89``);
3. else one of ``STABLE`` below, by keywords in the category (``deprecated-api``, ``Deprecated
   APIs``, ``end-of-life framework`` -> ``modernizer/deprecated-api``): the analyser's design and
   modernisation findings, which have no CWE;
4. else ``modernizer/<agent>`` (``modernizer/analyzer``, ``modernizer/security``...), one rule per
   agent for whatever is left, rather than one per wording.

The category itself stays on the finding (and in SARIF's result properties): it is the model's
words, shown, never keyed on.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from modernizer.findings.cwe import Weakness, cwe_for_category, lookup


class Stable(BaseModel, frozen=True):
    id: str
    title: str
    description: str
    remediation: str
    keywords: tuple[str, ...]    # word prefixes, matched at a word start in the category


STABLE: tuple[Stable, ...] = (
    Stable(id="modernizer/deprecated-api", title="Deprecated or end-of-life API",
           description="Code uses an API, library, language feature or framework that is deprecated, removed in later "
                       "versions or no longer maintained.",
           remediation="Replace it with the supported successor named in the finding; upgrade the framework where the API belongs to it.",
           keywords=("deprecat", "obsolete", "outdated", "end of life", "eol", "legacy api", "removed api", "unsupported",
                     "unmaintained", "python 2", "py2")),
    Stable(id="modernizer/resource-leak", title="Leaked resource",
           description="A connection, stream, file or lock is opened and not reliably closed.",
           remediation="Close it in all paths: try-with-resources, `with`, `using`, or a finally block.",
           keywords=("resource leak", "connection leak", "leak", "unclosed", "not closed", "resource management")),
    Stable(id="modernizer/circular-dependency", title="Circular dependency",
           description="Modules or classes depend on each other in a cycle, so none can change or be tested alone.",
           remediation="Break the cycle: move the shared part into its own module or invert one dependency behind an interface.",
           keywords=("circular", "cycle", "cyclic")),
    Stable(id="modernizer/god-class", title="God class",
           description="One class or module holds too many responsibilities.",
           remediation="Split it along its responsibilities, one at a time, behind tests.",
           keywords=("god class", "god object", "large class", "blob", "too many responsibilities", "monolithic class")),
    Stable(id="modernizer/duplicated-code", title="Duplicated logic",
           description="The same logic is written more than once, so fixes must be made in several places.",
           remediation="Extract the shared logic into one function or class and call it from each place.",
           keywords=("duplicat", "copy paste", "copy pasted", "code clone", "repeated logic")),
)
_BY_ID = {s.id: s for s in STABLE}


class Kind(BaseModel, frozen=True):
    id: str                      # "CWE-89", "modernizer/deprecated-api", "modernizer/analyzer"
    title: str
    weakness: Weakness | None = None
    stable: Stable | None = None


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


def _stable_for(category: str) -> Stable | None:
    words = _words(category)
    for s in STABLE:
        if any(re.search(rf"(?:^| ){re.escape(k)}", words) for k in s.keywords):
            return s
    return None


def kind_of(cwe: str, category: str, agent: str) -> Kind:
    """The stable kind of a finding (see the module docstring for the order)."""
    w = lookup(cwe) or cwe_for_category(category)
    if w is not None:
        return Kind(id=w.cwe, title=w.title, weakness=w)
    s = _stable_for(category)
    if s is not None:
        return Kind(id=s.id, title=s.title, stable=s)
    name = re.sub(r"[^a-z0-9]+", "-", agent.casefold()).strip("-") or "finding"
    return Kind(id=f"modernizer/{name}", title=f"Other {name} finding")
