"""The managed server's process handling with a stand-in vLLM (tests/support/fake_vllm.py): a
server that dies at start, one that never gets healthy, --detach / state / doctor / --stop, a taken
port, and a gateway that finds a server already answering. The real CPU vLLM: test_serve_vllm.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from typer.testing import CliRunner

from conftest import ROOT
from support.cpu_server import free_port as _free_port
from support.managed import FAKE, fake_vllm, state_dir, wait_until  # noqa: F401  (fixtures)
from modernizer.cli import app
from modernizer.serve import gateway, manager

runner = CliRunner()


def serve(*args: str):
    return runner.invoke(app, ["serve", "--profile", "cpu-test", "--model", str(ROOT / ".cache" / "tiny-model"), *args])


# -- failure paths and --stop, with the stand-in ---------------------------------------------------
def test_a_server_that_dies_at_start_is_reported_with_its_log(state_dir, fake_vllm):
    fake_vllm("exit")
    t0 = time.monotonic()
    res = serve("--port", str(_free_port()), "--detach")
    assert res.exit_code == 3, res.output
    assert "exited while starting" in res.output and "CUDA out of memory" in res.output  # the log's tail
    assert time.monotonic() - t0 < 30  # stopped waiting when it died, not at the start-up timeout
    assert manager.read_state(state_dir) is None and not (state_dir / manager.STATE_FILE).exists()


def test_startup_timeout_stops_the_server_and_says_so(state_dir, fake_vllm):
    pidfile = fake_vllm("hang")
    res = serve("--port", str(_free_port()), "--detach", "--startup-timeout", "3")
    assert res.exit_code == 3, res.output
    assert "did not become healthy in 3 s" in res.output and "--startup-timeout" in res.output
    pid = int(pidfile.read_text())
    assert wait_until(lambda: not manager.pid_alive(pid), 15), "the hung server was left running"
    assert not (state_dir / manager.STATE_FILE).exists()


def test_detach_state_doctor_and_stop(state_dir, fake_vllm):
    pidfile = fake_vllm("serve")
    port = _free_port()
    res = serve("--port", str(port), "--detach", "--max-num-seqs", "6")
    assert res.exit_code == 0, res.output
    assert f"http://127.0.0.1:{port}/v1" in res.stdout and "modernize serve --stop" in res.stdout
    state = json.loads((state_dir / manager.STATE_FILE).read_text())
    assert state["port"] == port and state["profile"] == "cpu-test" and state["status"] == "running"
    assert state["pid"] == int(pidfile.read_text()) and state["started"] and state["max_num_seqs"] == 6
    assert "--host" in state["argv"] and state["argv"][state["argv"].index("--host") + 1] == "127.0.0.1"

    doc = runner.invoke(app, ["doctor"])  # no --endpoint: checks the managed server
    assert doc.exit_code == 0, doc.output
    assert "managed server: running, profile cpu-test" in doc.stdout and f"127.0.0.1:{port}" in doc.stdout
    assert "vllm version: 0.0.0-fake" in doc.stdout and "prefix caching: on" in doc.stdout

    again = serve("--port", str(_free_port()), "--detach")
    assert again.exit_code == 2, again.output  # found before starting anything (serve's epilog: 2)
    assert "already running" in again.output and "--stop" in again.output

    stopped = runner.invoke(app, ["serve", "--stop"])
    assert stopped.exit_code == 0 and "stopped the managed server" in stopped.stdout
    assert not manager.pid_alive(state["pid"]) and not manager.port_open(port)
    assert not (state_dir / manager.STATE_FILE).exists()
    assert "no managed server is running" in runner.invoke(app, ["serve", "--stop"]).stdout


def test_port_taken_by_something_else_is_refused(state_dir, fake_vllm):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        res = serve("--port", str(s.getsockname()[1]), "--detach")
    assert res.exit_code == 3 and "is taken" in res.output


def test_gateway_uses_a_server_that_already_answers(state_dir, fake_vllm, monkeypatch):
    """Something (not ours) answers at the endpoint: the gateway starts nothing."""
    monkeypatch.setenv("FAKE_VLLM_MODE", "serve")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(FAKE), "--port", str(port)])
    try:
        assert wait_until(lambda: manager.healthy(port), 20)
        assert gateway.ensure_server(f"http://127.0.0.1:{port}/v1", "cpu-test", None, directory=state_dir) is None
        assert manager.read_state(state_dir) is None
    finally:
        proc.terminate()
        proc.wait(10)


def test_foreground_serve_takes_the_server_down_with_it(state_dir, fake_vllm):
    """`modernize serve` without --detach: a kill (or a closed terminal) stops vLLM too."""
    import signal

    pidfile = fake_vllm("serve")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "modernizer.cli", "serve", "--profile", "cpu-test", "--model",
                             str(ROOT / ".cache" / "tiny-model"), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_until(lambda: manager.read_state(state_dir) is not None and manager.healthy(port), 30)
        said = []  # progress lines come first, as many as the start took (one per PROGRESS_EVERY)
        while not said or "Ctrl-C stops it" not in said[-1]:
            said.append(proc.stdout.readline())
            assert said[-1], said  # EOF before the announcement
        fake_pid = int(pidfile.read_text())
        proc.send_signal(signal.SIGTERM)
        # manager.stop gives the supervisor 60 s, then vLLM's group 10 s more (and 10 after a SIGKILL):
        # wait longer than that, so that a slow stop fails on its own assertion, not as a timeout here
        assert proc.wait(timeout=100) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not manager.pid_alive(fake_pid) and not manager.port_open(port)
    assert not (state_dir / manager.STATE_FILE).exists()
