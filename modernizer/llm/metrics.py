"""Reading vLLM's Prometheus ``/metrics`` text. Pure.

Names checked on vLLM 0.32 (CPU) and present in 0.26:
- ``vllm:num_requests_running`` / ``vllm:num_requests_waiting``: gauges, per engine.
- ``http_requests_total{handler=...}``: every API request once answered (/v1/chat/completions,
  /tokenize, /v1/models...); vLLM leaves /metrics, /health, /version, /ping, /load out of it, so
  polling them does not count as use.
- ``vllm:cache_config_info{enable_prefix_caching="True", block_size=..., cache_dtype=...}``: the
  engine's cache configuration as labels.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        try:
            value = float(m.group(3))
        except ValueError:
            continue
        out.append((m.group(1), dict(_LABEL.findall(m.group(2) or "")), value))
    return out


def total(text: str, name: str) -> float:
    return sum(v for n, _l, v in samples(text) if n == name)


class Activity(BaseModel):
    """What the idle watchdog compares between polls."""

    in_flight: float = 0.0
    answered: float = 0.0

    @property
    def busy(self) -> bool:
        return self.in_flight > 0


def activity(text: str) -> Activity:
    s = samples(text)
    in_flight = sum(v for n, _l, v in s if n in ("vllm:num_requests_running", "vllm:num_requests_waiting"))
    answered = sum(v for n, _l, v in s if n == "http_requests_total")
    return Activity(in_flight=in_flight, answered=answered)


def cache_config(text: str) -> dict[str, str] | None:
    """The labels of ``vllm:cache_config_info`` (first engine), or None when absent."""
    return _config_labels(samples(text))


def _config_labels(s: list[tuple[str, dict[str, str], float]]) -> dict[str, str] | None:
    return next((labels for name, labels, _v in s if name == "vllm:cache_config_info"), None)


def kv_pool_tokens(metrics_text: str) -> int | None:
    """The KV pool the server actually holds, in tokens (one engine's: each data-parallel engine has its
    own), from ``vllm:cache_config_info``; None when the server does not say (absent, or "None" before
    the engine has sized its cache). What admission and doctor compare prompts against, rather than the
    profile's estimate.

    vLLM 0.32 labels it ``kv_cache_size_tokens`` (its log's "KV cache size: N tokens"); older servers
    (0.26) give ``num_gpu_blocks`` and ``block_size``, whose product is the same pool to within a block."""
    return _pool_tokens(_config_labels(samples(metrics_text)))


def _pool_tokens(labels: dict[str, str] | None) -> int | None:
    if not labels:
        return None

    def number(key: str) -> int | None:
        try:
            value = int(float(labels[key]))
        except (KeyError, ValueError):  # absent, or "None"
            return None
        return value if value > 0 else None

    size = number("kv_cache_size_tokens")
    if size is not None:
        return size
    blocks, block = number("num_gpu_blocks"), number("block_size")
    return blocks * block if blocks and block else None


def load(text: str, at: float) -> "ServerLoad":
    """The run's view of the server at one moment: requests running and waiting, KV-cache tokens in
    use (``vllm:kv_cache_usage_perc`` times the cache's size from ``cache_config_info``: during a
    prefill it grows chunk by chunk as the prompt is read, measured on vLLM 0.32 CPU: 0.3% to 1.46% of
    2,097,152 tokens over the 8 s a 31,413-token prompt took), tokens generated and prefix-cache
    hits so far (server-wide counters: a local server serves this run alone)."""
    from modernizer.events import ServerLoad

    s = samples(text)
    size = _pool_tokens(_config_labels(s))
    usage = [v for n, _l, v in s if n == "vllm:kv_cache_usage_perc"]

    def sum_of(name: str) -> float:
        return sum(v for n, _l, v in s if n == name)

    return ServerLoad(at=at, running=int(sum_of("vllm:num_requests_running")), waiting=int(sum_of("vllm:num_requests_waiting")),
                      kv_tokens=int(sum(usage) * size) if size and usage else None,
                      generated=sum_of("vllm:generation_tokens_total"), cache_hits=sum_of("vllm:prefix_cache_hits_total"),
                      cache_queries=sum_of("vllm:prefix_cache_queries_total"))
