"""Shared by the managed-server tests: an isolated state directory, the stand-in vLLM interpreter
and a polling helper."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from modernizer.serve import manager

FAKE = Path(__file__).resolve().parent / "fake_vllm.py"


@pytest.fixture()
def state_dir(tmp_path, monkeypatch) -> Path:
    """A private MODERNIZE_STATE_DIR and no GPUs; whatever a test started is stopped afterwards."""
    d = tmp_path / "state"
    monkeypatch.setenv("MODERNIZE_STATE_DIR", str(d))
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(tmp_path / "no-nvidia-smi"))
    yield d
    manager.stop(d, timeout=20)


@pytest.fixture()
def fake_vllm(tmp_path, monkeypatch):
    """Point MODERNIZE_VLLM_PYTHON at the stand-in (tests/support/fake_vllm.py); returns a function
    that sets its mode. Asked `-c CODE` (the check that vLLM is installed, serve/vllmcheck.py) it
    answers yes: it stands in for an interpreter that has vLLM."""
    wrapper = tmp_path / "fake-python"
    wrapper.write_text(f'#!/bin/sh\n[ "$1" = "-c" ] && exit 0\nexec {sys.executable} {FAKE} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("MODERNIZE_VLLM_PYTHON", str(wrapper))
    pidfile = tmp_path / "fake.pid"
    monkeypatch.setenv("FAKE_VLLM_PIDFILE", str(pidfile))

    def mode(name: str) -> Path:
        monkeypatch.setenv("FAKE_VLLM_MODE", name)
        return pidfile

    return mode


def wait_until(cond, timeout: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


@pytest.fixture()
def served(tmp_path):
    """A server on a free port serving `nemotron` loaded from tmp/models/nemotron-fp8."""
    checkpoint = tmp_path / "models" / "nemotron-fp8"
    checkpoint.mkdir(parents=True)
    from support.cpu_server import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, str(FAKE), "--model", str(checkpoint), "--served-model-name", "nemotron",
                             "--port", str(port), "--max-model-len", "65536"], stdout=subprocess.DEVNULL)

    def up() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1, trust_env=False).status_code == 200
        except httpx.HTTPError:
            return False

    assert wait_until(up, 30, step=0.1)
    yield f"http://127.0.0.1:{port}/v1", checkpoint
    proc.terminate()
    proc.wait(10)
