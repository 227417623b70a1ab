"""`modernize doctor`: is this machine ready to analyse? GPUs, the managed server, the endpoint.

``collect`` does the I/O (nvidia-smi, the state file, the endpoint through ``modernizer.llm.client``);
``render`` is pure and turns the result into the lines printed, ending with a verdict.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from modernizer.llm.client import Endpoint, LLMClient, parse_prefix_metrics
from modernizer.errors import ModernizerError
from modernizer.serve import manager, profiles, service
from modernizer.serve.gpus import GPUInfo, describe, detect_gpus
from modernizer.llm.metrics import cache_config, kv_pool_tokens
from modernizer.serve import vllmlog


class DoctorReport(BaseModel):
    gpus: GPUInfo
    profile: str | None = None
    profile_problem: str | None = None
    managed: manager.ServerState | None = None
    state_dir: str
    endpoint: str
    endpoint_note: str | None = Field(default=None, description="the endpoint had no /v1 and answered under it")
    reachable: bool = False
    problem: str | None = None
    hint: str | None = None
    vllm_version: str | None = None
    model: str | None = None
    models: list[str] = Field(default_factory=list)
    root: str = Field(default="", description="what the server says it loaded (/v1/models' root: a path or Hugging Face id)")
    expected: str | None = Field(default=None, description="--expect-model: the served name or checkpoint the caller needs")
    window: int | None = None
    cache: dict[str, str] | None = Field(default=None, description="labels of vllm:cache_config_info")
    prefix_queries: float | None = None
    prefix_hits: float | None = None
    pool_tokens: int | None = Field(default=None, description="the KV pool served, in tokens (/metrics, else the managed log)")
    pool_source: str | None = None
    started: vllmlog.StartFigures | None = Field(default=None, description="what the managed server's vLLM logged while starting")
    services: list[service.ServiceStatus] = Field(default_factory=list, description="systemd units serve --install-service wrote")

    @property
    def serves_managed(self) -> bool:
        """Is the endpoint checked the managed server (whose plan and log are then this server's)?"""
        return self.managed is not None and self.managed.base_url.rstrip("/") == self.endpoint.rstrip("/")

    @property
    def prefix_caching(self) -> bool | None:
        return None if self.cache is None else self.cache.get("enable_prefix_caching") == "True"

    @property
    def wrong_model(self) -> bool:
        """The server answers, but serves another model than --expect-model (a reused server on the port)."""
        return self.reachable and self.expected is not None and not model_matches(self.expected, self.model or "", self.root)

    @property
    def ready(self) -> bool:
        return self.reachable and self.window is not None and not self.wrong_model


def model_matches(expected: str, served: str, root: str) -> bool:
    """Whether the server's model is the one expected: its served name, or the checkpoint it loaded
    (/v1/models' root: a Hugging Face id, or a path, compared after resolving links, as
    `modernize serve --model DIR` passes it resolved)."""
    want = expected.strip().rstrip("/")
    if not want:
        return True
    if want in (served, root.rstrip("/")):
        return True
    local = Path(want).expanduser()
    return bool(root) and local.exists() and Path(root).expanduser().resolve() == local.resolve()


async def collect(endpoint: Endpoint, directory: Path, gpu_info: GPUInfo | None = None, expected: str | None = None) -> DoctorReport:
    info = gpu_info if gpu_info is not None else detect_gpus()
    rep = DoctorReport(gpus=info, state_dir=str(directory), endpoint=endpoint.base_url, managed=manager.read_state(directory),
                       expected=expected)
    rep.services = service.installed()
    try:
        rep.profile = profiles.select_profile(info.gpus).name
    except ModernizerError as exc:
        rep.profile_problem = exc.message
    client = LLMClient(endpoint.model_copy(update={"retries": 1}))  # the privacy guard applies here too
    async with client:
        try:
            server = await client.probe()
        except ModernizerError as exc:
            rep.problem, rep.hint = exc.message, exc.hint
            return rep
        rep.reachable, rep.model, rep.models, rep.window = True, server.model, server.models, server.max_model_len
        rep.root = server.root
        rep.endpoint, rep.endpoint_note = server.base_url, client.endpoint_note
        rep.vllm_version = await client.server_version()
        text = await client.metrics_text()
    if text is not None:
        rep.cache = cache_config(text)
        counters = parse_prefix_metrics(text)
        rep.prefix_queries, rep.prefix_hits = counters.queries, counters.hits
        rep.pool_tokens = kv_pool_tokens(text)
        rep.pool_source = "/metrics" if rep.pool_tokens else None
    if rep.serves_managed:
        try:
            log_text = Path(rep.managed.log).read_text(encoding="utf-8", errors="replace")
        except OSError:
            log_text = ""
        rep.started = vllmlog.start_figures(log_text)
        if rep.pool_tokens is None and rep.started.pool_tokens:
            rep.pool_tokens, rep.pool_source = rep.started.pool_tokens, "its log"
    return rep


def window_lines(rep: DoctorReport) -> list[str]:
    """The window and the KV pool actually served, beside what the profile planned: the plan is an
    estimate made before vLLM started, the server's figures are what a run can use."""
    m = rep.managed if rep.serves_managed else None
    window = f"window: {rep.window:,} tokens (served)"
    if m is not None and m.refused_window:
        window += f"; vLLM refused the {m.refused_window:,} asked for, so serve restarted it at the length vLLM said fits"
    pool = (f"KV pool: {rep.pool_tokens:,} tokens served (from {rep.pool_source})" if rep.pool_tokens
            else "KV pool: unknown (the server does not say)")
    if m is not None and m.planned_pool_tokens:
        pool += f"; profile {m.profile} planned ~{m.planned_pool_tokens:,}"
    f = rep.started
    if f is not None and (f.weights_gib or f.kv_available_gib):
        said = [f"weights {f.weights_gib:g} GiB" if f.weights_gib else "", f"{f.kv_available_gib:g} GiB for the KV cache" if f.kv_available_gib else ""]
        pool += "; vLLM measured " + ", ".join(x for x in said if x)
    return [window, pool]


def render(rep: DoctorReport) -> list[str]:
    lines = [f"gpus: {describe(rep.gpus.gpus)}" + ("" if rep.gpus.gpus else f" ({rep.gpus.source})")]
    if rep.profile:
        lines.append(f"profile for these gpus: {rep.profile}")
    elif not rep.gpus.gpus:  # the line above already says why there are none
        lines.append("profile for these gpus: none (name one: modernize serve --profile NAME; "
                     "cpu-demo serves the small CPU demo model, cpu-test the tiny random-weight one)")
    else:
        lines.append(f"profile for these gpus: none ({rep.profile_problem})")
    m = rep.managed
    if m is None:
        lines.append(f"managed server: none running (state in {rep.state_dir})")
    else:
        idle = f"stops after {m.idle_timeout:g} s idle" if m.idle_timeout > 0 else "no idle timeout"
        lines.append(f"managed server: {m.status}, profile {m.profile}, pid {m.pid}, {m.base_url}, started {m.started}, "
                     f"{idle}, up to {m.concurrency} requests at once; log {m.log}")
    lines.extend(service.describe(u) for u in rep.services)
    lines.append(f"endpoint: {rep.endpoint} " + ("reachable" if rep.reachable else f"NOT reachable: {rep.problem}"))
    if rep.endpoint_note:
        lines.append(f"note: {rep.endpoint_note}")
    if rep.reachable:
        lines.append(f"vllm version: {rep.vllm_version or 'unknown (no /version)'}")
        others = [n for n in rep.models if n != rep.model]
        lines.append(f"model: {rep.model}" + (f" (also serves {', '.join(others)})" if others else "")
                     + (f", loaded from {rep.root}" if rep.root and rep.root != rep.model else ""))
        if rep.expected is not None:
            lines.append(f"expected model: {rep.expected}: " + ("NOT the one served" if rep.wrong_model else "served"))
        lines.extend(window_lines(rep))
        c = rep.cache
        if c is None:
            lines.append("prefix caching: unknown (no vllm:cache_config_info in /metrics)")
        else:
            detail = [f"block {c.get('block_size', '?')} tokens", f"KV cache dtype {c.get('cache_dtype', '?')}"]
            if c.get("mamba_cache_mode") not in (None, "None", "none"):
                detail.append(f"mamba cache mode {c['mamba_cache_mode']}")
            lines.append(f"prefix caching: {'on' if rep.prefix_caching else 'OFF'} ({', '.join(detail)})")
        if rep.prefix_queries:
            lines.append(f"prefix cache so far: {rep.prefix_hits:,.0f} of {rep.prefix_queries:,.0f} prompt tokens "
                         f"served from cache ({rep.prefix_hits / rep.prefix_queries:.0%})")
    lines.append("verdict: " + verdict(rep))
    return lines


def verdict(rep: DoctorReport) -> str:
    if not rep.reachable:
        port = urlsplit(rep.endpoint).port  # the endpoint's own port, not serve's default
        how = "start one: modernize serve" + ("" if rep.profile else " --profile NAME") + (f" --port {port}" if port else "") + \
              (f" (profile {rep.profile})" if rep.profile else "") + ", or pass --serve-profile to modernize analyze"
        if rep.services:
            unit = rep.services[0]
            how = f"start the installed service: {service.systemctl_words(unit.scope)} start {unit.name}.service; or " + how
        return f"not ready: no model server at {rep.endpoint}; {how}"
    if rep.wrong_model:
        return (f"wrong model: {rep.endpoint} serves {rep.model}" + (f" (loaded from {rep.root})" if rep.root else "")
                + f", not {rep.expected}: another server holds the port; stop it, or point --endpoint at the right one "
                "(modernize serve --port N starts one elsewhere)")
    if rep.prefix_caching is False:
        return ("ready, but prefix caching is OFF: every agent re-reads the whole codebase; "
                "restart vLLM with --enable-prefix-caching (modernize serve sets it)")
    return f"ready: {rep.model} with a {rep.window:,}-token window" + \
        (", prefix caching on" if rep.prefix_caching else "")
