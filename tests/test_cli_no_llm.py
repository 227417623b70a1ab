"""`modernize analyze --no-llm` on the sample: the facts-only report, as a user runs it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from conftest import HOTEL, SAMPLES
from modernizer.cli import app
from modernizer.repo.graph import cycle_contains

runner = CliRunner()


def run_no_llm(repo, out):
    res = runner.invoke(app, ["analyze", str(repo), "--no-llm", "-o", str(out)])
    assert res.exit_code == 0, res.output
    paths = sorted(out.iterdir())
    assert [p.suffix for p in paths] == [".html", ".json"]
    assert all(p.name.startswith(repo.name + "-") for p in paths)
    return json.loads(paths[1].read_text()), paths[0].read_text(), res.output


def test_no_llm_report_on_hotel_finds_every_expected_cycle(tmp_path):
    report, html, output = run_no_llm(HOTEL, tmp_path)
    expected = json.loads((HOTEL / "EXPECTED.json").read_text())
    cycles = report["facts"]["graph"]["files"]["cycles"]
    for cyc in expected["cycles"]:
        assert cycle_contains(cycles, cyc), cyc
    assert report["mode"] == "no-llm" and report["findings"] == [] and report["agents"] == []
    assert "--no-llm" in report["notes"][0] and "--no-llm" in output
    langs = {l["language"] for l in report["facts"]["languages"]}
    assert {"java", "jsp", "sql", "xml"} <= langs
    assert report["summary"]["cycles"] == len(cycles) >= len(expected["cycles"])
    assert report["tokens"]["budget"] is None and report["tokens"]["total_tokens"] > 0
    for cyc in expected["cycles"]:
        assert cyc[0].split("/")[-1] in html
    # .modernizeignore keeps the labelled answers away from the model
    assert {"path": "EXPECTED.json", "reason": "excluded-pattern", "detail": "EXPECTED.json"} in report["skipped"]


def test_no_llm_report_on_pyshop_finds_its_cycles(tmp_path):
    repo = SAMPLES / "legacy-pyshop"
    report, _, _ = run_no_llm(repo, tmp_path)
    expected = json.loads((repo / "EXPECTED.json").read_text())
    for cyc in expected["cycles"]:
        assert cycle_contains(report["facts"]["graph"]["files"]["cycles"], cyc), cyc


def test_report_command_rerenders_html_from_json(tmp_path):
    report, html, _ = run_no_llm(HOTEL, tmp_path / "a")
    src = next((tmp_path / "a").glob("*.json"))
    res = runner.invoke(app, ["report", str(src), "-o", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    again = next((tmp_path / "b").glob("*.html")).read_text()
    assert again == html


def test_empty_directory_and_file_path_are_clear_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    res = runner.invoke(app, ["analyze", str(tmp_path / "empty"), "--no-llm", "-o", str(tmp_path / "r")])
    assert res.exit_code == 2 and "nothing to analyse" in res.output
    f = tmp_path / "x.java"
    f.write_text("class X {}")
    res = runner.invoke(app, ["analyze", str(f), "--no-llm"])
    assert res.exit_code == 2 and "not a directory" in res.output


def test_plan_offline_prints_the_tree_and_budget(tmp_path):
    res = runner.invoke(app, ["analyze", str(HOTEL), "--plan", "--no-llm", "--window", "1000000"])
    assert res.exit_code == 0, res.output
    assert "src/main" in res.output and "estimate" in res.output and "fits" in res.output
    assert "Module plan" not in res.output
    res = runner.invoke(app, ["analyze", str(HOTEL), "--plan", "--no-llm", "--window", "8192"])
    assert res.exit_code == 0 and "nothing left for code" in " ".join(res.output.split())
    # past the window the plan shows the modules and what crosses between them, before any model call
    assert "Module plan" in res.output and "m01" in res.output and "cross-module edges" in res.output
    assert "file cycles crossing modules" in res.output
