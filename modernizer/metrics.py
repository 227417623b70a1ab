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
    for name, labels, _v in samples(text):
        if name == "vllm:cache_config_info":
            return labels
    return None
