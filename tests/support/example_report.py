"""The labelled hotel sample as a full report, for the HTML browser tests and the README's
screenshot (docs/make_screenshot.py).

Built through the public ``build_report`` from agent outputs that carry the labelled problems of
``sample_repos/legacy-hotel/EXPECTED.json`` (see support/labelled.py), plus what a real run adds
around them: a finding whose file does not exist (grounding rejects it), validator verdicts, two
plan items with their files, agent statistics and the offline token estimate. Test data, not a
model's answer: whatever shows it must say so.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from datetime import datetime, timezone

from modernizer.run.analysis import AnalyzeOptions, plan_tokens, prepare
from modernizer.run.assemble import build_report
from modernizer.run.context import TokenPlan
from modernizer.engine.results import AgentRun, PipelineResult
from modernizer.repo.facts import compute_facts
from modernizer.repo.ingest import load_snapshot
from modernizer.report import LLMInfo, Report
from modernizer.findings.suppressions import load_suppressions
from support.labelled import analyzer_findings, security_findings

GHOST = {"id": "S91", "title": "SQL injection in the audit log", "category": "sql-injection", "cwe": "CWE-89",
         "severity": "critical", "file": "src/main/java/com/grandhotel/dao/NoSuchDao.java", "line_start": 12, "line_end": 12,
         "snippet": "st.executeQuery(\"SELECT * FROM audit WHERE id=\" + id)", "reason": "Concatenated SQL (cites a file that does not exist)."}
LONG_WORD = "Unbroken" * 40  # 320 characters without a space: must wrap inside its card, not widen the page


def _stats(prompt: int, cached: int, out: int, wall: float) -> dict:
    return {"requests": 1, "prompt_tokens": prompt, "cached_tokens": cached, "completion_tokens": out, "wall_s": wall}


def example_result(long_word: bool = False) -> PipelineResult:
    sec = security_findings() + [GHOST]
    ana = analyzer_findings()
    if long_word:
        sec[0] = {**sec[0], "reason": ("Built from " + LONG_WORD)[:200], "title": LONG_WORD[:90]}
    by_id = {f["id"]: f for f in sec}
    plan = [{"id": "P1", "title": "Parameterise every SQL statement in the DAOs", "phase": "quick-win", "effort": "M",
             "addresses": [i for i, f in by_id.items() if f["category"] == "sql-injection"][:6],
             "files": sorted({f["file"] for f in sec if f["category"] == "sql-injection" and f is not GHOST})[:5],
             "rationale": "String-built SQL is the most exploitable problem; PreparedStatement fixes it locally."},
            {"id": "P2", "title": "Move credentials out of the source", "phase": "quick-win", "effort": "S",
             "addresses": [i for i, f in by_id.items() if f["category"] == "hardcoded-credentials"][:4],
             "files": sorted({f["file"] for f in sec if f["category"] == "hardcoded-credentials"})[:5],
             "rationale": "Secrets in the repository leak with every clone; read them from the environment."}]
    verdicts = [{"finding_id": "S1", "verdict": "confirmed", "note": "the concatenated value comes from the request"},
                {"finding_id": "S2", "verdict": "confirmed", "note": "reachable from the login form"},
                {"finding_id": "S4", "verdict": "uncertain", "note": "the value may be validated upstream"}]
    summary = "A Struts 1 hotel booking application on JDBC and JSP." + (" " + LONG_WORD if long_word else "")
    return PipelineResult(runs=[
        # more findings than one answer may carry: model_construct, as an aggregate of several answers would be
        AgentRun(agent="analyzer", role="findings", id_prefix="A", output_type="AnalyzerOutput", status="ok",
                 **_stats(42930, 0, 2690, 41.2), output=_construct("AnalyzerOutput", summary=summary[:600], components=[],
                                                                  tech_stack=["Java", "Struts 1", "JSP", "JDBC"], findings=ana)),
        AgentRun(agent="security", role="findings", id_prefix="S", output_type="SecurityOutput", status="ok",
                 **_stats(42936, 42624, 3120, 22.6), output=_construct("SecurityOutput", findings=sec)),
        AgentRun(agent="modernization", role="plan", output_type="ModernizationOutput", status="ok",
                 **_stats(43146, 42624, 880, 7.9), output={"items": plan}),
        AgentRun(agent="validator", role="verdicts", output_type="ValidatorOutput", status="ok",
                 **_stats(43121, 42624, 640, 5.1),
                 output={"verdicts": verdicts, "plan_risks": [{"plan_id": "P1", "level": "medium", "risk": "DAO tests are few; behaviour may change"}]}),
    ])


def _construct(name: str, **fields):  # noqa: ANN003
    from modernizer.findings.schemas import OUTPUT_MODELS, Finding

    if "findings" in fields:
        fields["findings"] = [Finding(**f) for f in fields["findings"]]
    return OUTPUT_MODELS[name].model_construct(**fields)


def offline_token_plan(repo: Path, window: int = 65536) -> TokenPlan:
    """What `modernize analyze --plan --no-llm --window N` computes: the offline estimate, not a server's count."""
    options = AnalyzeOptions()
    return asyncio.run(plan_tokens(prepare(repo, options), None, None, options.agents(), window=window))


def example_report(repo: Path, long_word: bool = False, now: datetime | None = None) -> Report:
    """The report `modernize analyze` would write on ``repo`` if the agents found the labelled problems."""
    snapshot = load_snapshot(repo)
    return build_report(snapshot, compute_facts(snapshot), offline_token_plan(repo), example_result(long_word),
                        LLMInfo(endpoint="http://127.0.0.1:8000/v1", model="labelled", max_model_len=65536),
                        now=now or datetime.now(timezone.utc), suppressions=load_suppressions(repo))


def with_modules(report: Report, *, fits: bool = False, window: int | None = None) -> Report:
    """``report`` as a chunked (``--mode modules``) run would show it: modules named as the chunker
    names them (directory paths, ``parent: child/, child/`` groups, a file split by lines), with the
    token budget made to fit or not and, with ``window``, a --window below the server's. For the
    HTML's Modules section; the findings stay those of the single-context example."""
    from modernizer.report import ModuleSummary, Modules

    names = ["(top level): files, src/", "db", "src/main/java/com/grandhotel/dao", "src/main/java/com/grandhotel/service",
             "src/main/java/com/grandhotel/web/action", "src/main/java/com/grandhotel/web: form/, servlet/",
             "src/main/java/com/grandhotel: model/, util/, web/", "src/main/webapp/WEB-INF"]
    modules = [ModuleSummary(id=f"m{i + 1:02d}", name=n, files=2 + i % 5, tokens=2400 + 173 * i,
                             agents={"analyzer": "ok", "security": "failed" if i == 3 else "ok"},
                             errors={"security": "answer cut off at max_tokens"} if i == 3 else {},
                             line_ranges=["src/main/java/com/grandhotel/web/action/BookingAction.java:1-180"] if i == 4 else [],
                             findings=i % 3) for i, n in enumerate(names)]
    files = sorted({f.file for f in report.findings if f.grounding.status != "rejected"})
    chunked = Modules(budget=4459, modules=modules, coverage={f: [modules[0].id] for f in files}, cross_edges=11)
    out = report.model_copy(deep=True, update={"mode": "modules", "modules": chunked})
    b = out.tokens.budget
    b.fits = fits
    if window is not None:
        b.window = window
    elif not fits:
        b.window = out.llm.max_model_len
    return out
