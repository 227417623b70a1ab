"""A window the server cannot hold, on the real CPU vLLM: `serve` restarts once at vLLM's estimate.

The cpu-test profile gives the tiny model 1 GiB of KV cache (VLLM_CPU_KVCACHE_SPACE=1): 2,097,152
tokens of it. Asked for 4,194,304, vLLM 0.32 (CPU) refuses with the same message as the GPU build
("... the estimated maximum model length is N"); serve starts it again at N, which comes up healthy,
and doctor shows the window and pool served. Two starts of the tiny model: 128 s measured on a 2-core
CPU shared with other jobs (the refusal comes ~20 s into the first).
"""

from __future__ import annotations

import re

import httpx
import pytest
from typer.testing import CliRunner

from modernizer.cli import app
from modernizer.llm.metrics import kv_pool_tokens
from modernizer.serve import manager, vllmlog
from support.cpu_server import free_port, vllm_python
from support.managed import state_dir  # noqa: F401  (a fixture)

runner = CliRunner()
pytestmark = pytest.mark.vllm
ASKED = 4_194_304  # twice what 1 GiB holds for the tiny model (512 bytes a token)


def test_a_refused_window_is_restarted_once_at_vllms_estimate(state_dir, tiny_model, monkeypatch):  # noqa: F811
    py = vllm_python()
    if not py.exists():
        pytest.fail(f"the CPU vLLM is not installed at {py}: run `make install`")
    monkeypatch.setenv("MODERNIZE_VLLM_PYTHON", str(py))
    port = free_port()
    # beyond the tiny config's 65,536 positions: vLLM asks for VLLM_ALLOW_LONG_MAX_MODEL_LEN before it looks at memory
    res = runner.invoke(app, ["serve", "--profile", "cpu-test", "--model", str(tiny_model), "--port", str(port),
                              "--window", str(ASKED), "--env", "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1", "--detach",
                              "--startup-timeout", "420"])
    assert res.exit_code == 0, res.output
    refused = (state_dir / "server.log.1").read_text()  # the first start's log, kept
    refusal = vllmlog.refused_window(refused)
    assert refusal is not None and refusal.asked == ASKED and refusal.estimate, refused[-2000:]
    m = re.search(r"vLLM refused the 4,194,304-token window \(([\d.]+) GiB of KV cache needed, ([\d.]+) GiB available\): "
                  r"restarting once at its estimated maximum, ([\d,]+) tokens", res.output)
    assert m, res.output
    window = int(m.group(3).replace(",", ""))
    assert window == refusal.estimate < ASKED
    assert res.output.count("starting vLLM (profile cpu-test") == 2
    assert f"window {window:,})" in res.output.splitlines()[-1]  # the announcement names the window served

    state = manager.read_state(state_dir)
    assert state is not None and state.window == window and state.refused_window == ASKED
    with httpx.Client(timeout=30, trust_env=False) as http:
        served = http.get(f"http://127.0.0.1:{port}/v1/models").json()["data"][0]["max_model_len"]
        pool = kv_pool_tokens(http.get(f"http://127.0.0.1:{port}/metrics").text)
    assert served == window
    assert pool is not None and window <= pool < ASKED  # one request of the window fits the pool; the asked one did not
    assert vllmlog.start_figures((state_dir / "server.log").read_text()).pool_tokens == pool

    res = runner.invoke(app, ["doctor", "--endpoint", state.base_url, "--state-dir", str(state_dir)])
    assert res.exit_code == 0, res.output
    assert (f"window: {window:,} tokens (served); vLLM refused the {ASKED:,} asked for, so serve restarted it at the "
            "length vLLM said fits") in res.stdout
    assert f"KV pool: {pool:,} tokens served (from /metrics)" in res.stdout

    res = runner.invoke(app, ["serve", "--stop"])
    assert res.exit_code == 0 and "stopped the managed server" in res.output
    assert not manager.port_open(port)
