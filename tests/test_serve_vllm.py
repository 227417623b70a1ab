"""The managed server with the real CPU vLLM and the tiny model: doctor, idle shutdown, the gateway.

A real start costs ~45 s on an idle CPU (more on a busy one), so this file starts it twice:
`serve --detach` (kept alive by requests, then stops when idle) and the gateway
(`analyze --serve-profile`: starts it, analyses, is reused, then stops when idle). Doctor uses the
session's server.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from conftest import SAMPLES
from modernizer.cli import app
from modernizer.serve import gateway, manager
from support.cpu_server import free_port as _free_port, vllm_python as _vllm_python
from support.managed import state_dir, wait_until  # noqa: F401  (state_dir is a fixture)

runner = CliRunner()
pytestmark = pytest.mark.vllm


def test_doctor_against_the_cpu_vllm(vllm_server, tmp_path, monkeypatch):
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(tmp_path / "no-nvidia-smi"))
    res = runner.invoke(app, ["doctor", "--endpoint", vllm_server.base_url, "--state-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert f"endpoint: {vllm_server.base_url} reachable" in out
    assert "model: tiny" in out and f"window: {vllm_server.window:,} tokens" in out
    assert "prefix caching: on (block " in out
    assert re.search(r"^KV pool: [1-9][\d,]* tokens served \(from /metrics\)$", out, re.M), out  # no managed server: no plan
    assert "vllm version: 0." in out
    assert "gpus: none" in out and "managed server: none running" in out
    assert out.strip().splitlines()[-1].startswith("verdict: ready: tiny")


def _vllm_env(monkeypatch) -> None:
    py = _vllm_python()
    if not py.exists():
        pytest.fail(f"the CPU vLLM is not installed at {py}: run `make install`")
    monkeypatch.setenv("MODERNIZE_VLLM_PYTHON", str(py))


def test_serve_cpu_test_stays_up_while_used_then_stops_when_idle(state_dir, tiny_model, monkeypatch):
    _vllm_env(monkeypatch)
    port = _free_port()
    res = runner.invoke(app, ["serve", "--profile", "cpu-test", "--model", str(tiny_model), "--port", str(port),
                              "--detach", "--idle-timeout", "5", "--startup-timeout", "420"])
    assert res.exit_code == 0, res.output
    state = manager.read_state(state_dir)
    assert state is not None and state.status == "running" and state.idle_timeout == 5
    # Requests every second for three idle periods: the watchdog must not stop it.
    with httpx.Client(timeout=30, trust_env=False) as http:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 15:
            r = http.post(f"http://127.0.0.1:{port}/tokenize", json={"model": "tiny", "prompt": "keep me alive"})
            assert r.status_code == 200
            last_request = time.monotonic()
            time.sleep(1)
    assert manager.pid_alive(state.pid), "stopped although requests kept coming"
    # Now nothing: it stops by itself, not before the timeout, frees the port and removes its state.
    assert wait_until(lambda: not manager.pid_alive(state.pid), 60, step=0.2), "still running long after the idle timeout"
    assert time.monotonic() - last_request >= 4.5
    assert wait_until(lambda: not (state_dir / manager.STATE_FILE).exists(), 30), "the supervisor left its state behind"
    assert wait_until(lambda: not manager.pid_alive(state.supervisor_pid), 30), "the supervisor did not exit"
    assert not manager.port_open(port)
    assert "idle for" in Path(state.log).read_text()


def test_gateway_starts_the_server_analyses_and_the_server_idles_out(state_dir, tiny_model, monkeypatch, tmp_path):
    _vllm_env(monkeypatch)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    repo = tmp_path / "legacy-pyshop"
    shutil.copytree(SAMPLES / "legacy-pyshop", repo)
    assert not manager.answers(url)
    res = runner.invoke(app, ["analyze", str(repo), "--endpoint", url, "--serve-profile", "cpu-test",
                              "--serve-model", str(tiny_model), "--idle-timeout", "6", "--no-cache", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "starting vLLM (profile cpu-test" in res.output and "is healthy" in res.output
    assert "the managed server answers 8 requests at once: 8 will be in flight" in res.output
    report = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    assert report["llm"]["model"] == "tiny" and report["llm"]["endpoint"] == url
    state = manager.read_state(state_dir)
    assert state is not None and state.port == port, "the gateway's server should outlive the run until idle"
    again = gateway.ensure_server(url, "cpu-test", str(tiny_model), directory=state_dir)  # the next run's check
    assert again is not None and again.pid == state.pid, "the next run should reuse the running server"
    assert wait_until(lambda: not manager.pid_alive(state.pid), 60), "the gateway's server did not stop when idle"
    assert wait_until(lambda: not (state_dir / manager.STATE_FILE).exists(), 30), "the supervisor left its state behind"
    assert not manager.port_open(port)
