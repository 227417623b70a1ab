"""Starts the CPU build of vLLM on the tiny test model: for the test session and for benchmarks.

Raises ``RuntimeError`` with the server log's tail when the server cannot start, so callers
(pytest fixtures, bench scripts) can report it their own way.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache"


class VllmServer:
    def __init__(self, proc: subprocess.Popen, base_url: str, model: str, log: Path, window: int) -> None:
        self.proc, self.base_url, self.model, self.log, self.window = proc, base_url, model, log, window


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vllm_python() -> Path:
    env = os.environ.get("MODERNIZE_TEST_VLLM_PYTHON")
    return Path(env) if env else ROOT / ".venv-vllm" / "bin" / "python"


def start(model_dir: Path, max_len: int, name: str, timeout: float = 420, extra: list[str] | None = None,
          served: str = "tiny", dummy: bool = True) -> VllmServer:
    """SERVED: the served model name; DUMMY: random weights (the tiny model has none of its own);
    the small real model (``served="smollm2-135m-demo", dummy=False``) loads its converted checkpoint."""
    py = vllm_python()
    if not py.exists():
        raise RuntimeError(f"the CPU vLLM is not installed at {py}: run `make install` (or set MODERNIZE_TEST_VLLM_PYTHON)")
    port = free_port()
    CACHE.mkdir(exist_ok=True)
    log = CACHE / f"vllm-{name}.log"
    env = dict(os.environ, VLLM_CPU_KVCACHE_SPACE="1", VLLM_LOGGING_LEVEL="WARNING", OMP_NUM_THREADS=str(os.cpu_count() or 2),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", VLLM_NO_USAGE_STATS="1", DO_NOT_TRACK="1")
    cmd = [str(py), "-m", "vllm.entrypoints.openai.api_server", "--model", str(model_dir), "--served-model-name", served,
           *(["--load-format", "dummy"] if dummy else []), "--enforce-eager", "--host", "127.0.0.1", "--port", str(port),
           "--max-model-len", str(max_len), "--seed", "0", "--enable-prefix-caching", "--enable-prompt-tokens-details",
           "--structured-outputs-config", json.dumps({"backend": "xgrammar", "disable_any_whitespace": True}), *(extra or [])]
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"vLLM exited with {proc.returncode} while starting; log {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return VllmServer(proc, f"http://127.0.0.1:{port}/v1", served, log, max_len)
        except OSError:
            time.sleep(1)
    proc.kill()
    raise RuntimeError(f"vLLM did not become healthy in {timeout:.0f} s; log {log}:\n{log.read_text()[-3000:]}")


def stop(server: VllmServer) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
