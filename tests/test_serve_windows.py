"""Windows that correct themselves, without a real server: the arithmetic against vLLM 0.26's own
figures (VLLM-NOTES "One H100, vLLM 0.26.0"; bench/results/two-gpu.md), vLLM's log lines, the pool
from /metrics, doctor's lines, and a second refusal (the stand-in: the real vLLM's estimate fits).
The restart against the real CPU vLLM is tests/test_serve_window_retry.py."""

from __future__ import annotations

import time

from typer.testing import CliRunner

from modernizer.cli import app
from modernizer.llm.metrics import kv_pool_tokens, load
from modernizer.serve import doctor, manager, profiles, vllmlog
from modernizer.serve.gpus import GPU, GPUInfo
from modernizer.serve.profiles import GiB, NEMOTRON_3_NANO, PROFILES, Overrides, build_command
from support.cpu_server import free_port
from support.managed import fake_vllm, state_dir  # noqa: F401  (fixtures)

runner = CliRunner()
BF16_DIR_CONFIG = {**profiles.NEMOTRON_3_NANO_CONFIG}  # a BF16 checkpoint directory: no quantization_config
H100 = GPU(index=0, name="NVIDIA H100 80GB HBM3", memory_total_mib=81559, memory_free_mib=81000)
# vLLM 0.26's refusal on one H100, as logged (the issue-18 run)
H100_REFUSAL = ("ValueError: To serve at least one request with the model's max seq len (1048576), (30.01 GiB KV cache is "
                "needed, which is larger than the available KV cache memory (25.71 GiB). Based on the available memory, the "
                "estimated maximum model length is 896512. Try increasing `gpu_memory_utilization` ...")


def test_the_h100_profile_on_a_bf16_checkpoint_plans_what_vllm_measured():
    """Online FP8 of the BF16 checkpoint kept 43.86 GiB; 25.71 GiB were left for the cache, which
    held 412 blocks of 2,176 (896,512 tokens, vLLM's estimate). The plan must not ask for more."""
    for gpus in ([], [H100]):  # the profile's nominal 79.6 GiB, and what nvidia-smi says of an H100 80GB
        cmd = build_command(PROFILES["h100"], "/models/nemotron-bf16", gpus, 8000, model_config=BF16_DIR_CONFIG)
        assert 0.97 * 896_512 <= cmd.window <= 896_512 and cmd.window % 2176 == 0
    m = cmd.memory
    assert "--quantization" in cmd.argv and abs(m.weights_gib - 43.86) < 0.05, m
    assert "quantised to FP8 while loading" in m.weights_basis
    assert m.block_size == 2176 and m.token_bytes == 30 * 1024
    assert m.kv_pool_gib <= 25.71
    # the refused 1,048,576: 482 blocks x 2,176 tokens x 30 KiB = vLLM's "30.01 GiB KV cache is needed"
    blocks = -(-1_048_576 // m.block_size)
    assert round(blocks * m.block_size * m.token_bytes / GiB, 2) == 30.01


def test_the_h200_bench_pool_is_matched_from_below():
    """BF16 served as BF16 at 0.92 on an H200: vLLM logged 2,374,461 tokens (two-gpu.md)."""
    h200 = GPU(index=0, name="NVIDIA H200", memory_total_mib=143771, memory_free_mib=143000)
    cmd = build_command(PROFILES["h200-bf16"], None, [h200], 8000, Overrides(gpu_memory_utilization=0.92))
    assert 0.99 * 2_374_461 <= cmd.memory.fits_tokens <= 2_374_461


def test_a_pre_quantised_fp8_checkpoint_is_counted_at_its_size_and_keeps_the_1m_window():
    cmd = build_command(PROFILES["h100"], None, [H100], 8000)
    assert "--quantization" not in cmd.argv and abs(cmd.memory.weights_gib - 31.03) < 0.05
    assert cmd.memory.source == "detected" and cmd.window == profiles.MAX_WINDOW and cmd.memory.api_servers == 4


def test_dry_run_shows_the_arithmetic(monkeypatch, tmp_path):
    model = tmp_path / "bf16"
    model.mkdir()
    (model / "config.json").write_text(__import__("json").dumps(BF16_DIR_CONFIG))
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(tmp_path / "none"))
    res = runner.invoke(app, ["serve", "--profile", "h100", "--model", str(model), "--dry-run"])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.stderr.splitlines() if x.startswith("profile h100"))
    assert "weights 43.87 GiB (BF16 checkpoint quantised to FP8 while loading" in line
    assert "reserve 2.5 GiB" in line and "4 API servers hold no GPU memory" in line and "30,720 bytes/token" in line


def test_vllm_log_lines_are_read():
    r = vllmlog.refused_window("noise\n" + H100_REFUSAL + "\n" + H100_REFUSAL)
    assert r == vllmlog.WindowRefusal(asked=1_048_576, needed_gib=30.01, available_gib=25.71, estimate=896_512)
    assert vllmlog.retry_window(r, 2176) == 896_512 and vllmlog.retry_window(r, 1000) == 896_000
    assert vllmlog.retry_window(r.model_copy(update={"estimate": None}), 2176) is None
    assert vllmlog.retry_window(r.model_copy(update={"estimate": 2_000_000}), 2176) is None  # not smaller: no retry
    assert vllmlog.retry_window(r.model_copy(update={"estimate": 10_000}), 2176, profiles.MIN_WINDOW) is None
    assert vllmlog.refused_window("ValueError: CUDA out of memory") is None
    f = vllmlog.start_figures("Model loading took 43.86 GiB memory and 61.2 seconds\nAvailable KV cache memory: 25.71 GiB\n"
                              "(EngineCore pid=1) INFO [kv_cache_utils.py:1] GPU KV cache size: 896,948 tokens, Maximum "
                              "concurrency for 880,000 tokens per request: 1.02x")
    assert (f.weights_gib, f.kv_available_gib, f.pool_tokens) == (43.86, 25.71, 896_948)
    assert vllmlog.start_figures("CPU KV cache size: 2,097,152 tokens").pool_tokens == 2_097_152


def test_the_retry_command_changes_only_the_window_and_says_why():
    cmd = build_command(PROFILES["h100"], "/models/nemotron-bf16", [], 8000, Overrides(max_model_len=1_048_576),
                        model_config=BF16_DIR_CONFIG)
    refusal, again = vllmlog.window_retry(cmd, H100_REFUSAL)
    assert again.window == 896_512 and again.refused_window == 1_048_576
    assert again.argv[again.argv.index("--max-model-len") + 1] == "896512"
    assert [a for a in again.argv if a != "896512"] == [a for a in cmd.argv if a != "1048576"]
    line = vllmlog.window_retry_line(refusal, again)
    assert line == ("vLLM refused the 1,048,576-token window (30.01 GiB of KV cache needed, 25.71 GiB available): "
                    "restarting once at its estimated maximum, 896,512 tokens")
    assert vllmlog.window_retry(again, H100_REFUSAL) is None  # a refusal of another window is not this one's


def test_kv_pool_tokens_from_metrics():
    new = 'vllm:cache_config_info{block_size="128",engine="0",kv_cache_size_tokens="2097152",num_gpu_blocks="16384"} 1.0\n'
    old = 'vllm:cache_config_info{block_size="2176",engine="0",num_gpu_blocks="412",enable_prefix_caching="True"} 1.0\n'
    assert kv_pool_tokens(new) == 2_097_152
    assert kv_pool_tokens(old) == 412 * 2176  # vLLM 0.26: blocks x block size
    assert kv_pool_tokens('vllm:cache_config_info{block_size="16",num_gpu_blocks="None"} 1.0\n') is None
    assert kv_pool_tokens("vllm:num_requests_running 0.0\n") is None and kv_pool_tokens("") is None
    usage = old + 'vllm:kv_cache_usage_perc{engine="0"} 0.5\n'
    assert load(usage, 0.0).kv_tokens == 206 * 2176  # the live view sizes its figure from the same pool


def test_doctor_shows_the_served_window_and_pool_beside_the_plan(tmp_path):
    log = tmp_path / "server.log"
    log.write_text(H100_REFUSAL + "\nModel loading took 43.86 GiB memory\nAvailable KV cache memory: 25.71 GiB\n"
                   "GPU KV cache size: 896,948 tokens, Maximum concurrency for 880,000 tokens per request: 1.02x\n")
    state = manager.ServerState(supervisor_pid=1, pid=2, host="127.0.0.1", port=8000, profile="h100", model="m",
                                served_model_name="nemotron", window=896_512, max_num_seqs=16, idle_timeout=0,
                                started="now", log=str(log), argv=[], status="running", refused_window=1_048_576,
                                planned_pool_tokens=881_280)
    rep = doctor.DoctorReport(gpus=GPUInfo(gpus=[], source="test"), state_dir=str(tmp_path), endpoint=state.base_url,
                              managed=state, reachable=True, model="nemotron", models=["nemotron"], window=896_512,
                              pool_tokens=896_948, pool_source="/metrics",
                              started=vllmlog.start_figures(log.read_text()))
    lines = doctor.render(rep)
    assert ("window: 896,512 tokens (served); vLLM refused the 1,048,576 asked for, so serve restarted it at the length "
            "vLLM said fits") in lines
    assert ("KV pool: 896,948 tokens served (from /metrics); profile h100 planned ~881,280; vLLM measured weights "
            "43.86 GiB, 25.71 GiB for the KV cache") in lines
    other = rep.model_copy(update={"endpoint": "http://127.0.0.1:9999/v1", "pool_tokens": None, "started": None})
    assert "KV pool: unknown (the server does not say)" in doctor.render(other)  # not the managed server: no plan shown


def test_a_second_refusal_exits_3_with_the_length_to_ask_for(state_dir, fake_vllm):  # noqa: F811
    fake_vllm("refuse")
    t0 = time.monotonic()
    res = runner.invoke(app, ["serve", "--profile", "cpu-test", "--model", str(state_dir.parent), "--window", "40000",
                              "--port", str(free_port()), "--detach"])
    assert res.exit_code == 3, res.output
    assert "vLLM refused the 40,000-token window (2 GiB of KV cache needed, 1 GiB available): restarting once at its " \
           "estimated maximum, 20,000 tokens" in res.output
    assert res.output.count("starting vLLM (profile cpu-test") == 2  # once, not again at 10,000
    assert "pass a smaller --window (it estimated 10,000 tokens fit)" in res.output
    assert (state_dir / "server.log.1").read_text().count("max seq len (40000)") == 1  # the first start's log is kept
    assert manager.read_state(state_dir) is None and time.monotonic() - t0 < 60
