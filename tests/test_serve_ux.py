"""What `serve`, the gateway and `doctor` say, rendered to a string (review ux-2026-12-02, items 8, 9
and 15): no raw markup, a missing vLLM named before anything starts (and in a failed start's hint),
the interpreter in --dry-run, progress while a start takes minutes, GPU absence said once, the
no-server hint at the endpoint's own port, a cheap --version, and serve's help at 80 columns.

The missing-vLLM cases use this interpreter (the project venv, which has no vLLM after `make
install`): a real condition, not a stand-in.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
import time

import pytest
from typer.testing import CliRunner

from conftest import HOTEL, ROOT
from support.cpu_server import free_port, vllm_python as cpu_vllm_python
from support.managed import fake_vllm, state_dir  # noqa: F401  (fixtures)
from modernizer.cli import app
from modernizer.llm.client import start_hint
from modernizer.serve import doctor, gateway, manager, profiles, supervisor, vllmcheck
from modernizer.serve.gpus import GPUInfo

runner = CliRunner()
TINY = str(ROOT / ".cache" / "tiny-model")
RAW_MARKUP = ("[dim]", "[/]", "[yellow]", "[bold")


@pytest.fixture()
def no_vllm_here():
    assert importlib.util.find_spec("vllm") is None, "these tests need an interpreter without vLLM (the project's .venv)"
    return sys.executable


def no_markup(text: str) -> None:
    assert not any(tag in text for tag in RAW_MARKUP), text


# -- no raw markup; progress while waiting ----------------------------------------------------------
def test_progress_lines_are_rendered_text_with_a_line_while_the_start_waits(state_dir, fake_vllm, monkeypatch):
    fake_vllm("hang")
    monkeypatch.setattr(manager, "PROGRESS_EVERY", 1.0)
    res = runner.invoke(app, ["serve", "--profile", "cpu-test", "--model", TINY, "--port", str(free_port()),
                              "--detach", "--startup-timeout", "4"])
    assert res.exit_code == 3, res.output
    no_markup(res.output)
    lines = res.stderr.splitlines()
    assert lines[0].startswith("· starting vLLM (profile cpu-test, window 65,536) on http://127.0.0.1:")
    waiting = [line for line in lines if line.startswith("· still waiting for vLLM to answer http://127.0.0.1:")]
    assert len(waiting) >= 2, res.stderr
    assert f"log {state_dir / manager.LOG_FILE}" in waiting[0] and " s of at most 4 s" in waiting[0]
    assert "(last line: fake vllm (hang)" in waiting[-1]  # what the server last said


def test_last_log_line_keeps_the_end_of_a_progress_bar(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("INFO loading\nLoading shards:  10%\rLoading shards:  60%\r\n\n")
    assert manager.last_log_line(log) == "Loading shards:  60%"
    log.write_text("x" * 500 + "\n")
    assert len(manager.last_log_line(log)) == 120
    assert manager.last_log_line(tmp_path / "absent.log") == ""


# -- a missing vLLM --------------------------------------------------------------------------------
def test_serve_without_vllm_stops_before_starting_and_says_how_to_install(state_dir, no_vllm_here):
    res = runner.invoke(app, ["serve", "--profile", "cpu-test", "--model", TINY, "--port", str(free_port()),
                              "--vllm-python", no_vllm_here])
    assert res.exit_code == 2, res.output
    no_markup(res.output)
    assert f"error: vLLM is not installed for {no_vllm_here}, the interpreter that would run it" in res.output
    # a CPU profile: the CPU build `make install` makes comes first, the CUDA install second
    hint = " ".join(res.output.split("hint:", 1)[1].split())
    assert hint.startswith("use the CPU build that `make install` makes: modernize serve --vllm-python .venv-vllm/bin/python"), hint
    assert hint.index("--vllm-python .venv-vllm/bin/python") < hint.index("pip install '.[serve]'")
    assert "memory" not in res.output
    assert not (state_dir / manager.LOG_FILE).exists() and manager.read_state(state_dir) is None  # nothing spawned


def test_the_install_hint_leads_with_what_fits_the_profile_s_device():
    gpu, cpu = vllmcheck.install_hint("py"), vllmcheck.install_hint("py", "cpu")
    assert gpu.startswith("install it there from the modernizer clone: py -m pip install '.[serve]' (CUDA vLLM, for a GPU)")
    assert cpu.startswith("use the CPU build that `make install` makes: modernize serve --vllm-python .venv-vllm/bin/python")
    assert "for a GPU, install CUDA vLLM" in cpu and "py -m pip install '.[serve]'" in cpu
    assert profiles.build_command(profiles.PROFILES["cpu-test"], "/m/tiny", [], 8000).device == "cpu"
    assert profiles.build_command(profiles.PROFILES["h200"], None, [], 8000).device == "cuda"


def test_serve_with_an_interpreter_that_does_not_exist(state_dir, tmp_path):
    res = runner.invoke(app, ["serve", "--profile", "cpu-test", "--model", TINY, "--port", str(free_port()),
                              "--vllm-python", str(tmp_path / "nope")])
    assert res.exit_code == 2, res.output
    assert f"{tmp_path / 'nope'}, does not exist" in res.output and "--vllm-python" in res.output


def test_gateway_without_vllm_fails_before_starting(state_dir, no_vllm_here, monkeypatch):
    monkeypatch.setenv("MODERNIZE_VLLM_PYTHON", no_vllm_here)
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(vllmcheck.VllmMissing) as caught:
        gateway.ensure_server(url, "cpu-test", TINY, directory=state_dir)
    assert caught.value.exit_code == 2 and "MODERNIZE_VLLM_PYTHON=.venv-vllm/bin/python" in caught.value.hint
    res = runner.invoke(app, ["analyze", str(HOTEL), "--endpoint", url, "--serve-profile", "cpu-test", "--serve-model", TINY,
                              "-o", str(state_dir / "out")])
    assert res.exit_code == 2, res.output
    no_markup(res.output)
    assert f"vLLM is not installed for {no_vllm_here}" in res.output and "pip install '.[serve]'" in res.output
    assert not (state_dir / manager.LOG_FILE).exists()


def test_a_start_that_dies_of_a_missing_vllm_gets_the_install_hint_not_memory(state_dir, no_vllm_here, monkeypatch):
    """The check could not tell (a timeout, say), so the start goes on and vLLM's import fails for real."""
    monkeypatch.setattr(vllmcheck, "require", lambda python, env=None, device="cuda": vllmcheck.VllmCheck(python=python, detail="timeout"))
    res = runner.invoke(app, ["serve", "--profile", "cpu-test", "--model", TINY, "--port", str(free_port()),
                              "--vllm-python", no_vllm_here, "--detach"])
    assert res.exit_code == 3, res.output
    no_markup(res.output)
    assert "exited while starting" in res.output and "No module named 'vllm'" in res.output  # the log's tail
    hint = res.output.split("hint:", 1)[1]
    assert f"{no_vllm_here} cannot import vLLM" in hint and "pip install '.[serve]'" in hint and "memory" not in hint
    hint = " ".join(hint.split())
    assert hint.index("--vllm-python .venv-vllm/bin/python") < hint.index("pip install '.[serve]'")  # cpu-test: the CPU build first


def test_exit_hint_names_the_log_s_cause():
    assert "memory" in manager.exit_hint("ValueError: CUDA out of memory", "py")
    assert manager.exit_hint("ModuleNotFoundError: No module named 'vllm'", "py").startswith("py cannot import vLLM")


def test_check_answers_for_this_interpreter_and_for_another(no_vllm_here, tmp_path):
    here = vllmcheck.check(no_vllm_here)
    assert here.has_vllm is False and here.executable == no_vllm_here
    other = vllmcheck.check(no_vllm_here, env={"PYTHONDONTWRITEBYTECODE": "1"})  # asked through the subprocess probe
    assert other.has_vllm is False and other.detail == vllmcheck.NO_MODULE
    gone = vllmcheck.check(str(tmp_path / "python9"))
    assert gone.has_vllm is False and gone.executable is None
    assert vllmcheck.check("sh").has_vllm is None  # not a Python: it cannot tell, and a start would go on


# -- --dry-run names the interpreter -----------------------------------------------------------------
def test_dry_run_prints_the_interpreter_and_warns_when_it_has_no_vllm(monkeypatch, tmp_path, no_vllm_here):
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(tmp_path / "absent"))
    monkeypatch.delenv("MODERNIZE_VLLM_PYTHON", raising=False)
    res = runner.invoke(app, ["serve", "--profile", "h200", "--dry-run"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("DO_NOT_TRACK=1") and "warning" not in res.stdout  # the command stays copyable
    no_markup(res.stderr)
    err = res.stderr.splitlines()
    assert f"vLLM interpreter: {no_vllm_here} (no vllm module)" in err
    assert f"warning: {no_vllm_here} has no vLLM: the command above cannot run as it is" in err
    assert any(line.startswith("hint: install it there") and "pip install '.[serve]'" in line for line in err)


def test_dry_run_with_the_cpu_build_names_its_version():
    py = cpu_vllm_python()
    if not py.exists():
        pytest.skip(f"no CPU vLLM at {py} (make install)")
    res = runner.invoke(app, ["serve", "--profile", "cpu-test", "--model", TINY, "--dry-run", "--vllm-python", str(py)])
    assert res.exit_code == 0, res.output
    assert f"vLLM interpreter: {py} (vLLM 0." in res.stderr and "warning" not in res.stderr


# -- small things ------------------------------------------------------------------------------------
def test_doctor_says_why_there_are_no_gpus_once():
    rep = doctor.DoctorReport(gpus=GPUInfo(source="nvidia-smi not found"), state_dir="/s", endpoint="http://127.0.0.1:8151/v1",
                              problem="no model server answers")
    text = "\n".join(doctor.render(rep))
    assert text.count("nvidia-smi") == 1 and "found none" not in text
    assert "profile for these gpus: none (name one: modernize serve --profile NAME" in text
    assert "--port 8151" in doctor.verdict(rep)


def test_serve_without_gpus_says_why_once(monkeypatch, tmp_path):
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(tmp_path / "absent"))
    res = runner.invoke(app, ["serve", "--dry-run"])
    assert res.exit_code == 2
    assert "no NVIDIA GPU detected (nvidia-smi not found), so no profile can be chosen" in res.output
    with pytest.raises(profiles.ProfileError, match=r"^no NVIDIA GPU detected, so"):
        profiles.select_profile([])


def test_the_no_server_hint_uses_the_endpoint_s_port(tmp_path):
    assert "--port 8151" in start_hint("http://127.0.0.1:8151/v1") and "8000" not in start_hint("http://127.0.0.1:8151/v1")
    assert "modernize serve --port 8000" in start_hint("http://localhost:8000/v1")
    remote = start_hint("http://gpu-box:9000/v1")
    assert "modernize serve" not in remote and "--host gpu-box --port 9000" in remote
    port = free_port()
    res = runner.invoke(app, ["analyze", str(HOTEL), "-e", f"http://127.0.0.1:{port}/v1", "--no-cache", "-o", str(tmp_path)])
    assert res.exit_code == 3, res.output
    no_markup(res.output)
    assert f"`modernize serve --port {port}`" in res.output and "--port 8000" not in res.output


def test_version_loads_no_analysis_code():
    """`modernize --version` once took seconds: the CLI imported the analysis (openai, the engine) at start-up."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "modernizer.cli", "--version"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.startswith("modernizer ")
    loaded = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert not loaded & {"openai", "modernizer.run.analysis", "modernizer.llm.client", "modernizer.engine", "jinja2", "networkx"}


def test_serve_help_is_grouped_and_fits_80_columns():
    res = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    assert res.exit_code == 0
    for panel in ("Profile and model", "Server", "Lifecycle"):
        assert f"─ {panel} ─" in res.stdout, panel
    assert max(len(line) for line in res.stdout.splitlines()) <= 80
    # no option's help runs past three lines at 80 columns (env-var and default lines aside)
    rows, current = [], None
    for line in res.stdout.splitlines():
        cell = line.strip("│ ")
        if line.startswith("│ --"):
            current = [cell]
            rows.append(current)
        elif current is not None and line.startswith("│ ") and cell and not cell.startswith("["):
            current.append(cell)
        elif not line.startswith("│"):
            current = None
    assert rows and max(len(r) for r in rows) <= 3, max(rows, key=len)
    # the exit codes say where "already running" goes (2, found before starting), as the code does
    epilog = " ".join(res.stdout.split())
    two, three = epilog.split("Exit codes: 0 done; 2 ", 1)[1].split("; 3 ", 1)
    assert "a managed server already running (stop it with `modernize serve --stop`)" in two
    assert "already running" not in three and "port is taken" in three
    assert manager.ServerAlreadyRunning("x").exit_code == 2


def test_the_supervisor_wakes_at_once_on_a_stop_signal():
    stopping: list[str] = []
    threading.Timer(0.3, stopping.append, ["SIGTERM"]).start()
    t0 = time.monotonic()
    supervisor.nap(5.0, stopping)
    assert time.monotonic() - t0 < 2.0
