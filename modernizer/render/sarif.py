"""SARIF 2.1.0, for GitHub code scanning and any other SARIF viewer.

Choices (the README repeats them):
- one rule per finding category; its ``helpUri`` points at cwe.mitre.org where a CWE is known
  (a URL in the file: nothing is fetched), its tags carry ``external/cwe/cwe-N`` and its
  ``security-severity`` is the highest among its results, as GitHub reads it;
- level: critical and high -> error, medium -> warning, low and info -> note;
- verified and unverified findings are results (``properties.grounding`` says which, and an
  unverified one says so in its message); rejected findings (no such file or lines) are left
  out, since no viewer can show a location that does not exist: the JSON report keeps them;
- ``partialFingerprints["modernizer/v1"]`` is the report's fingerprint (category, file,
  enclosing symbol, code), so code scanning tracks a finding across line moves;
- with a baseline, ``baselineState`` is new or unchanged; fixed findings are not written as
  ``absent`` results, because code scanning treats every uploaded result as present (it closes
  the alert itself when a result stops appearing); their count is in the run's properties;
- a suppressed finding carries ``suppressions: [{kind: external, status: accepted, justification}]``;
- computed candidates (the static pass) are results too, marked as facts from code and not findings:
  rule ids ``candidate/<rule>``, ``kind: review``, ``level: note``, no ``security-severity``,
  ``properties.source = "computed-candidate"`` and ``confirmedBy`` (the findings at its lines), and
  their own fingerprint key ``modernizer/candidate/v1`` (rule, file, code).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from modernizer import __version__
from modernizer.render import RenderOptions
from modernizer.report import Report, ReportCandidate, ReportFinding
from modernizer.identity import normalise_category

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "modernizer/v1"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub shows "security-severity" 9.0+ as critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {"critical": 9.5, "high": 8.0, "medium": 5.5, "low": 3.0, "info": 0.5}
_CWE = re.compile(r"^CWE-(\d{1,4})$")


def cwe_uri(cwe: str) -> str | None:
    m = _CWE.match(cwe.strip().upper())
    return f"https://cwe.mitre.org/data/definitions/{m.group(1)}.html" if m else None


def _rule_id(f: ReportFinding) -> str:
    return normalise_category(f.category) or "finding"


def _rules(findings: list[ReportFinding]) -> list[dict[str, Any]]:
    by_rule: dict[str, list[ReportFinding]] = {}
    for f in findings:
        by_rule.setdefault(_rule_id(f), []).append(f)
    rules = []
    order = list(SECURITY_SEVERITY)
    for rid in sorted(by_rule):
        group = by_rule[rid]
        worst = min((f.severity for f in group), key=lambda s: order.index(s) if s in order else len(order))
        cwes = sorted({f.cwe.strip().upper() for f in group if _CWE.match(f.cwe.strip().upper())},
                      key=lambda c: int(c.split("-")[1]))
        security = any(f.source == "security" or f.cwe for f in group)
        rule: dict[str, Any] = {
            "id": rid,
            "name": "".join(w.capitalize() for w in re.split(r"[^a-z0-9]+", rid) if w) or "Finding",
            "shortDescription": {"text": rid.replace("-", " ")},
            "fullDescription": {"text": f"{rid.replace('-', ' ')}" + (f" ({', '.join(cwes)})" if cwes else "")},
            "defaultConfiguration": {"level": LEVELS.get(worst, "warning")},
            "properties": {"tags": (["security"] if security else ["maintainability"]) + [f"external/cwe/cwe-{c.split('-')[1]}" for c in cwes]},
        }
        if security:
            rule["properties"]["security-severity"] = f"{SECURITY_SEVERITY.get(worst, 5.0):.1f}"
        if cwes:
            rule["helpUri"] = cwe_uri(cwes[0])
            rule["help"] = {"text": " ".join(f"{c}: {cwe_uri(c)}" for c in cwes)}
        rules.append(rule)
    return rules


def _result(f: ReportFinding, rule_index: dict[str, int]) -> dict[str, Any]:
    message = f"{f.title}: {f.reason}" if f.reason else f.title
    if f.grounding.status == "unverified":
        message += " (unverified: the quoted code was not found at these lines)"
    if f.verdict == "false-positive":
        message += f" (the validator agent judged it a false positive{': ' + f.verdict_note if f.verdict_note else ''})"
    region: dict[str, Any] = {"startLine": max(1, f.line_start), "endLine": max(f.line_start, f.line_end, 1)}
    if f.snippet:
        region["snippet"] = {"text": f.snippet}
    rid = _rule_id(f)
    props: dict[str, Any] = {"severity": f.severity, "grounding": f.grounding.status, "agent": f.source,
                             "reportId": f.id, "category": f.category}
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
        "message": {"text": message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"}, "region": region}}],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
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
        group = [c for c in items if c.rule == rid]
        c0 = group[0]
        n = c0.cwe.split("-")[-1]
        rule: dict[str, Any] = {
            "id": f"candidate/{rid}", "name": "Candidate" + "".join(w.capitalize() for w in re.split(r"[^a-z0-9]+", rid.lower()) if w),
            "shortDescription": {"text": f"candidate site: {c0.family.replace('-', ' ')}"},
            "fullDescription": {"text": f"{c0.message} (computed by a static rule, not confirmed by a model; {c0.cwe})"},
            "defaultConfiguration": {"level": "note"},
            "properties": {"tags": ["security", "candidate", f"external/cwe/cwe-{n}"], "family": c0.family},
        }
        if cwe_uri(c0.cwe):
            rule["helpUri"] = cwe_uri(c0.cwe)
        rules.append(rule)
    return rules


def _candidate_result(c: ReportCandidate, rule_index: dict[str, int]) -> dict[str, Any]:
    said = f" Confirmed by finding {', '.join(c.confirmed_by)}." if c.confirmed_by else " Not confirmed by a model."
    code = re.sub(r"\s+", " ", c.snippet).strip()
    return {
        "ruleId": f"candidate/{c.rule}", "ruleIndex": rule_index[f"candidate/{c.rule}"], "kind": "review", "level": "note",
        "message": {"text": f"Candidate ({c.family}, {c.cwe}): {c.message}.{said}"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": c.file, "uriBaseId": "%SRCROOT%"},
                                            "region": {"startLine": max(1, c.line_start), "endLine": max(c.line_start, c.line_end, 1),
                                                       "snippet": {"text": c.snippet}}}}],
        "partialFingerprints": {CANDIDATE_FINGERPRINT_KEY: hashlib.sha256(f"{c.rule}|{c.file}|{code}".encode()).hexdigest()[:32]},
        "properties": {"source": "computed-candidate", "reportId": c.id, "family": c.family, "cwe": c.cwe,
                       "confirmedBy": c.confirmed_by},
    }


def _srcroot(report: Report) -> dict[str, Any]:
    root = Path(report.repo.root)
    base: dict[str, Any] = {"description": {"text": f"the root of the analysed repository ({report.repo.name})"}}
    if root.is_absolute():
        base["uri"] = root.as_uri().rstrip("/") + "/"
    return base


def sarif_log(report: Report) -> dict[str, Any]:
    results_of = [f for f in report.findings if f.grounding.status != "rejected"]
    candidates = report.candidates.items if report.candidates else []
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
    driver: dict[str, Any] = {"name": "modernizer", "version": __version__, "semanticVersion": __version__, "rules": rules}
    if report.llm:
        run_props["model"] = report.llm.model
    failed = [a for a in report.agents if a.status != "ok"]
    invocation: dict[str, Any] = {"executionSuccessful": not failed}
    if failed:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": f"agent {a.agent} {a.status}: {a.error or 'no valid answer'}"}} for a in failed]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "originalUriBaseIds": {"%SRCROOT%": _srcroot(report)},
        "results": [_result(f, rule_index) for f in results_of] + [_candidate_result(c, rule_index) for c in candidates],
        "columnKind": "unicodeCodePoints",
        "properties": run_props,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report, options: RenderOptions | None = None) -> str:
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"
