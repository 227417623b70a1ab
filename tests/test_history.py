"""The weekly job that remembers (`analyze --history DIR`, `modernize history`): three scripted weekly
runs through the CLI on a real temporary git repository whose code changes between runs (a finding
appears, stays, is fixed), and every way the history file can be unusable (damaged, another
program's, another repository's, locked, inside the analysed tree): a clear error and the file
left exactly as it was.

The model is the schema-driven test model at the engine's seam (tests/support/reading_model.py),
whose security answer lists the lines of the repository that build SQL or a shell command by
concatenation, so what it reports follows the code as a model's would."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modernizer.run import analysis
from modernizer.cli import app
from modernizer.history import store
from modernizer.report.files import load_report
from support.reading_model import DB_WEEK1, DB_WEEK2, TOOLS_WEEK1, TOOLS_WEEK3, ReadingModel
from support.review_fixtures import git

runner = CliRunner()

@pytest.fixture()
def weekly(tmp_path, monkeypatch):
    """A git repository, a history folder and an output folder outside it, and ``run(**model_kw)``:
    one weekly `modernize analyze` through the CLI, as the workflow runs it."""
    repo = tmp_path / "shop"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "db.py").write_text(DB_WEEK1)
    (repo / "app" / "tools.py").write_text(TOOLS_WEEK1)
    git(repo, "init", "-q", "-b", "main")
    state, out = tmp_path / "runner-state" / "shop" / "main", tmp_path / "out"
    real = analysis.analyze
    models: list[ReadingModel] = []

    def run(*extra: str, during=None):  # noqa: ANN001, ANN202
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", "a week of work")
        model = ReadingModel(repo, during)
        models.append(model)
        monkeypatch.setattr(analysis, "analyze", lambda path, opts, **kw: real(path, opts, client_factory=lambda ep: model, **kw))
        week = out / f"week{len(models)}"
        return runner.invoke(app, ["analyze", str(repo), "-o", str(week), "-f", "json", "-f", "html", "--no-cache",
                                   "--fail-on", "critical", "--history", str(state), *extra])

    return repo, state, out, run


def reports(folder: Path) -> dict[str, Path]:
    return {p.suffix: p for p in folder.iterdir()}


def test_three_weekly_runs_remember_and_show_the_trend(weekly):
    repo, state, out, run = weekly

    # week 1: no baseline yet; one critical (find_user) and one high (ping): every open critical gates
    res = run()
    assert res.exit_code == 1, res.output
    assert "history: run recorded in" in res.output and "next run's baseline" in res.output
    assert sorted(p.name for p in state.iterdir()) == ["baseline.json", "history.sqlite"]
    week1 = load_report(reports(out / "week1")[".json"])[0]
    assert week1.baseline is None and week1.history.total_runs == 1

    # week 2: find_order is added: one new critical against last week's report, kept on the "runner"
    (repo / "app" / "db.py").write_text(DB_WEEK2)
    res = run()
    assert res.exit_code == 1, res.output
    assert re.search(r"fail-on critical: 1 new finding", " ".join(res.output.split())), res.output
    week2 = load_report(reports(out / "week2")[".json"])[0]
    assert week2.baseline.source == "baseline.json (kept in the history folder)" and week2.baseline.generated_at == week1.generated_at
    assert [f.symbol for f in week2.findings if f.baseline_status == "new"] == ["find_order"]

    # week 3: ping is fixed; both criticals stay: nothing new, the job passes
    (repo / "app" / "tools.py").write_text(TOOLS_WEEK3)
    res = run()
    assert res.exit_code == 0, res.output
    week3 = load_report(reports(out / "week3")[".json"])[0]
    assert [(f.symbol, f.baseline_status) for f in week3.fixed] == [("ping", "fixed")]
    assert load_report(state / "baseline.json")[0].generated_at == week3.generated_at

    # the trend the week-3 report carries: open by severity, new and fixed per run, the oldest open critical
    t = week3.history
    assert week3.schema_version == "1.7" and t.total_runs == 3 and t.source == "history.sqlite"
    assert [(r.run, r.open_by_severity["critical"], r.open_by_severity["high"], r.new, r.fixed) for r in t.runs] == \
        [(1, 1, 1, 2, 0), (2, 2, 1, 1, 0), (3, 2, 0, 0, 1)]
    commits = git(repo, "log", "--format=%H").splitlines()[::-1]
    assert [r.commit for r in t.runs] == commits and {r.model for r in t.runs} == {"schema-model"}
    o = t.oldest_critical
    assert t.open_critical == 2 and (o.file, o.line, o.first_run, o.runs) == ("app/db.py", 5, 1, 3)
    assert o.first_seen == week1.generated_at

    # the HTML: its own section, linked from the section bar, newest run first
    html = reports(out / "week3")[".html"].read_text()
    assert '<a href="#trend">Trend <span class="n">3</span></a>' in html
    section = html[html.index('<section id="trend">'):]
    section = section[:section.index("</section>")].replace("<wbr>", "")
    assert "3 recorded runs" in section and "open since run #1" in section and "app/db.py:5" in section
    assert [int(n) for n in re.findall(r'data-run="(\d+)"', section)] == [3, 2, 1]
    assert "2 open critical findings" in section

    # the terminal: the same numbers
    res = runner.invoke(app, ["history", str(state)], env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output
    assert "3 of 3 runs: open findings by severity, model schema-model" in res.stdout
    numbers = {m.group(1): m.group(2).split() for m in re.finditer(r"^\s*#(\d)\s+\S+ \S+\s+\w+\s+([\d ]+)$", res.stdout, re.M)}
    assert numbers == {"1": ["1", "1", "0", "0", "0", "2", "0"], "2": ["2", "1", "0", "0", "0", "1", "0"],
                       "3": ["2", "0", "0", "0", "0", "0", "1"]}, res.stdout
    assert "open critical findings: 2; open the longest: SQL built by concatenation (app/db.py:5), open since run #1" in \
        " ".join(res.stdout.split())
    as_json = json.loads(runner.invoke(app, ["history", str(state / "history.sqlite"), "--json"]).stdout)
    assert as_json == t.model_dump(mode="json") | {"source": str(state / "history.sqlite")}
    assert "1 of 3 runs" in runner.invoke(app, ["history", str(state), "--last", "1"], env={"COLUMNS": "120"}).stdout


def test_a_run_that_cannot_be_recorded_keeps_its_reports_and_the_history(weekly, monkeypatch):
    """The history locked while the run was asking: the reports are written, the error says why
    (exit 6), the history and the kept baseline are unchanged; the next run records normally."""
    repo, state, out, run = weekly
    assert run().exit_code == 1
    before = (state / "history.sqlite").read_bytes(), (state / "baseline.json").read_bytes()
    monkeypatch.setattr(store, "LOCK_WAIT", 0.2)
    holder = sqlite3.connect(state / "history.sqlite", isolation_level=None)

    res = run(during=lambda: holder.execute("BEGIN EXCLUSIVE"))
    assert res.exit_code == 6, res.output
    text = " ".join(res.output.split())
    assert "the run was not added to the history" in text and "locked by another program" in text
    assert set(reports(out / "week2")) == {".json", ".html"}  # nothing lost: the reports are there
    holder.execute("ROLLBACK")
    holder.close()
    assert ((state / "history.sqlite").read_bytes(), (state / "baseline.json").read_bytes()) == before

    res = run()  # compared with week 1's report, still the kept baseline: nothing new
    assert res.exit_code == 0, res.output
    week1, week3 = (load_report(next((out / w).glob("*.json")))[0] for w in ("week1", "week3"))
    assert week3.baseline.generated_at == week1.generated_at
    assert [r.id for r in store.load(state / "history.sqlite")] == [1, 2] and week3.history.total_runs == 2


def _no_reports(out: Path) -> bool:
    return not out.exists() or not any(out.rglob("*.json"))


@pytest.mark.parametrize("kind", ["damaged", "foreign", "other-repo", "newer"])
def test_an_unusable_history_is_refused_before_the_run_and_left_as_it_was(weekly, kind):
    repo, state, out, run = weekly
    state.mkdir(parents=True)
    path = state / "history.sqlite"
    if kind == "damaged":
        path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 8)
    elif kind == "foreign":
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        con.commit()
        con.close()
    else:
        assert run().exit_code == 1  # a real history of this repository ...
        con = sqlite3.connect(path)
        if kind == "other-repo":  # ... made another repository's
            con.execute("UPDATE meta SET value = 'billing' WHERE key = 'repo'")
        else:
            con.execute("PRAGMA user_version = 99")
        con.commit()
        con.close()
        for p in out.rglob("*"):
            if p.is_file():
                p.unlink()
    before = path.read_bytes()
    res = run()
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert {"damaged": "is not a usable modernizer history", "foreign": "a SQLite file of another program",
            "other-repo": "is 'billing''s, not 'shop''s", "newer": "written by a newer modernizer"}[kind] in text, text
    assert "nothing was deleted" in text and "Traceback" not in res.output
    assert path.read_bytes() == before and _no_reports(out)
    show = runner.invoke(app, ["history", str(state)])
    if kind in ("damaged", "foreign", "newer"):
        assert show.exit_code == 2 and path.read_bytes() == before


def test_a_locked_history_is_refused_before_the_run(weekly, monkeypatch):
    repo, state, out, run = weekly
    assert run().exit_code == 1
    monkeypatch.setattr(store, "LOCK_WAIT", 0.2)
    holder = sqlite3.connect(state / "history.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        res = run()
        assert res.exit_code == 2 and "locked by another program" in " ".join(res.output.split()), res.output
        assert _no_reports(out / "week2")
        shown = runner.invoke(app, ["history", str(state)])
        assert shown.exit_code == 2 and "locked" in shown.output
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [r.id for r in store.load(state / "history.sqlite")] == [1]


def test_bad_history_arguments(weekly, tmp_path):
    repo, state, out, run = weekly
    res = run("--history", str(repo / ".state"))
    assert res.exit_code == 2 and "inside the analysed tree" in res.output and not (repo / ".state").exists()
    (tmp_path / "a-file").write_text("x")
    res = run("--history", str(tmp_path / "a-file"))
    assert res.exit_code == 2 and "is a file, not a folder" in res.output
    res = runner.invoke(app, ["history", str(tmp_path / "nowhere")])
    assert res.exit_code == 2 and "no history at" in res.output and "--history DIR" in res.output
    assert not (tmp_path / "nowhere").exists()
    res = runner.invoke(app, ["history", "--help"])
    assert res.exit_code == 0 and "Exit codes: 0 shown; 2" in " ".join(res.output.split())


def test_a_report_of_the_previous_schema_still_loads(weekly, tmp_path):
    repo, state, out, run = weekly
    run()
    data = json.loads(next((out / "week1").glob("*.json")).read_text())
    data["schema_version"] = "1.6"
    del data["history"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    rep = load_report(old)[0]
    assert rep.history is None and rep.schema_version == "1.6"
    res = runner.invoke(app, ["report", str(old), "-f", "html", "-o", str(tmp_path / "re")])
    assert res.exit_code == 0 and 'id="trend"' not in (tmp_path / "re" / "old.html").read_text()


def test_the_trend_counts_against_the_previous_complete_run():
    """Pure: an incomplete run that missed a finding neither fixes it nor breaks its streak; a finding the
    model left out with its code unchanged (not-reported) stays open; a suppressed one stops counting."""
    from modernizer.history.model import RecordedFinding as F, RecordedRun as R
    from modernizer.history.trend import trend

    def run(n, *rows, complete=True):  # noqa: ANN001, ANN202
        return R(id=n, generated_at=f"2026-01-0{n}T03:17:00+00:00", repo="shop", complete=complete,
                 findings=[F(fingerprint=fp, severity=sev, state=state) for fp, sev, state in rows])

    runs = [run(1, ("a", "critical", "open"), ("b", "high", "open")),
            run(2, ("a", "critical", "open"), complete=False),  # b missed: part of the run failed
            run(3, ("a", "critical", "not-reported"), ("b", "high", "open"), ("c", "critical", "open")),
            run(4, ("a", "critical", "open"), ("b", "high", "suppressed"), ("c", "critical", "open"), ("d", "low", "rejected"))]
    t = trend(runs)
    assert [(r.run, r.open_by_severity["critical"], r.open_by_severity["high"], r.new, r.fixed, r.complete) for r in t.runs] == \
        [(1, 1, 1, 2, 0, True), (2, 1, 0, 0, None, False), (3, 1, 1, 1, 0, True), (4, 2, 0, 0, 0, True)]
    assert (t.open_critical, t.oldest_critical.fingerprint, t.oldest_critical.first_run, t.oldest_critical.runs) == (2, "a", 1, 4)
    assert [r.run for r in trend(runs, limit=2).runs] == [3, 4] and trend(runs, limit=2).total_runs == 4
    assert trend([]).oldest_critical is None and trend([]).total_runs == 0


def test_no_llm_and_plan_runs_are_not_recorded(weekly, tmp_path):
    """A --no-llm run has no findings: recorded, it would read as every finding fixed. --plan writes nothing."""
    repo, state, out, run = weekly
    res = run("--no-llm")
    assert res.exit_code == 2 and "--history records the findings of model runs" in " ".join(res.output.split())
    assert not state.exists()
    res = run("--plan")
    assert res.exit_code == 0, res.output
    assert not state.exists()
