"""`modernize serve` without a server: profiles, the exact command, VRAM -> window, nvidia-smi parsing,
/metrics parsing, doctor's verdict, and the privacy guard. All pure or local, no model."""

from __future__ import annotations

import json
import shlex
import socket
import stat
import sys
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from conftest import HOTEL
from modernizer.cli import app
from modernizer.llm.privacy import check_endpoint_allowed, is_local_host
from modernizer.errors import ProfileError, RemoteEndpointRefused
from modernizer.llm import metrics
from modernizer.serve import doctor, gateway, gpus, profiles
from modernizer.serve.gpus import GPU, GPUInfo
from modernizer.serve.profiles import GiB, NEMOTRON_3_NANO, PROFILES, Overrides, build_command

runner = CliRunner()

# Captured `nvidia-smi --query-gpu=index,name,memory.total,memory.free,driver_version --format=csv,noheader,nounits`
SMI_H200 = "0, NVIDIA H200, 143771, 143252, 580.95.05\n"
SMI_2X3090 = "0, NVIDIA GeForce RTX 3090, 24576, 24135, 570.86.10\n1, NVIDIA GeForce RTX 3090, 24576, 23890, 570.86.10\n"
SMI_SPARK = "0, NVIDIA GB10, [N/A], [N/A], 580.95.05\n"
SMI_4090_BUSY = "0, NVIDIA GeForce RTX 4090, 24564, 12020, 575.51.03\n"

# The parts of a real CPU vLLM 0.32 /metrics that doctor and the idle watchdog read.
METRICS = """\
# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="tiny"} 1.0
vllm:num_requests_waiting{engine="0",model_name="tiny"} 2.0
http_requests_total{handler="/v1/models",method="GET",status="2xx"} 2.0
http_requests_total{handler="/tokenize",method="POST",status="2xx"} 1.0
vllm:prefix_cache_queries_total{engine="0",model_name="tiny"} 1000.0
vllm:prefix_cache_hits_total{engine="0",model_name="tiny"} 900.0
vllm:cache_config_info{_block_size_resolved="True",block_size="128",cache_dtype="auto",enable_prefix_caching="True",engine="0",kv_cache_size_tokens="2097152",mamba_cache_mode="none"} 1.0
"""


def gpu_list(text: str) -> list[GPU]:
    return gpus.parse_nvidia_smi(text)


# -- nvidia-smi ----------------------------------------------------------------------------------
def test_parse_nvidia_smi_single_multi_unified_and_junk():
    (h200,) = gpu_list(SMI_H200)
    assert (h200.index, h200.name, h200.memory_total_mib, h200.memory_free_mib, h200.driver) == (0, "NVIDIA H200", 143771, 143252, "580.95.05")
    assert round(h200.total_gib, 1) == 140.4
    two = gpu_list(SMI_2X3090)
    assert [g.index for g in two] == [0, 1] and two[1].memory_free_mib == 23890
    (spark,) = gpu_list(SMI_SPARK)
    assert spark.name == "NVIDIA GB10" and spark.memory_total_mib is None and spark.memory_free_mib is None
    assert gpu_list("") == []
    assert gpu_list("No devices were found\n") == []
    assert gpu_list("index, name, memory.total [MiB]\n" + SMI_H200)[0].name == "NVIDIA H200"


def _fake_smi(tmp_path, text: str, code: int = 0):
    script = tmp_path / "nvidia-smi"
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{text}EOF\nexit {code}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_detect_gpus_runs_nvidia_smi_and_survives_its_absence(tmp_path, monkeypatch):
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(_fake_smi(tmp_path, SMI_2X3090)))
    info = gpus.detect_gpus()
    assert len(info.gpus) == 2 and info.source == "nvidia-smi"
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(tmp_path / "absent"))
    assert gpus.detect_gpus().gpus == []
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(_fake_smi(tmp_path, "NVIDIA-SMI has failed\n", code=9)))
    info = gpus.detect_gpus()
    assert info.gpus == [] and "exited 9" in info.source


# -- the model arithmetic ------------------------------------------------------------------------
def test_model_spec_from_the_nemotron_config_matches_what_was_measured():
    s = NEMOTRON_3_NANO
    assert (s.attention_layers, s.mamba_layers) == (6, 23)
    assert 31.4e9 < s.params < 31.8e9                              # "31.6B parameters"
    assert abs(s.weights_bytes("bf16") / GiB - 58.9) < 0.6         # 58.9 GiB measured on the H200
    assert 30 < s.weights_bytes("fp8") / GiB < 32.5
    assert 18 < s.weights_bytes("nvfp4") / GiB < 20                # the NVFP4 checkpoint is ~19 GB
    assert s.attention_token_bytes(2) * s.attention_layers == 6 * 2 * 2 * 128 * 2  # 6 KiB per token, BF16
    assert s.token_bytes(2, prefix_caching=False) == 6144
    # 6 attention + 23 Mamba layers in groups of 6: 30 page slots (vLLM 0.26's "30.01 GiB" for 1,048,576 tokens)
    assert s.cache_slots() == 30 and s.token_bytes(2) == 30 * 1024 and s.token_bytes(1) == 30 * 512
    assert s.block_size(2) == 2176                                 # measured: vLLM 0.26 raised the block to 2176
    assert s.mamba_state_bytes == 64 * 64 * 128 * 4 + (4096 + 2 * 8 * 128) * 3 * 2


def test_model_spec_refuses_configs_it_does_not_know():
    with pytest.raises(ProfileError, match="NemotronH"):
        profiles.model_spec({"model_type": "llama"})


def test_window_is_a_million_tokens_where_memory_allows_with_what_vllm_needs_beyond_the_config():
    cmd = build_command(PROFILES["h200"], None, gpu_list(SMI_H200), 8000)
    assert cmd.window == profiles.MAX_WINDOW == 1_048_576
    assert cmd.memory.source == "detected" and cmd.memory.fits_tokens > 1_048_576
    assert cmd.env["VLLM_ALLOW_LONG_MAX_MODEL_LEN"] == "1"
    assert json.loads(_flag(cmd.argv, "--hf-overrides")) == {"max_position_embeddings": 1_048_576}
    assert "--enable-prefix-caching" in cmd.argv


def test_with_and_without_prefix_caching_the_window_differs_by_the_hybrid_page_padding():
    """29 cache layers pay a page per cached token with prefix caching (29 KiB a token), 6 without
    (6 KiB): where memory is short the user may take the larger window and lose the shared prefix."""
    cached = build_command(PROFILES["rtx4090"], None, [], 8000)
    m = cached.memory
    assert m.token_bytes == 30 * 1024 // 2 and m.fits_tokens == m.fits_tokens_cached  # FP8 KV: half
    assert m.fits_tokens_uncached > 4 * m.fits_tokens_cached
    assert any("without prefix caching (--no-prefix-cache) the window would be" in n for n in cached.notes)
    uncached = build_command(PROFILES["rtx4090"], None, [], 8000, Overrides(prefix_caching=False))
    assert uncached.window == min(profiles.MAX_WINDOW, m.fits_tokens_uncached) > cached.window
    assert "--no-enable-prefix-caching" in uncached.argv and "--enable-prefix-caching" not in uncached.argv
    assert uncached.memory.token_bytes == 6 * 1024 // 2


def test_window_from_free_vram_rounds_down_to_the_block_and_lowers_the_memory_fraction():
    full = build_command(PROFILES["rtx4090"], None, [GPU(index=0, name="NVIDIA GeForce RTX 4090", memory_total_mib=24564, memory_free_mib=24000)], 8000)
    assert full.window < 262144 and full.window % full.memory.block_size == 0
    assert profiles.MIN_WINDOW <= full.window
    m = full.memory
    expected = int((m.budget_gib - m.weights_gib - m.overhead_gib) * GiB // m.token_bytes)
    assert expected - m.block_size < full.window <= expected
    # 19.5 GiB free of 24: the fraction is lowered so vLLM starts, and too little is left beside the weights
    with pytest.raises(ProfileError) as exc:
        build_command(PROFILES["rtx3090"], None, [GPU(index=0, name="NVIDIA GeForce RTX 3090", memory_total_mib=24576, memory_free_mib=20000)], 8000)
    assert "GiB usable" in exc.value.message and "--cpu-offload-gb" in exc.value.hint


def test_too_little_free_memory_is_refused_with_the_numbers():
    with pytest.raises(ProfileError) as exc:
        build_command(PROFILES["rtx4090"], None, gpu_list(SMI_4090_BUSY), 8000)
    assert "NVFP4 weights" in exc.value.message and "GiB usable (0.46 of 24.0 GiB)" in exc.value.message


def test_fp8_does_not_fit_24_gb_and_the_hint_says_what_would():
    with pytest.raises(ProfileError) as exc:
        build_command(PROFILES["rtx3090"], None, [], 8000, Overrides(quantization="fp8"))
    assert "FP8 weights (31.0 GiB per GPU)" in exc.value.message
    assert "--quantization nvfp4" in exc.value.hint and "--tensor-parallel-size 2" in exc.value.hint


def test_max_model_len_override_beyond_fit_or_model_max_is_noted():
    cmd = build_command(PROFILES["h200"], None, [], 8000, Overrides(max_model_len=1_048_576))
    assert cmd.window == 1_048_576 and "--max-model-len" in cmd.argv
    assert cmd.env["VLLM_ALLOW_LONG_MAX_MODEL_LEN"] == "1" and any("beyond the config" in n for n in cmd.notes)
    small = build_command(PROFILES["rtx4090"], None, [], 8000, Overrides(max_model_len=262144))
    assert any("estimated to fit" in n for n in small.notes)


# -- profiles and their commands -----------------------------------------------------------------
def _flag(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


@pytest.mark.parametrize("name", list(PROFILES))
def test_every_profile_builds_a_local_prefix_cached_command(name):
    p = PROFILES[name]
    cmd = build_command(p, "/models/tiny" if p.device == "cpu" else None, [], 8123, Overrides(python="py"))
    a = cmd.argv
    if p.api_server_count > 1:  # several API servers: only `vllm serve` starts them
        assert a[:4] == ["py", "-m", "vllm.entrypoints.cli.main", "serve"]
        assert _flag(a, "--api-server-count") == str(p.api_server_count)
    else:
        assert a[:3] == ["py", "-m", "vllm.entrypoints.openai.api_server"]
    assert _flag(a, "--host") == "127.0.0.1" and _flag(a, "--port") == "8123"
    assert "--enable-prefix-caching" in a and "--enable-prompt-tokens-details" in a
    assert json.loads(_flag(a, "--structured-outputs-config"))["backend"] == "xgrammar"
    assert int(_flag(a, "--max-model-len")) == cmd.window >= (profiles.MIN_WINDOW if p.device == "cuda" else p.fixed_window)
    assert int(_flag(a, "--max-num-seqs")) == cmd.max_num_seqs == p.max_num_seqs
    assert cmd.env["VLLM_NO_USAGE_STATS"] == "1" and cmd.env["DO_NOT_TRACK"] == "1"
    assert shlex.split(cmd.shell().replace("\\\n", " ")) == [f"{k}={v}" for k, v in sorted(cmd.env.items())] + a
    if p.device == "cuda":
        assert _flag(a, "--reasoning-parser") == "nemotron_v3"
        assert _flag(a, "--served-model-name") == "nemotron"
        assert _flag(a, "--model") == profiles.CHECKPOINTS[p.quantization]
        assert cmd.window <= profiles.MAX_WINDOW
        assert cmd.memory.weights_gib + cmd.memory.overhead_gib < cmd.memory.budget_gib
    else:
        assert "--reasoning-parser" not in a  # cpu-test: random weights; cpu-demo: the converted small model's own
        assert _flag(a, "--load-format") == ("dummy" if name == "cpu-test" else None)


def test_hardware_specifics():
    spark = build_command(PROFILES["dgx-spark"], None, gpu_list(SMI_SPARK), 8000)
    assert {"VLLM_NVFP4_GEMM_BACKEND": "marlin", "VLLM_USE_FLASHINFER_MOE_FP4": "0", "VLLM_TEST_FORCE_FP8_MARLIN": "1"}.items() <= spark.env.items()
    assert "--enforce-eager" in spark.argv and _flag(spark.argv, "--gpu-memory-utilization") == "0.20"
    assert spark.memory.total_gib == 119.2 and any("unified memory" in n for n in spark.notes)
    assert spark.quantization == "nvfp4" and _flag(spark.argv, "--kv-cache-dtype") == "fp8"
    two = build_command(PROFILES["2x3090"], None, gpu_list(SMI_2X3090), 8000)
    assert _flag(two.argv, "--tensor-parallel-size") == "2" and two.quantization == "fp8"
    assert "--kv-cache-dtype" not in two.argv  # no FP8 KV on Ampere
    for name in ("rtx4090", "rtx5090"):
        assert _flag(build_command(PROFILES[name], None, [], 8000).argv, "--kv-cache-dtype") == "fp8"
    h200 = build_command(PROFILES["h200"], None, [], 8000)
    assert "--kv-cache-dtype" not in h200.argv and "--enforce-eager" not in h200.argv
    # several API server processes admit a burst of long sweep requests in parallel (bench/results/admission.md)
    assert _flag(h200.argv, "--api-server-count") == "4"
    assert _flag(build_command(PROFILES["rtx4090"], None, [], 8000).argv, "--api-server-count") == "2"
    assert "--api-server-count" not in build_command(PROFILES["cpu-test"], "/m/tiny", [], 8000).argv
    one = build_command(PROFILES["h200"], None, [], 8000, Overrides(api_server_count=1))
    assert "--api-server-count" not in one.argv
    assert _flag(build_command(PROFILES["h200-bf16"], None, [], 8000).argv, "--model").endswith("-BF16")


def test_data_and_tensor_parallel_overrides_need_the_gpus_and_raise_concurrency():
    two_h200 = gpu_list(SMI_H200 + SMI_H200.replace("0,", "1,", 1))
    cmd = build_command(PROFILES["h200"], None, two_h200, 8000, Overrides(data_parallel_size=2))
    assert _flag(cmd.argv, "--data-parallel-size") == "2" and cmd.concurrency == 64
    one = build_command(PROFILES["h200"], None, two_h200[:1], 8000)
    # a MoE model's experts are sharded over the DP ranks (vLLM's data-parallel guide); attention and Mamba are not
    assert 16.5 < cmd.memory.weights_gib < 18 and one.memory.weights_gib > 30
    assert cmd.memory.token_bytes == one.memory.token_bytes and cmd.memory.kv_pool_gib > one.memory.kv_pool_gib + 13
    tp = build_command(PROFILES["h200"], None, two_h200, 8000, Overrides(tensor_parallel_size=2))
    assert _flag(tp.argv, "--tensor-parallel-size") == "2" and tp.memory.weights_gib < 16 and tp.concurrency == 32
    with pytest.raises(ProfileError, match="needs 4 GPUs; 2 found"):
        build_command(PROFILES["h200"], None, two_h200, 8000, Overrides(tensor_parallel_size=2, data_parallel_size=2))


def test_checkpoint_format_decides_the_quantization_flag():
    bf16_config = dict(profiles.NEMOTRON_3_NANO_CONFIG)
    online = build_command(PROFILES["h200"], "/m/bf16", [], 8000, model_config=bf16_config)
    assert _flag(online.argv, "--quantization") == "fp8" and online.quantization == "fp8"
    fp8_config = {**bf16_config, "quantization_config": {"quant_method": "modelopt", "quant_algo": "FP8"}}
    stored = build_command(PROFILES["h200"], "/m/fp8", [], 8000, model_config=fp8_config)
    assert "--quantization" not in stored.argv and stored.quantization == "fp8"
    nvfp4_ckpt = build_command(PROFILES["h200"], "/m/x", [], 8000,
                               model_config={**bf16_config, "quantization_config": {"quant_algo": "NVFP4"}})
    assert nvfp4_ckpt.quantization == "nvfp4" and any("NVFP4 checkpoint" in n for n in nvfp4_ckpt.notes)
    with pytest.raises(ProfileError, match="needs NVFP4 weights"):
        build_command(PROFILES["rtx5090"], "/m/bf16", [], 8000, model_config=bf16_config)
    assert build_command(PROFILES["h200"], profiles.CHECKPOINTS["bf16"], [], 8000).quantization == "fp8"


def test_extra_args_cannot_rebind_the_host():
    with pytest.raises(ProfileError, match="--host"):
        build_command(PROFILES["h200"], None, [], 8000, Overrides(extra_args=["--host=0.0.0.0"]))
    cmd = build_command(PROFILES["h200"], None, [], 8000, Overrides(extra_args=["--load-format", "dummy"], reasoning_parser="none"))
    assert cmd.argv[-2:] == ["--load-format", "dummy"] and "--reasoning-parser" not in cmd.argv


def test_profile_selection_from_gpus():
    assert profiles.select_profile(gpu_list(SMI_2X3090)).name == "2x3090"
    assert profiles.select_profile(gpu_list(SMI_2X3090)[:1]).name == "rtx3090"
    assert profiles.select_profile(gpu_list(SMI_H200)).name == "h200"
    assert profiles.select_profile(gpu_list(SMI_SPARK)).name == "dgx-spark"
    assert profiles.select_profile(gpu_list("0, NVIDIA RTX PRO 6000 Blackwell Workstation Edition, 97887, 97000, 580\n")).name == "rtx-pro-6000"
    with pytest.raises(ProfileError, match="no serve profile for NVIDIA A100"):
        profiles.select_profile(gpu_list("0, NVIDIA A100-SXM4-80GB, 81920, 81000, 550\n"))
    with pytest.raises(ProfileError, match="no NVIDIA GPU detected"):
        profiles.select_profile([])
    with pytest.raises(ProfileError, match="no serve profile named"):
        profiles.get_profile("h300")


# -- the CLI -------------------------------------------------------------------------------------
def test_serve_h200_dry_run_prints_the_exact_command(monkeypatch, tmp_path):
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(tmp_path / "absent"))
    monkeypatch.delenv("MODERNIZE_VLLM_PYTHON", raising=False)
    res = runner.invoke(app, ["serve", "--profile", "h200", "--dry-run"])
    assert res.exit_code == 0, res.output
    expected = build_command(PROFILES["h200"], None, [], 8000, Overrides(python=sys.executable))
    assert res.stdout.strip() == expected.shell()
    words = shlex.split(res.stdout.replace("\\\n", " "))
    assert words[:3] == ["DO_NOT_TRACK=1", "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1", "VLLM_NO_USAGE_STATS=1"]
    a = words[3:]
    assert a[:4] == [sys.executable, "-m", "vllm.entrypoints.cli.main", "serve"] and _flag(a, "--api-server-count") == "4"
    for flag, value in [("--model", "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8"), ("--host", "127.0.0.1"), ("--port", "8000"),
                        ("--max-model-len", "1048576"), ("--gpu-memory-utilization", "0.90"), ("--max-num-seqs", "32"),
                        ("--reasoning-parser", "nemotron_v3"), ("--served-model-name", "nemotron")]:
        assert _flag(a, flag) == value, flag
    assert "--enable-prefix-caching" in a and "--enable-prompt-tokens-details" in a
    assert "window 1,048,576 tokens" in res.stderr and "nominal 140.4 GiB" in res.stderr


def test_serve_picks_the_profile_from_nvidia_smi(monkeypatch, tmp_path):
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(_fake_smi(tmp_path, SMI_2X3090)))
    res = runner.invoke(app, ["serve", "--dry-run", "--port", "8011", "--vllm-python", "vpy"])
    assert res.exit_code == 0, res.output
    assert "profile 2x3090" in res.stderr and "--tensor-parallel-size 2" in res.stdout and res.stdout.startswith("DO_NOT_TRACK=1 VLLM_NO_USAGE_STATS=1 vpy -m")
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(tmp_path / "absent"))
    res = runner.invoke(app, ["serve", "--dry-run"])
    assert res.exit_code == 2 and "no NVIDIA GPU detected" in res.output and "--profile" in res.output


def test_serve_list_profiles_and_bad_options():
    res = runner.invoke(app, ["serve", "--list-profiles"])
    assert res.exit_code == 0 and all(name in res.stdout for name in PROFILES)
    assert runner.invoke(app, ["serve", "--profile", "h200", "--dry-run", "--quantization", "int3"]).exit_code == 2
    res = runner.invoke(app, ["serve", "--profile", "nope", "--dry-run"])
    assert res.exit_code == 2 and "no serve profile named 'nope'" in res.output


# -- /metrics and doctor's verdict ---------------------------------------------------------------
def test_metrics_activity_and_cache_config():
    act = metrics.activity(METRICS)
    assert act.in_flight == 3 and act.answered == 3 and act.busy
    cfg = metrics.cache_config(METRICS)
    assert cfg["enable_prefix_caching"] == "True" and cfg["block_size"] == "128"
    assert metrics.cache_config("vllm:num_requests_running 0\n") is None
    assert not metrics.activity("").busy


def test_doctor_verdicts():
    base = dict(gpus=GPUInfo(source="nvidia-smi not found"), state_dir="/s", endpoint="http://127.0.0.1:8000/v1")
    down = doctor.DoctorReport(**base, problem="no model server answers")
    lines = doctor.render(down)
    assert lines[0] == "gpus: none (nvidia-smi not found)" and lines[-1].startswith("verdict: not ready") and not down.ready
    off = doctor.DoctorReport(**base, reachable=True, model="m", models=["m"], window=4096, vllm_version="0.26.0",
                              cache={"enable_prefix_caching": "False", "block_size": "16", "cache_dtype": "auto"})
    assert "prefix caching: OFF" in "\n".join(doctor.render(off)) and "prefix caching is OFF" in doctor.verdict(off)
    on = off.model_copy(update={"cache": metrics.cache_config(METRICS), "prefix_queries": 1000.0, "prefix_hits": 900.0})
    text = "\n".join(doctor.render(on))
    assert "prefix caching: on (block 128 tokens" in text and "(90%)" in text and doctor.verdict(on).startswith("ready")


# -- privacy guard ---------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/v1", "http://localhost:8000/v1", "http://[::1]:8000/v1",
                                 "http://127.0.0.53:8000/v1", "https://localhost/v1"])
def test_loopback_endpoints_are_allowed(url):
    assert check_endpoint_allowed(url, []) is None  # no RemoteEndpointRefused
    with pytest.raises(RemoteEndpointRefused):
        check_endpoint_allowed(url.replace("127.0.0.53", "10.0.0.1").replace("127.0.0.1", "10.0.0.1").replace("localhost", "10.0.0.1")
                               .replace("[::1]", "10.0.0.1"), [])


@pytest.mark.parametrize("url", ["http://192.168.1.20:8000/v1", "http://10.0.0.7:8000/v1", "http://172.16.0.1/v1",
                                 "http://0.0.0.0:8000/v1", "http://[fe80::1]:8000/v1", "http://[2001:db8::1]/v1"])
def test_other_addresses_are_refused_unless_named(url):
    with pytest.raises(RemoteEndpointRefused, match="not this machine"):
        check_endpoint_allowed(url, [])
    check_endpoint_allowed(url, [urlsplit(url).hostname])


def test_hostnames_are_judged_by_every_address_they_resolve_to(monkeypatch):
    table = {"gpu-box.lan": ["192.168.7.9"], "loop.test": ["127.0.0.1", "::1"], "split.test": ["127.0.0.1", "203.0.113.5"]}

    def fake_getaddrinfo(host, *_a, **_k):
        if host not in table:
            raise socket.gaierror("unknown")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 0)) for a in table[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    assert is_local_host("loop.test") and not is_local_host("gpu-box.lan") and not is_local_host("split.test")
    assert not is_local_host("nowhere.invalid")
    with pytest.raises(RemoteEndpointRefused, match="--allow-remote gpu-box.lan"):
        check_endpoint_allowed("http://gpu-box.lan:8000/v1", [])
    check_endpoint_allowed("http://gpu-box.lan:8000/v1", ["GPU-BOX.lan"])
    with pytest.raises(RemoteEndpointRefused):
        check_endpoint_allowed("http://split.test:8000/v1", ["gpu-box.lan"])
    with pytest.raises(RemoteEndpointRefused, match="not an http"):
        check_endpoint_allowed("ftp://127.0.0.1/v1", [])


def test_cli_refuses_private_range_endpoints_for_analyze_and_doctor(tmp_path):
    res = runner.invoke(app, ["analyze", str(HOTEL), "--endpoint", "http://192.168.1.10:8000/v1", "-o", str(tmp_path)])
    assert res.exit_code == 2 and "--allow-remote 192.168.1.10" in res.output
    res = runner.invoke(app, ["doctor", "--endpoint", "http://[fe80::1]:8000/v1", "--state-dir", str(tmp_path)])
    assert res.exit_code == 2 and "not this machine" in res.output


def test_gateway_only_manages_local_endpoints():
    with pytest.raises(ProfileError, match="not local"):
        gateway.endpoint_port("http://192.168.1.10:8000/v1")
    assert gateway.endpoint_port("http://127.0.0.1:8011/v1") == 8011
    res = runner.invoke(app, ["analyze", str(HOTEL), "--serve-profile", "cpu-test", "--endpoint", "http://10.0.0.2:8000/v1"])
    assert res.exit_code == 2 and "not local" in res.output
