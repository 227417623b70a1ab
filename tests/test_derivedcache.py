"""An unchanged tree's roles and module plan are read back, not worked out again (issue 20)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import modernizer.repo.derivedcache as dc
import modernizer.repo.ingest as ingest
from conftest import HOTEL
from modernizer.cli import app
from modernizer.repo.ingest import load_snapshot


def counting(monkeypatch, tmp_path, module, name):
    """Count the calls of ``module.name``, with a cache of this test's own."""
    monkeypatch.setenv("MODERNIZE_CACHE_HOME", str(tmp_path / "cache"))
    calls = []
    real = getattr(module, name)

    def wrapper(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_roles_are_read_back_for_an_unchanged_tree_and_worked_out_again_when_a_file_changes(tmp_path, monkeypatch):
    import shutil

    repo = tmp_path / "hotel"
    shutil.copytree(HOTEL, repo)
    decided = counting(monkeypatch, tmp_path, ingest, "decide_roles")
    first = load_snapshot(repo)
    again = load_snapshot(repo)
    assert len(decided) == 1  # the second load read the roles back
    assert [(f.path, f.role) for f in again.files] == [(f.path, f.role) for f in first.files]
    assert [(s.path, s.role, s.why) for s in again.set_aside] == [(s.path, s.role, s.why) for s in first.set_aside]
    some = next(repo.rglob("*.java"))
    some.write_text(some.read_text() + "\n// edited\n")
    load_snapshot(repo)
    assert len(decided) == 2  # one changed file: the tree pass looks at the whole tree, so all are decided again


def test_a_re_run_reads_the_module_plan_back_and_a_new_budget_plans_again(tmp_path, monkeypatch):
    planned = counting(monkeypatch, tmp_path, dc, "plan_modules")
    args = ["analyze", str(HOTEL), "--no-llm", "--plan", "--window", "8192", "--mode", "modules"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "Module plan" in first.output and len(planned) == 1
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0 and len(planned) == 1  # read back: same files, counts, edges and budget
    assert second.output == first.output
    third = CliRunner().invoke(app, [*args[:-4], "--window", "16384", "--mode", "modules"])
    assert third.exit_code == 0 and len(planned) == 2


def test_a_damaged_plan_entry_is_a_miss(tmp_path, monkeypatch):
    from modernizer.userdirs import cache_home

    planned = counting(monkeypatch, tmp_path, dc, "plan_modules")
    args = ["analyze", str(HOTEL), "--no-llm", "--plan", "--window", "12000", "--mode", "modules"]
    assert CliRunner().invoke(app, args).exit_code == 0 and len(planned) == 1
    for p in Path(cache_home(), "plans").glob("*.json"):
        p.write_text("{not json")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0 and len(planned) == 2 and "Module plan" in res.output


def test_an_unchanged_re_run_counts_no_text_with_the_tokenizer(tmp_path, monkeypatch):
    """The files' counts and those of the prompt around them (the frame, the longest task) are read
    back: a re-run of the plan need not even load tiktoken's tables."""
    import asyncio

    import modernizer.run.analysis as analysis
    from modernizer.repo.tokens import TiktokenCounter

    monkeypatch.setenv("MODERNIZE_CACHE_HOME", str(tmp_path / "cache"))
    opts = analysis.AnalyzeOptions(no_llm=True, window=8192)

    def plan():
        prep = analysis.prepare(HOTEL, opts)
        return asyncio.run(analysis.plan_tokens(prep, None, None, opts.agents(), opts.window))

    first = plan()

    def refuse(self, texts):  # noqa: ANN001
        raise AssertionError("counted again")

    monkeypatch.setattr(TiktokenCounter, "count_many", refuse)
    monkeypatch.setattr(TiktokenCounter, "count_files", refuse)
    again = plan()
    assert again.total_tokens == first.total_tokens and again.by_file == first.by_file
    assert again.budget.overhead == first.budget.overhead


def test_a_run_without_a_server_imports_no_client_and_no_report_model(tmp_path):
    """What `--plan`/`--no-llm` load at start: not httpx, the client, the engine's strategies or the
    report model (they cost a re-run most of its time on a small tree)."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    code = ("import sys, modernizer.run.analysis, modernizer.run.agents; "
            "print(' '.join(m for m in ('httpx', 'openai', 'modernizer.llm.client', 'modernizer.engine.run', "
            "'modernizer.engine.chunked', 'modernizer.report.model', 'modernizer.run.assemble', 'modernizer.events', "
            "'modernizer.run.resultcache', 'networkx', 'tiktoken') "
            "if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    # and the names that tests, benches and docs import from there still resolve
    check = ("from modernizer.engine import Run, run_chunked, run_single, LLM; from modernizer.llm.client import Endpoint, "
             "LLMClient; from modernizer.engine.run import thinking_of; import modernizer.run.analysis as a; "
             "assert a.Endpoint is Endpoint")
    subprocess.run([sys.executable, "-c", check], cwd=tmp_path, env=env, check=True)
