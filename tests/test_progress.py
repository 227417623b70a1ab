"""What a person sees while a run works and when it ends: the live status, the plain lines of a
CI log, the end-of-run summary, `--plan` without a server, the chunked-mode wording. Rendered to
strings, as a terminal would show them."""

from __future__ import annotations

import io
import json
import re

from rich.console import Console
from typer.testing import CliRunner

from conftest import HOTEL, SAMPLES

PYSHOP = SAMPLES / "legacy-pyshop"
from modernizer.cli import app
from modernizer.cli.live import RunView
from modernizer.cli.summary import print_summary, summary, top_findings
from modernizer.events import (AgentFinished, Counting, FirstToken, Loaded, ModuleFinished, ModuleSplit, Planned, ReduceStarted, RequestEnded,
                               RequestStarted, ServerFound, ServerLoad, SideTask, Waiting, WaveStarted, describe)
from modernizer.repo.graph import MAX_CYCLES
from modernizer.repo.modules import FilePart, Module, plan_modules, split_module
from modernizer.run.progress import Progress
from support.labelled import labelled_report

runner = CliRunner()


def text_of(renderable, width: int = 80) -> str:
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def lead_prefill(p: Progress) -> None:
    """A single-context run up to the lead request's prefill: 40,000 tokens, nothing cached yet."""
    p.apply(Loaded(files=58, lines=3110, skipped=1, cycles=4), 1.0)
    p.apply(ServerFound(url="http://127.0.0.1:8000/v1", model="nemotron", window=262144), 1.5)
    p.apply(Planned(tokens=40000, window=262144), 3.0)
    p.apply(WaveStarted(agents=["analyzer", "security"], requests=4), 3.0)
    p.apply(RequestStarted(label="analyzer 1/2", prompt_tokens=40000, fresh_tokens=40000), 3.0)


def test_the_live_status_shows_the_prefill_as_the_server_reads_it():
    p = Progress(started=0.0)
    lead_prefill(p)
    # vLLM's KV cache holds 10,000 of the prompt's tokens 5 s after the request went out
    p.apply(ServerLoad(at=8.0, running=1, kv_tokens=10000, generated=0, cache_hits=0, cache_queries=40000), 8.0)
    status = p.status(8.0)
    assert status.startswith("agents: analyzer, security · 0:08")
    assert "requests 0/4 (1 in flight)" in status
    assert "server reading 40,000 prompt tokens: 25%" in status
    assert "~0:15 left" in status  # 10,000 read in 5 s: 30,000 more take 15 s
    # the lead's first token: prefill over, the others read the codebase from the prefix cache
    p.apply(FirstToken(label="analyzer 1/2", waited_s=20.0), 23.0)
    for i, label in enumerate(["security 1/2", "analyzer 2/2", "security 2/2"]):
        p.apply(RequestStarted(label=label, prompt_tokens=40100, fresh_tokens=100), 23.0 + i / 10)
    p.apply(ServerLoad(at=24.0, running=4, kv_tokens=41000, generated=100, cache_hits=0, cache_queries=40000), 24.0)
    p.apply(ServerLoad(at=28.0, running=4, kv_tokens=42000, generated=1100, cache_hits=90225, cache_queries=160300), 28.0)
    p.apply(RequestEnded(label="analyzer 1/2", ok=True, prompt_tokens=40000, cached_tokens=0, completion_tokens=900), 28.5)
    status = p.status(29.0)
    assert "server reading" not in status
    assert "requests 1/4 (3 in flight)" in status
    assert "250 tok/s" in status  # 1,000 tokens generated between the readings 4 s apart
    assert "cache 75%" in status  # 90,225 of the 120,300 prompt tokens asked since the first reading


def test_a_request_sent_as_thinking_then_answer_counts_once_when_its_answer_ends():
    """llm/thinkapart.py: one slice is two requests to the server; "requests done/expected" counts the
    slice at its answer, while in flight shows what the server has."""
    p = Progress(started=0.0)
    lead_prefill(p)
    p.apply(FirstToken(label="analyzer 1/2", waited_s=2.0), 5.0)
    p.apply(RequestStarted(label="security 1/2", prompt_tokens=40100, fresh_tokens=100), 5.0)
    p.apply(RequestEnded(label="security 1/2", ok=True, part="thinking", prompt_tokens=40100, completion_tokens=1024), 9.0)
    assert "requests 0/4 (1 in flight)" in p.status(9.0)
    p.apply(RequestStarted(label="security 1/2", prompt_tokens=41125, fresh_tokens=1025), 9.0)
    assert "requests 0/4 (2 in flight)" in p.status(9.1)
    p.apply(RequestEnded(label="security 1/2", ok=True, part="answer", prompt_tokens=41125, completion_tokens=40), 10.0)
    assert "requests 1/4 (1 in flight)" in p.status(10.0)


def test_the_candidates_pass_shows_while_it_runs_beside_the_model():
    p = Progress(started=0.0)
    lead_prefill(p)
    p.apply(SideTask(name="candidates pass (Semgrep)"), 3.0)
    assert p.status(5.0).endswith(" · candidates pass (Semgrep) running")
    p.apply(SideTask(name="candidates pass (Semgrep)", done=True, detail="65 sites in 12 s"), 15.0)
    assert "candidates pass" not in p.status(16.0)
    assert describe(SideTask(name="candidates pass (Semgrep)", done=True, detail="65 sites in 12 s")) == \
        "candidates pass (Semgrep): 65 sites in 12 s"


def test_without_a_cache_size_the_estimate_is_this_runs_measured_prefill_rate():
    p = Progress(started=0.0)
    lead_prefill(p)
    p.apply(FirstToken(label="analyzer 1/2", waited_s=10.0), 13.0)  # 4,000 tokens/s measured
    p.apply(RequestEnded(label="analyzer 1/2", ok=True, prompt_tokens=40000, completion_tokens=10), 13.5)
    p.apply(RequestStarted(label="validator", prompt_tokens=20000, fresh_tokens=20000), 20.0)
    assert "server reading 20,000 prompt tokens, ~0:02 left" in p.status(23.0)
    # and with nothing measured, no figure is made up: only the elapsed time
    q = Progress(started=0.0)
    lead_prefill(q)
    assert re.search(r"server reading 40,000 prompt tokens \(no progress figure from this server\)( ·|$)", q.status(9.0))


def test_chunked_mode_shows_modules_done_and_an_eta():
    p = Progress(started=0.0)
    p.apply(Planned(tokens=900000, window=262144, modules=8, module_budget=200000, cross_edges=12), 10.0)
    assert "modules 0/8" in p.status(11.0)
    p.apply(ModuleFinished(done=2, total=8, id="m2", name="src", agents=[]), 30.0)
    assert "modules 2/8, about 1:00 left" in p.status(30.0)  # 10 s a module, 6 to go
    p.apply(ModuleSplit(id="m3", name="db", counted=240000, planned=200000, window=262144), 31.0)
    assert "modules 2/9" in p.status(31.0)  # a split module is two: the total grows, never "13/12"
    log = Console(file=io.StringIO(), width=200, force_terminal=False, color_system=None)
    view = RunView(log, live=False, clock=iter([0.0, 10.0, 50.0]).__next__)
    view(Planned(tokens=900000, window=262144, modules=8, module_budget=200000, cross_edges=12))
    view(ModuleFinished(done=4, total=8, id="m4", name="src", agents=[]))
    assert log.file.getvalue().splitlines()[-1] == "· module 4/8 m4 src:  [0:50, about 0:40 left]"
    p.apply(ReduceStarted(shown=3, total=3), 100.0)
    assert p.status(100.0).startswith("synthesis over the module results")
    # issue 20: the map starts at once, but no module can finish before the candidates pass does: the
    # pace is measured from the pass's end (60 s of Semgrep, then 10 s a module: not 70 s a module)
    q = Progress(started=0.0)
    q.apply(SideTask(name="candidates pass (Semgrep)"), 5.0)
    q.apply(Planned(tokens=900000, window=262144, modules=8, module_budget=200000, cross_edges=12), 10.0)
    q.apply(SideTask(name="candidates pass (Semgrep)", done=True, detail="9 sites in 60 s"), 70.0)
    q.apply(ModuleFinished(done=1, total=8, id="m1", name="src", agents=[]), 80.0)
    assert "modules 1/8, about 1:10 left" in q.status(80.0)


def test_a_terminal_gets_a_live_status_line_and_a_ci_log_gets_plain_lines():
    clock = iter([0.0, 1.0, 2.0, 3.0, 5.0, 25.0, 25.0, 25.0, 30.0, 31.0, 31.0, 31.0]).__next__
    log = Console(file=io.StringIO(), width=200, force_terminal=False, color_system=None)
    plain = RunView(log, live=False, clock=clock)
    with plain:
        plain(Loaded(files=58, lines=3110, skipped=1, cycles=4))
        plain(ServerFound(url="http://127.0.0.1:8000/v1", model="nemotron", window=262144))
        plain(Planned(tokens=40000, window=262144))
        plain(RequestStarted(label="analyzer 1/2", prompt_tokens=40000, fresh_tokens=40000))
        plain(ServerLoad(at=25.0, running=1, kv_tokens=30000))
        plain(Waiting(label="analyzer 1/2", prompt_tokens=40000, waited_s=20.0, deadline_s=160.0))
    lines = log.file.getvalue().splitlines()
    assert lines[0] == "· loaded 58 files (3,110 lines), skipped 1; 4 file cycles"
    assert lines[-1] == ("· waiting for the first token of analyzer 1/2: the server is reading a 40,000-token prompt "
                         "(20s so far, gives up after 160s); 75% read by its KV cache, ~0:07 left")
    assert not any("request" in line.split(":")[0] for line in lines)  # request events print nothing in a log
    quiet_log = Console(file=io.StringIO(), width=200, force_terminal=False, color_system=None)
    beat = RunView(quiet_log, live=False, clock=iter([0.0, 1.0, 10.0, 31.0, 40.0, 62.0]).__next__)
    beat(Planned(tokens=40000, window=262144))
    for at in (10.0, 31.0, 40.0, 62.0):  # readings of the server while answers decode: silence in a log
        beat(ServerLoad(at=at, running=4, kv_tokens=41000))
    said = quiet_log.file.getvalue().splitlines()
    assert [line.split(" · ")[0] for line in said[1:]] == ["· still working: agents over one shared context"] * 2
    assert said[1].split(" · ")[1] == "0:31" and said[2].split(" · ")[1] == "1:02"  # at most 30 s of silence
    counted = Console(file=io.StringIO(), width=200, force_terminal=False, color_system=None)
    view = RunView(counted, live=False, clock=iter([0.0, 2.0, 11.0, 12.0, 13.0]).__next__)
    for done in (100, 400, 500, 990):
        view(Counting(done=done, total=990))
    assert counted.file.getvalue().splitlines() == [  # every 10 s at most, and the end
        "· counting tokens with the server's tokenizer: 400 of 990 files",
        "· counting tokens with the server's tokenizer: 990 of 990 files"]

    term = Console(file=io.StringIO(), width=120, force_terminal=True, color_system=None)
    live = RunView(term, live=True, clock=iter([float(i) for i in range(100)]).__next__)
    with live:
        live(Loaded(files=58, lines=3110, skipped=1, cycles=4))
        live(Planned(tokens=40000, window=262144))
        live(RequestStarted(label="analyzer 1/2", prompt_tokens=40000, fresh_tokens=40000))
        live._live.refresh()
    shown = term.file.getvalue()
    assert "loaded 58 files" in shown
    assert "agents over one shared context" in shown and "server reading 40,000 prompt tokens" in shown


def test_an_answer_from_the_result_cache_says_no_request_was_made():
    line = describe(AgentFinished(agent="security", status="ok", prompt_tokens=42936, cached_tokens=42624,
                                  completion_tokens=12, wall_s=2.6, from_cache=True))
    assert "from the result cache (no request" in line and "2.6s" not in line
    live = describe(AgentFinished(agent="security", status="ok", prompt_tokens=42936, cached_tokens=42624,
                                  completion_tokens=1200, wall_s=2.6))
    assert live == "  security: ok (42,936 prompt, 42,624 cached, 1,200 out, 2.6s)"


def test_the_end_of_a_run_is_a_short_table_of_what_was_found(tmp_path):
    report = labelled_report(HOTEL)
    rejected = report.findings[0].model_copy(update={"id": "S99", "severity": "critical", "file": "src/NoSuch.java",
                                                     "grounding": report.findings[0].grounding.model_copy(
                                                         update={"status": "rejected", "detail": "no such file"})})
    report.findings.append(rejected)
    report = report.model_validate(report.model_dump())  # summary recomputed from the data
    html = tmp_path / "r.html"
    shown = text_of(summary(report, [tmp_path / "r.json", html], elapsed=83.0))
    s = report.summary
    assert f"legacy-hotel: {sum(s.open_by_severity.values())} open findings in 1:23" in shown
    row = next(line for line in shown.splitlines() if line.startswith("open"))
    assert [int(n) for n in row.split()[1:]] == [s.open_by_severity[k] for k in ("critical", "high", "medium", "low", "info")]
    assert f"{s.by_grounding['rejected']} rejected (cited code that does not exist; not counted)" in " ".join(shown.split())
    top = top_findings(report)
    assert len(top) == 5 and all(f.severity == "critical" and f.counts for f in top[:s.open_by_severity["critical"]])
    assert "S99" not in [f.id for f in top]
    for f in top:  # each with its place, the path on a line of its own (never broken at 80 columns)
        assert re.search(rf"^  {f.id} +{f.severity} ", shown, re.M) and f"{f.file}:{f.line_start}" in shown
    assert "cycles: 4 file cycles in 4 strongly connected groups (largest: 4 files)" in shown
    assert f"open the report: {html}" in " ".join(shown.split()) and str(html) in shown.splitlines()  # the path never broken
    assert "{" not in shown  # no Python dict
    assert max(len(line) for line in shown.splitlines() if line != str(html)) <= 80
    log = Console(file=io.StringIO(), width=60, force_terminal=False, color_system=None)
    print_summary(log, report, [html], elapsed=83.0)  # a pipe or a CI log: whole lines, never cut at the width
    assert any(line.startswith("grounding: ") and line.endswith("not counted)") for line in log.file.getvalue().splitlines())


def test_a_truncated_cycle_list_is_never_shown_as_a_count():
    report = labelled_report(HOTEL)
    files = report.facts.graph.files
    ring = [f"m/f{i}.py" for i in range(120)]
    files.cycles = [ring[i:i + 3] for i in range(MAX_CYCLES)]
    files.cycles_truncated = True
    files.strongly_connected = [ring, ["a.py", "b.py"]]
    shown = text_of(summary(report))
    assert (f"cycles: {MAX_CYCLES} file cycles listed (list truncated at {MAX_CYCLES}: there are more) in 2 strongly "
            "connected groups (largest: 120 files)") in " ".join(shown.split())
    assert "(list truncated at 50" in describe(Loaded(files=1, lines=1, skipped=0, cycles=MAX_CYCLES, cycles_truncated=True))


def test_a_run_served_wholly_from_the_result_cache_says_so():
    report = labelled_report(HOTEL)
    report.agents = [a.model_copy(update={"from_cache": True, "requests": 0}) for a in report.agents]
    assert report.summary.model_requests == 0 and report.summary.results_from_cache == 4
    assert "every answer from the result cache: no model request was made" in " ".join(text_of(summary(report)).split())


def test_plan_needs_no_server_and_says_its_counts_are_estimates(tmp_path):
    dead = "http://127.0.0.1:9/v1"
    res = runner.invoke(app, ["analyze", str(HOTEL), "--plan", "--window", "8000", "-e", dead])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert f"no model server answers at {dead}: the counts below are tiktoken estimates (≈), planned for --window (8,000 tokens)" in out
    assert "(tiktoken estimate ≈)" in out and "Module plan: 11 modules of at most" in out
    assert "window 8,000 - 3,072 answer room" in out and "nothing left for code" in out
    assert "tokens of code a module" in out  # the module budget is explained once, with its own sum
    res = runner.invoke(app, ["analyze", str(PYSHOP), "--plan", "--serve-profile", "rtx3090", "-e", dead])
    assert res.exit_code == 0, res.output
    from modernizer.serve.profiles import PROFILES, nominal_window

    assert f"planned for profile rtx3090's window ({nominal_window(PROFILES['rtx3090']):,} tokens)" in " ".join(res.output.split())
    assert "the codebase fits" in " ".join(res.output.split())
    res = runner.invoke(app, ["analyze", str(PYSHOP), "--plan", "-e", dead])
    assert res.exit_code == 0 and "no window known: pass --window N or --serve-profile NAME" in " ".join(res.output.split())
    source_rows = [line for line in res.output.splitlines() if line.startswith("│ source") or line.startswith("│ docs")]
    assert source_rows and all(line.rstrip(" │").endswith("≈") for line in source_rows)  # every count an estimate, marked
    assert "(estimate ≈)" in res.output.split("counted by: ")[1].splitlines()[0]
    res = runner.invoke(app, ["analyze", str(PYSHOP), "--plan", "--serve-profile", "nosuch", "-e", dead])
    assert res.exit_code == 2 and "no serve profile named 'nosuch'" in res.output


def test_chunked_wording_counts_what_is_there():
    assert describe(Planned(tokens=42691, window=65536, modules=1, module_budget=50000, cross_edges=0, fits=True)) == (
        "codebase prompt: 42,691 tokens, fits the 65,536-token window, but --mode modules asked for chunks: 1 module of at "
        "most 50,000 tokens, 0 cross-module edges")
    assert "over the 8,000-token window with room to answer: 11 modules" in describe(
        Planned(tokens=42691, window=8000, modules=11, module_budget=4531, cross_edges=42))
    assert describe(ReduceStarted(shown=0, total=0)) == "synthesis over the module results (the modules reported no findings)"
    assert describe(ReduceStarted(shown=4, total=4)) == "synthesis over the module results (all 4 findings in its digest)"
    assert "150 of 400 findings" in describe(ReduceStarted(shown=150, total=400))


def test_module_names_read_as_words_and_split_parts_run_in_line_order():
    tokens = {"build.xml": 300, "src/A.java": 300, "db/a.sql": 300, "db/x/b.sql": 300, "big.py": 5000}
    lines = {"build.xml": 10, "src/A.java": 10, "db/a.sql": 10, "db/x/b.sql": 10, "big.py": 5000}
    plan = plan_modules(tokens, lines, [], 700)
    names = [m.name for m in plan.modules]
    assert "{" not in json.dumps(names) and not any(n.startswith("./") for n in names)
    assert "(top level): files, src/" in names and "db: files, x/" in names
    parts = [m for m in plan.modules if m.parts[0].path == "big.py"]
    starts = [p.parts[0].start for p in parts]
    assert sorted(starts, key=str) != sorted(starts)  # as text, "lines 1221-..." would sort before "lines 611-..."
    assert [p.parts[0].start for p in parts] == sorted(p.parts[0].start for p in parts)
    ids = [m.id for m in plan.modules]
    assert [ids.index(p.id) for p in parts] == sorted(ids.index(p.id) for p in parts)
    # one directory over two modules: numbered, never two modules of one name
    dao = {f"dao/{c}.java": 300 for c in "abcd"}
    names = [m.name for m in plan_modules(dao, {f: 10 for f in dao}, [], 700).modules]
    assert names == ["dao (1 of 2)", "dao (2 of 2)"]
    whole = Module(id="m1", name="dao", parts=[FilePart(path=f) for f in dao], tokens=1200)
    assert [h.name for h in split_module(whole, {f: 10 for f in dao})] == ["dao (first half)", "dao (second half)"]


def test_a_server_whose_kv_usage_stays_at_zero_gives_no_progress_figure_rather_than_0_percent():
    """The CPU build may report no KV usage while it reads a prompt: 0 is then no reading, not '0% read'."""
    p = Progress(started=0.0)
    lead_prefill(p)
    for at in (5.0, 30.0, 300.0):
        p.apply(ServerLoad(at=at, running=1, kv_tokens=0), at)
    status = p.status(301.0)
    assert "server reading 40,000 prompt tokens (no progress figure from this server)" in status and "0%" not in status
    line = p.waiting_line(Waiting(label="analyzer", prompt_tokens=40000, waited_s=300, deadline_s=160), 301.0)
    assert line.endswith("; no progress figure from this server") and "0%" not in line
    # once it has shown usage, a reading is a figure again
    p.apply(ServerLoad(at=302.0, running=1, kv_tokens=20000), 302.0)
    assert "server reading 40,000 prompt tokens: 50%" in p.status(303.0)


def test_a_queued_wait_says_what_is_ahead_and_that_it_waits_while_the_server_works():
    line = describe(Waiting(label="analyzer slice 3/26", prompt_tokens=727_948, waited_s=212, deadline_s=1880, ahead=2,
                            server_running=1, server_waiting=2, quiet_s=1.5))
    assert "queued: 2 prefills of this run ahead of it; server: 1 running, 2 waiting" in line
    assert "the server is working: gives up only after 1880s without any" in line
    assert describe(Waiting(label="x", prompt_tokens=10, waited_s=20, deadline_s=61)).endswith("(20s so far, gives up after 61s)")
    quiet = describe(Waiting(label="x", prompt_tokens=10, waited_s=40, deadline_s=61, server_running=1, server_waiting=0, quiet_s=30))
    assert "the server has shown no sign of work for 30s: gives up only after 61s without any" in quiet
