"""SARIF 2.1.0, for GitHub code scanning and any other SARIF viewer.

Choices (the README repeats them):
- one rule per kind of problem, never per wording (kinds.py): ``CWE-89`` for every finding that
  names CWE-89 (or whose category means it: ``xss``, ``xss-reflected`` and ``xss-stored`` are all
  ``CWE-79``), else one of our few stable rules (``modernizer/deprecated-api``...), else
  ``modernizer/<agent>``. The model's category is kept in the result's properties only;
- severity belongs to the rule, as with CodeQL: a CWE rule's ``security-severity`` is the fixed
  score of cwe.py's table (never derived from the run's findings, so one critical finding does not
  make every finding of its rule critical on code scanning); its ``help`` gives MITRE's name, a
  remediation line and the link (a URL in the file: nothing is fetched). Our own rules carry no
  ``security-severity``: code scanning then ranks their alerts by each result's level;
- each result carries the finding's own severity: level critical and high -> error, medium ->
  warning, low and info -> note, and ``properties.severity`` the word itself;
- verified and unverified findings are results (``properties.grounding`` says which, and an
  unverified one says so in its message); rejected findings (no such file or lines) are left
  out, since no viewer can show a location that does not exist: the JSON report keeps them;
- ``contextRegion``: the cited lines with a few around them, as the report carries them
  (excerpt.py: from the snapshot, redacted), when they hold the whole region;
- ``partialFingerprints["modernizer/v2"]``: the rule, file, enclosing symbol and quoted code
  (identity.kind_fingerprint), so neither a line move nor a reworded category makes a new alert.
  It hashes the quote as the report keeps it, not the anchored source lines the report's own
  fingerprint hashes (a renderer has no source): a model quoting another part of the same line
  still makes a new alert. The report's fingerprint (what baselines and
  modernize-suppressions.toml match) keeps the category, as since schema 1.1, and is in
  ``properties.fingerprint``: SARIF's key is separate, so suppressions and baselines are
  untouched. Reports rendered before wrote ``modernizer/v1`` with category rule ids: on the first
  upload of this format code scanning closes each old alert once and reopens it under its rule;
- with a baseline, ``baselineState`` is new or unchanged; fixed findings are not written as
  ``absent`` results, because code scanning treats every uploaded result as present (it closes
  the alert itself when a result stops appearing); their count is in the run's properties;
- a suppressed finding carries ``suppressions: [{kind: external, status: accepted, justification}]``;
- ``originalUriBaseIds["%SRCROOT%"]`` is described, not located: the analysing machine's path is
  of no use to a viewer and says something about that machine. It is the top level of the git work
  tree that holds the analysed folder (where GitHub resolves locations), else the analysed folder
  itself; when a subfolder was analysed (a monorepo's part, ``sample_repos/legacy-hotel``),
  locations start with its path (``Report.repo.git.prefix``), which ``ANALYSEDROOT`` (relative to
  ``%SRCROOT%``) and the run's ``properties.analysedFolder`` record. ``partialFingerprints`` keep
  hashing the report's own path (relative to the analysed folder), unchanged by this; GitHub also
  wants a result's file path stable across runs, so a subfolder's alerts analysed before this
  change (at paths GitHub could not open) close once and reopen at their real paths;
- computed candidates (the static pass) are not alerts: they stay in the JSON/HTML report and are
  written only when asked (``--sarif-candidates``: a 3K-line sample made 65 notes for 0 findings); then
  they are results, marked as facts from code and not findings:
  rule ids ``candidate/<rule>``, ``kind: review``, ``level: note``, no ``security-severity``,
  ``properties.source = "computed-candidate"`` and ``confirmedBy`` (the findings at its lines), and
  their own fingerprint key ``modernizer/candidate/v1`` (rule, file, code).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import quote

from modernizer import __version__
from modernizer.findings.cwe import Weakness, lookup
from modernizer.findings.identity import kind_fingerprint
from modernizer.findings.kinds import Kind, kind_of
from modernizer.render import RenderOptions
from modernizer.render.links import in_repository
from modernizer.report import Report, ReportCandidate, ReportFinding

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "modernizer/v2"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


_ESCAPED = re.compile(r"\\x([0-9a-f]{2})")


def artifact_uri(path: str) -> str:
    """A report path as a relative URI reference (RFC 3986), percent-encoded: names with spaces,
    ``<``, ``>``, quotes, ``#``, ``%`` or ``:`` stay one valid reference to that file. A name the
    report shows with ``\\xNN`` escapes (not UTF-8 on disk) is encoded from its own bytes."""
    raw = _ESCAPED.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)) if int(m.group(1), 16) >= 0x80 else m.group(0), path)
    return quote(raw.encode("utf-8", "surrogateescape"), safe="/")


def _level_of_score(score: float) -> str:
    """A rule's default level from its score, on GitHub's bands (7.0+ high or critical)."""
    return "error" if score >= 7.0 else "warning" if score >= 4.0 else "note"


def _camel(text: str) -> str:
    return "".join(w.capitalize() for w in re.findall(r"[A-Za-z0-9]+", text)) or "Finding"


def _help(w: Weakness) -> dict[str, str]:
    if not w.known:
        return {"text": f"{w.cwe}. {w.remediation} {w.uri}",
                "markdown": f"**[{w.cwe}]({w.uri})**\n\n{w.remediation}"}
    return {"text": f"{w.cwe}: {w.name}. {w.remediation} {w.uri}",
            "markdown": f"**[{w.cwe}]({w.uri}): {w.name}**\n\n{w.remediation}"}


def _rule(kind: Kind) -> dict[str, Any]:
    w, s = kind.weakness, kind.stable
    if w is not None:
        return {
            "id": kind.id, "name": _camel(kind.title),
            "shortDescription": {"text": f"{kind.title} ({w.cwe})" if w.known else f"Weakness {w.cwe}"},
            "fullDescription": {"text": f"{w.cwe}: {w.name}" if w.known else f"{w.cwe} (not in modernizer's CWE table)"},
            "defaultConfiguration": {"level": _level_of_score(w.severity)},
            "helpUri": w.uri, "help": _help(w),
            "properties": {"tags": ["security", f"external/cwe/cwe-{w.number}"], "security-severity": f"{w.severity:.1f}",
                           "severityBasis": w.basis},
        }
    security = kind.id == "modernizer/security"
    description = s.description if s else f"A finding of the {kind.id.split('/', 1)[1]} agent that names no CWE and none of our own rules."
    rule: dict[str, Any] = {
        "id": kind.id, "name": _camel(kind.title),
        "shortDescription": {"text": kind.title}, "fullDescription": {"text": description},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["security"] if security else ["maintainability"]},
    }
    if s:
        rule["help"] = {"text": f"{s.description} {s.remediation}", "markdown": f"{s.description}\n\n{s.remediation}"}
    return rule


def _kind(f: ReportFinding) -> Kind:
    return kind_of(f.cwe, f.category, f.source)


def _rules(findings: list[ReportFinding]) -> list[dict[str, Any]]:
    """The kinds the results use, CWEs in number order then ours: a rule depends on its kind only."""
    kinds = {k.id: k for k in map(_kind, findings)}

    def order(rid: str) -> tuple[int, int, str]:
        return (0, int(rid[4:]), "") if rid.startswith("CWE-") else (1, 0, rid)
    return [_rule(kinds[rid]) for rid in sorted(kinds, key=order)]


def _message(f: ReportFinding) -> str:
    """The finding's reason: the rule already names the kind and the title would repeat it."""
    message = (f.reason or f.title).strip()
    if f.grounding.status == "unverified":
        message += " (unverified: the quoted code was not found at these lines)"
    if f.verdict == "false-positive":
        message += f" (the validator agent judged it a false positive{': ' + f.verdict_note if f.verdict_note else ''})"
    return message


def _prefix(report: Report) -> str:
    return report.repo.git.prefix.strip("/") if report.repo.git else ""


def _location(prefix: str, path: str, region: dict[str, Any], context: dict[str, Any] | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(in_repository(prefix, path)), "uriBaseId": "%SRCROOT%"},
                                "region": region}
    if context:
        physical["contextRegion"] = context
    return {"physicalLocation": physical}


def _context_region(f: ReportFinding, region: dict[str, Any]) -> dict[str, Any] | None:
    """The report's cited lines with their context (excerpt.py, redacted) as SARIF's
    ``contextRegion``, which a viewer shows around the result; only when it holds the whole region
    (SARIF asks it to: a long citation the excerpt cut short has none)."""
    c = f.context
    if c is None or c.omitted or not c.lines:
        return None
    end = c.start + len(c.lines) - 1
    if not (c.start <= region["startLine"] and region["endLine"] <= end):
        return None
    return {"startLine": c.start, "endLine": end, "snippet": {"text": "\n".join(c.lines) + "\n"}}


def _result(f: ReportFinding, rule_index: dict[str, int], prefix: str = "") -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(1, f.line_start), "endLine": max(f.line_start, f.line_end, 1)}
    if f.snippet:
        region["snippet"] = {"text": f.snippet}
    rid = _kind(f).id
    props: dict[str, Any] = {"severity": f.severity, "title": f.title, "category": f.category, "grounding": f.grounding.status,
                             "agent": f.source, "reportId": f.id, "fingerprint": f.fingerprint}
    if f.grounding.note:
        props["groundingNote"] = f.grounding.note
    if f.verdict:
        props["validatorVerdict"] = f.verdict
    if f.symbol:
        props["symbol"] = f.symbol
    if f.cwe:
        props["cwe"] = f.cwe
    if f.suppression and f.suppression.expired:
        props["suppressionExpired"] = f.suppression.expires.isoformat() if f.suppression.expires else True
    result: dict[str, Any] = {
        "ruleId": rid,
        "ruleIndex": rule_index[rid],
        "kind": "fail",
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": _message(f)},
        "locations": [_location(prefix, f.file, region, _context_region(f, region))],
        "partialFingerprints": {FINGERPRINT_KEY: kind_fingerprint(rid, f.file, f.snippet, f.symbol)},
        "properties": props,
    }
    if f.symbol:
        result["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": f.symbol}]
    if f.baseline_status in ("new", "unchanged"):
        result["baselineState"] = f.baseline_status
    if f.suppressed and f.suppression:
        sup: dict[str, Any] = {"kind": "external", "status": "accepted", "justification": f.suppression.reason,
                               "properties": {"owner": f.suppression.owner}}
        if f.suppression.expires:
            sup["properties"]["expires"] = f.suppression.expires.isoformat()
        result["suppressions"] = [sup]
    return result


CANDIDATE_FINGERPRINT_KEY = "modernizer/candidate/v1"


def _candidate_rules(items: list[ReportCandidate]) -> list[dict[str, Any]]:
    rules = []
    for rid in sorted({c.rule for c in items}):
        c0 = next(c for c in items if c.rule == rid)
        w = lookup(c0.cwe)
        rule: dict[str, Any] = {
            "id": f"candidate/{rid}", "name": "Candidate" + _camel(rid),
            "shortDescription": {"text": f"candidate site: {c0.family.replace('-', ' ')}"},
            "fullDescription": {"text": f"{c0.message} (computed by a static rule, not confirmed by a model; {c0.cwe})"},
            "defaultConfiguration": {"level": "note"},
            "properties": {"tags": ["security", "candidate"] + ([f"external/cwe/cwe-{w.number}"] if w else []), "family": c0.family},
        }
        if w:
            rule["helpUri"] = w.uri
            rule["help"] = _help(w)
        rules.append(rule)
    return rules


def _candidate_result(c: ReportCandidate, rule_index: dict[str, int], prefix: str = "") -> dict[str, Any]:
    said = f" Confirmed by finding {', '.join(c.confirmed_by)}." if c.confirmed_by else " Not confirmed by a model."
    code = re.sub(r"\s+", " ", c.snippet).strip()
    return {
        "ruleId": f"candidate/{c.rule}", "ruleIndex": rule_index[f"candidate/{c.rule}"], "kind": "review", "level": "note",
        "message": {"text": f"Candidate ({c.family}, {c.cwe}): {c.message}.{said}"},
        "locations": [_location(prefix, c.file, {"startLine": max(1, c.line_start), "endLine": max(c.line_start, c.line_end, 1),
                                                  "snippet": {"text": c.snippet}})],
        "partialFingerprints": {CANDIDATE_FINGERPRINT_KEY: hashlib.sha256(f"{c.rule}|{c.file}|{code}".encode()).hexdigest()[:32]},
        "properties": {"source": "computed-candidate", "reportId": c.id, "family": c.family, "cwe": c.cwe,
                       "confirmedBy": c.confirmed_by},
    }


def _before_prefix(report: Report) -> bool:
    try:
        return tuple(int(x) for x in report.schema_version.split(".")[:2]) < (1, 6)
    except ValueError:
        return False


def _base_ids(report: Report) -> dict[str, Any]:
    """``%SRCROOT%`` described, with no ``uri``: the schema allows it (an artifactLocation needs no
    property) and the analysing machine's absolute path would only leak it; viewers resolve the
    relative locations against their own checkout. With a subfolder analysed, ``ANALYSEDROOT``
    locates it under ``%SRCROOT%`` (a relative ``uri`` ending in ``/``, as SARIF asks of a base)."""
    prefix = _prefix(report)
    if report.repo.git is not None and not prefix and _before_prefix(report):
        return {"%SRCROOT%": {"description": {"text": f"The analysed folder ({report.repo.name}); locations are relative to it "
                                                      "(a report from before schema 1.6, which did not record where the folder "
                                                      "lies in its git repository)."}}}
    if report.repo.git is None:
        return {"%SRCROOT%": {"description": {"text": f"The analysed folder ({report.repo.name}), which is not in a git work tree; "
                                                      "locations are relative to it."}}}
    if not prefix:
        return {"%SRCROOT%": {"description": {"text": f"The top level of the analysed git repository ({report.repo.name}); "
                                                      "locations are relative to it."}}}
    return {"%SRCROOT%": {"description": {"text": f"The top level of the git repository that holds the analysed folder {prefix}/; "
                                                 "locations are relative to it, so they start with that folder."}},
            "ANALYSEDROOT": {"uri": artifact_uri(prefix) + "/", "uriBaseId": "%SRCROOT%",
                             "description": {"text": "The folder modernizer analysed, inside the repository."}}}


def sarif_log(report: Report, candidates_as_results: bool = False) -> dict[str, Any]:
    results_of = [f for f in report.findings if f.grounding.status != "rejected"]
    candidates = report.candidates.items if report.candidates and candidates_as_results else []
    rules = _rules(results_of) + _candidate_rules(candidates)
    rule_index = {r["id"]: i for i, r in enumerate(rules)}
    summary = report.summary
    run_props: dict[str, Any] = {
        "reportSchemaVersion": report.schema_version, "generatedAt": report.generated_at, "mode": report.mode,
        "rejectedFindingsLeftOut": sum(f.grounding.status == "rejected" for f in report.findings),
        "suppressed": summary.suppressed,
        "candidates": summary.candidates, "candidatesConfirmed": summary.candidates_confirmed,
    }
    if report.baseline is not None:
        run_props["baseline"] = {"source": report.baseline.source, "generatedAt": report.baseline.generated_at,
                                 **summary.baseline.model_dump()}
    if report.repo.git and report.repo.git.commit:
        run_props["commit"] = report.repo.git.commit
    prefix = _prefix(report)
    if prefix:
        run_props["analysedFolder"] = prefix
    driver: dict[str, Any] = {"name": "modernizer", "version": __version__, "semanticVersion": __version__, "rules": rules}
    if report.llm:
        run_props["model"] = report.llm.model
    failed = [a for a in report.agents if a.status != "ok"]
    invocation: dict[str, Any] = {"executionSuccessful": not failed}
    notes = [{"level": "error", "message": {"text": f"agent {a.agent} {a.status}: {a.error or 'no valid answer'}"}} for a in failed]
    if report.llm and report.llm.test_model:  # a test model, or the shipped example (not a model run): said where viewers look
        run_props["testModel"] = report.llm.test_model
        notes.insert(0, {"level": "warning", "message": {"text": f"Test model: {report.llm.model} is {report.llm.test_model}. "
                                                                 "Do not read these results as an analysis of the code."}})
    if notes:
        invocation["toolExecutionNotifications"] = notes
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "originalUriBaseIds": _base_ids(report),
        "results": [_result(f, rule_index, prefix) for f in results_of] + [_candidate_result(c, rule_index, prefix) for c in candidates],
        "columnKind": "unicodeCodePoints",
        "properties": run_props,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report, options: RenderOptions | None = None) -> str:
    return json.dumps(sarif_log(report, bool(options and options.sarif_candidates)), indent=2, ensure_ascii=False) + "\n"
