"""Reports with real findings, for the tests of baselines, suppressions and renderers.

The tiny random-weight test model answers with empty findings, so these reports are built through
the public ``build_report`` from agent outputs that carry the *labelled* planted problems of
``sample_repos/legacy-hotel/EXPECTED.json`` (file, lines, snippet, CWE): test data, not a model.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from modernizer.repo.facts import compute_facts
from modernizer.repo.ingest import load_snapshot
from modernizer.engine.results import AgentRun, PipelineResult
from modernizer.findings.schemas import AnalyzerOutput, Finding, SecurityOutput
from modernizer.report import LLMInfo, Report
from modernizer.run.assemble import build_report
from modernizer.findings.suppressions import load_suppressions

ROOT = Path(__file__).resolve().parents[2]
USER_DAO = "src/main/java/com/grandhotel/dao/UserDao.java"
EXPECTED = json.loads((ROOT / "sample_repos" / "legacy-hotel" / "EXPECTED.json").read_text(encoding="utf-8"))


def security_findings(retitle: str = "") -> list[dict]:
    out = []
    for i, v in enumerate(EXPECTED["vulnerabilities"], 1):
        out.append({"id": f"S{i}", "title": (retitle + v["kind"].replace("-", " "))[:90], "category": v["kind"],
                    "cwe": v["cwe"], "severity": v["severity"], "file": v["file"], "line_start": v["line_start"],
                    "line_end": v["line_end"], "snippet": v["snippet"], "reason": v["description"][:200]})
    return out


def analyzer_findings() -> list[dict]:
    return [{"id": f"A{i}", "title": f"Deprecated API {d['api']}"[:90], "category": "deprecated-api", "cwe": "",
             "severity": "low", "file": d["file"], "line_start": d["line_start"], "line_end": d["line_end"],
             "snippet": d["snippet"], "reason": d["description"][:200]}
            for i, d in enumerate(EXPECTED["deprecated_apis"], 1)]


def pipeline_result(security: list[dict] | None = None, analyzer: list[dict] | None = None) -> PipelineResult:
    sec = security_findings() if security is None else security
    ana = analyzer_findings() if analyzer is None else analyzer
    # more findings than one answer may carry (the labelled sample has 25+ vulnerabilities): built
    # with model_construct, as an aggregate over several answers would be
    return PipelineResult(runs=[
        AgentRun(agent="analyzer", role="findings", id_prefix="A", output_type="AnalyzerOutput", status="ok",
                 output=AnalyzerOutput.model_construct(summary="A Struts 1 hotel booking application.", tech_stack=["Java"],
                                                       components=[], findings=[Finding(**f) for f in ana])),
        AgentRun(agent="security", role="findings", id_prefix="S", output_type="SecurityOutput", status="ok",
                 output=SecurityOutput.model_construct(findings=[Finding(**f) for f in sec])),
        AgentRun(agent="modernization", role="plan", output_type="ModernizationOutput", status="ok", output={"items": []}),
        AgentRun(agent="validator", role="verdicts", output_type="ValidatorOutput", status="ok", output={"verdicts": [], "plan_risks": []}),
    ])


def labelled_report(repo: Path, result: PipelineResult | None = None, now: datetime | None = None) -> Report:
    """What `modernize analyze` would report on ``repo`` if the agents found the labelled problems."""
    snapshot = load_snapshot(repo)
    return build_report(snapshot, compute_facts(snapshot), None, result or pipeline_result(),
                        LLMInfo(endpoint="http://127.0.0.1:8000/v1", model="labelled", max_model_len=65536),
                        now=now or datetime.now(timezone.utc), suppressions=load_suppressions(repo))


def fix_login_sql_injection(repo):
    """The fix a developer would make for V2: a PreparedStatement instead of concatenation."""
    path = repo / USER_DAO
    text = path.read_text(encoding="utf-8")
    old = ("        Statement st = con.createStatement();\n"
           "        String sql = \"SELECT * FROM users WHERE username = '\" + username\n"
           "            + \"' AND password_hash = '\" + PasswordUtil.hash(password) + \"' AND locked = 'N'\";\n"
           "        ResultSet rs = st.executeQuery(sql);\n")
    new = ("        PreparedStatement st = con.prepareStatement(\n"
           "            \"SELECT * FROM users WHERE username = ? AND password_hash = ? AND locked = 'N'\");\n"
           "        st.setString(1, username);\n        st.setString(2, PasswordUtil.hash(password));\n"
           "        ResultSet rs = st.executeQuery();\n")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
