"""The window arithmetic: how much of a GPU's memory is left for the KV cache, and how many tokens it holds. Pure.

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
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from modernizer.errors import ProfileError
from modernizer.serve.gpus import GPU

if TYPE_CHECKING:
    from modernizer.serve.profiles import Overrides, Profile

GiB = 1024**3
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


def plan_memory(profile: "Profile", spec: ModelSpec, gpus: list[GPU], tp: int, dp: int, seqs: int, quant: str,
                 kv_dtype: str, o: "Overrides", notes: list[str], online_fp8: bool = False) -> tuple[MemoryPlan, int]:
    """The memory plan and the window for PROFILE on GPUS (empty: its nominal GPU); NOTES hears what
    was lowered or could be chosen instead. ProfileError when no useful window fits."""
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
