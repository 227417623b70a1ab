"""What the client and the server exchange, apart from the client itself: the records of a
served model and of an answer, the deadline of a first token, the error a silent server raises, and
how vLLM's error texts read. Pure data and functions: the other llm/ modules share them."""

from __future__ import annotations

import re
from typing import Literal

import httpx
from pydantic import BaseModel, Field

from modernizer.defaults import DEFAULT_BASE_URL
from modernizer.errors import ServerError
from modernizer.llm import metrics
from modernizer.records import PrefixCacheCounters


def start_hint(base_url: str = DEFAULT_BASE_URL) -> str:
    """How to get a server answering at BASE_URL: its own port and host, not the default's, so that
    the command printed is the one that makes this endpoint answer."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    by_hand = f"`vllm serve <model> --host {host} --port {port} --enable-prefix-caching --enable-prompt-tokens-details`"
    if host in ("127.0.0.1", "localhost", "::1") and parts.scheme == "http":  # where `modernize serve` binds
        return (f"start one with `modernize serve --port {port}` (GPU), "
                f"or by hand: {by_hand}; or run with --no-llm for the facts alone")
    return f"start one on {host}: {by_hand}; or run with --no-llm for the facts alone"


# First-token deadline: prefill has to read the whole prompt before anything comes back. Until the
# run has measured the server, assume a slow one (a 2-core CPU reads the hotel sample at ~1.6K
# tokens/s, an H200 the 538K-token Django subset at ~17.6K/s); afterwards, half the measured rate.
PREFILL_FLOOR_TPS = 400.0
FIRST_TOKEN_BASE_S = 60.0  # queueing, schema compilation, a busy server
FIRST_TOKEN_CHECK_S = 0.5  # how often a first-token wait looks at the server's last sign of work
CHARS_PER_TOKEN_FLOOR = 2.5  # to size a prompt that was not counted: errs on the long side
VLLM_EXTRAS = ("chat_template_kwargs", "thinking_token_budget")  # vLLM's own request fields
PREFIXES_KEPT = 8  # tokenized shared prefixes held at once (chunked mode has one per module; 4 bytes a token)


TOKENIZER_PROBE = "modernizer probe: Ünïcödé 12345 {}()[];\n\tdef f(x): return x != 'é' // SELECT * FROM t;"


def first_token_deadline(prompt_tokens: int, ahead_tokens: int = 0, measured_tps: float | None = None) -> float:
    """Seconds to wait for the first token of a request of ``prompt_tokens``, with ``ahead_tokens``
    of other prompts still being read by the server (they share its prefill)."""
    rate = max(PREFILL_FLOOR_TPS, (measured_tps or 0.0) / 2)
    return FIRST_TOKEN_BASE_S + (prompt_tokens + ahead_tokens) / rate


class ServerStuck(ServerError):
    """The server accepted a request and then sent nothing (or stopped sending) past its deadline.
    Not retried, and it stops the run: every later request would wait the same way."""


class ServerInfo(BaseModel):
    base_url: str
    model: str
    max_model_len: int
    models: list[str] = Field(default_factory=list)
    root: str = Field(default="", description="what the server says it loaded (/v1/models' root): a test model is known by it")


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int | None = None


class Completion(BaseModel):
    text: str
    finish_reason: str | None
    usage: Usage
    wall_s: float
    ttft_s: float | None = None
    requests: int = Field(default=1, description="requests sent for it, retries included")
    admission: Literal["text", "ids"] = Field(default="text", description=(
        "how the prompt went: chat messages the server tokenizes, or token ids computed once per shared prefix"))
    thinking_tokens: int = Field(default=0, description="tokens the model thought before answering (counted, never kept)")
    reasoning: str = Field(default="", exclude=True, description="the thinking text, until it is counted: never stored")


def server_root(base_url: str) -> str:
    return re.sub(r"/v1/?$", "", base_url.rstrip("/"))


def with_api_path(base_url: str) -> str | None:
    """BASE_URL with vLLM's API path ``/v1`` added, when it has no path of its own (an address as
    vLLM's start-up log prints it); None when it has a path (the user chose it: never guessed at)."""
    from urllib.parse import urlsplit

    path = urlsplit(base_url).path
    return base_url.rstrip("/") + "/v1" if path in ("", "/") else None


def _model_list(resp: httpx.Response) -> bool:
    """Does RESP carry an OpenAI model list (``{"data": [...]}``)? A web page at the server's root does not."""
    try:
        return isinstance(resp.json().get("data"), list)
    except (ValueError, AttributeError):
        return False



def _refuses_thinking(text: str) -> bool:
    """vLLM's refusal of a thinking budget by a server without a reasoning parser."""
    low = text.lower()
    return "thinking_token_budget" in low or "reasoning_config" in low or "reasoning parser" in low


def is_overflow_text(text: str) -> bool:
    """Whether a 400's message is vLLM saying the prompt does not fit the window."""
    low = text.lower()
    return "context length" in low or "maximum context" in low or "too long" in low or "max_model_len" in low


def _error_text(exc) -> str:  # an openai.APIStatusError
    try:
        body = exc.response.json()
        msg = body.get("error", {}).get("message") if isinstance(body.get("error"), dict) else body.get("message")
        return str(msg or body)
    except (ValueError, AttributeError):
        return exc.response.text if exc.response is not None else str(exc)


def parse_prefix_metrics(text: str) -> PrefixCacheCounters:
    """vLLM's cumulative prefix-cache counters from its Prometheus text (summed over engines)."""
    return PrefixCacheCounters(queries=metrics.total(text, "vllm:prefix_cache_queries_total"),
                               hits=metrics.total(text, "vllm:prefix_cache_hits_total"))
