"""A git copy of sample_repos/legacy-hotel and a report whose findings are the sample's labelled
EXPECTED.json vulnerabilities, built through the public ``build_report`` (test data, not model output)."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from modernizer.repo.facts import compute_facts
from modernizer.repo.ingest import load_snapshot
from modernizer.engine.results import AgentRun, PipelineResult
from modernizer.render import RENDERERS
from modernizer.report import Report
from modernizer.run.assemble import build_report

GIT_ID = ["-c", "user.name=Test Owner", "-c", "user.email=owner@hotel.test"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *GIT_ID, *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def git_init(repo: Path) -> str:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "legacy hotel")
    return git(repo, "rev-parse", "HEAD")


def expected_findings(repo: Path, ids: list[str]) -> list[dict]:
    data = json.loads((repo / "EXPECTED.json").read_text())
    by_id = {v["id"]: v for v in data["vulnerabilities"]}
    out = []
    for i, vid in enumerate(ids, 1):
        v = by_id[vid]
        out.append({"id": f"S{i}", "title": v["description"][:90], "category": v["kind"], "cwe": v["cwe"], "severity": v["severity"],
                    "file": v["file"], "line_start": v["line_start"], "line_end": v["line_end"], "snippet": v["snippet"],
                    "reason": v["description"][:200]})
    return out


# a finding that cites a file the repository does not have: grounding rejects it (as in tests/support/example_report.py)
GHOST = {"title": "SQL injection in the audit log", "category": "sql-injection", "cwe": "CWE-89", "severity": "critical",
         "file": "src/main/java/com/grandhotel/dao/NoSuchDao.java", "line_start": 12, "line_end": 12,
         "snippet": "st.executeQuery(\"SELECT * FROM audit WHERE id=\" + id)", "reason": "Concatenated SQL (cites a file that does not exist)."}


def write_report(repo: Path, out_dir: Path, ids: list[str], name: str = "legacy-hotel-review",
                 ghosts: int = 0) -> tuple[Path, Report]:
    """``ghosts``: that many findings citing a file that does not exist (S<n+1>... after the labelled ones)."""
    findings = expected_findings(repo, ids)
    findings += [{"id": f"S{len(ids) + k}", **GHOST, "line_start": 12 + k, "line_end": 12 + k} for k in range(1, ghosts + 1)]
    snapshot = load_snapshot(repo)
    result = PipelineResult(runs=[AgentRun(agent="security", role="findings", output_type="SecurityOutput", status="ok",
                                           output={"findings": findings})])
    report = build_report(snapshot, compute_facts(snapshot), None, result, None, now=datetime(2025, 1, 2, tzinfo=timezone.utc))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.json"
    path.write_text(RENDERERS["json"](report), encoding="utf-8")
    return path, report
