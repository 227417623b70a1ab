"""The one seam where modernizer meets the network: everything vLLM is reached through here.

Above this module everything is plain data (pydantic models); below it are HTTP, retries and the
mapping of transport failures to errors a person can act on. Tests inject an httpx transport to
script the failures a real server cannot be made to produce (500s, hangs, truncated answers).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import openai
from pydantic import BaseModel, Field

from modernizer.errors import ContextOverflow, RemoteEndpointRefused, ServerError, ServerUnavailable

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
START_HINT = (
    "start one with `modernize serve` (GPU), or by hand: "
    "`vllm serve <model> --host 127.0.0.1 --port 8000 --enable-prefix-caching --enable-prompt-tokens-details`; "
    "or run with --no-llm for the facts alone"
)


class Endpoint(BaseModel):
    base_url: str = DEFAULT_BASE_URL
    model: str | None = Field(default=None, description="served model name; the first one listed when unset")
    api_key: str = "EMPTY"
    allow_remote: list[str] = Field(default_factory=list, description="hosts allowed although not on this machine")
    connect_timeout: float = 5.0
    request_timeout: float = 900.0
    retries: int = 3


class ServerInfo(BaseModel):
    base_url: str
    model: str
    max_model_len: int
    models: list[str] = Field(default_factory=list)


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


class PrefixCacheCounters(BaseModel):
    queries: float = 0.0
    hits: float = 0.0

    def minus(self, other: "PrefixCacheCounters") -> "PrefixCacheCounters":
        return PrefixCacheCounters(queries=self.queries - other.queries, hits=self.hits - other.hits)


def is_local_host(host: str) -> bool:
    """Loopback only: private-range addresses are other machines and need --allow-remote."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def check_endpoint_allowed(base_url: str, allow_remote: list[str]) -> None:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteEndpointRefused(f"{base_url}: not an http(s) URL", "use e.g. http://127.0.0.1:8000/v1")
    host = parts.hostname
    if is_local_host(host):
        return
    allowed = {h.strip().lower() for h in allow_remote}
    if host.lower() in allowed or "*" in allowed:
        return
    raise RemoteEndpointRefused(
        f"refusing to send code to {base_url}: {host} is not this machine",
        f"modernize keeps your code local by default; pass --allow-remote {host} if that server is yours",
    )


def server_root(base_url: str) -> str:
    return re.sub(r"/v1/?$", "", base_url.rstrip("/"))


class LLMClient:
    def __init__(self, endpoint: Endpoint, transport: httpx.AsyncBaseTransport | None = None) -> None:
        check_endpoint_allowed(endpoint.base_url, endpoint.allow_remote)
        self.endpoint = endpoint
        self.root = server_root(endpoint.base_url)
        timeout = httpx.Timeout(endpoint.request_timeout, connect=endpoint.connect_timeout)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, trust_env=False)
        self._openai = openai.AsyncOpenAI(
            base_url=endpoint.base_url, api_key=endpoint.api_key, max_retries=0, timeout=timeout,
            http_client=httpx.AsyncClient(timeout=timeout, transport=transport, trust_env=False),
        )
        self.model: str | None = endpoint.model

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._openai.close()

    async def __aenter__(self) -> "LLMClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- plain endpoints -------------------------------------------------------------------
    async def _get(self, url: str) -> httpx.Response:
        return await self._with_retries(lambda: self._http.get(url), url)

    async def _post(self, url: str, body: dict[str, Any]) -> httpx.Response:
        return await self._with_retries(lambda: self._http.post(url, json=body), url)

    async def _with_retries(self, call: Callable[[], Awaitable[httpx.Response]], url: str) -> httpx.Response:
        last = ""
        for attempt in range(self.endpoint.retries):
            try:
                resp = await call()
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise ServerUnavailable(f"no model server answers at {self.endpoint.base_url} ({exc.__class__.__name__})", START_HINT) from exc
            except httpx.TimeoutException as exc:
                last = f"timed out after {self.endpoint.request_timeout:.0f}s"
                if attempt + 1 == self.endpoint.retries:
                    raise ServerError(f"{url}: {last}", "the server is overloaded or stuck; retry later or raise --timeout") from exc
            except httpx.TransportError as exc:
                last = f"connection failed ({exc.__class__.__name__})"
            else:
                if resp.status_code < 500 and resp.status_code != 429:
                    return resp
                last = f"HTTP {resp.status_code}: {resp.text[:200]}"
            await asyncio.sleep(min(0.5 * 2**attempt, 8))
        raise ServerError(f"{url}: the server kept failing ({last})", "check the server log; it may be overloaded or out of memory")

    async def probe(self) -> ServerInfo:
        """Which model is served and its window; fails fast with a hint when nothing answers."""
        resp = await self._get(self.endpoint.base_url.rstrip("/") + "/models")
        if resp.status_code != 200:
            raise ServerError(f"{self.endpoint.base_url}/models answered HTTP {resp.status_code}", "is this a vLLM OpenAI-compatible server?")
        try:
            data = resp.json()["data"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ServerError(f"{self.endpoint.base_url}/models did not return a model list", "is this a vLLM OpenAI-compatible server?") from exc
        names = [m.get("id") for m in data if isinstance(m, dict)]
        if not names:
            raise ServerError(f"{self.endpoint.base_url} serves no model", START_HINT)
        model = self.model or names[0]
        if model not in names:
            raise ServerError(f"model {model!r} is not served at {self.endpoint.base_url} (it serves {', '.join(names)})", "pass --model with one of those names")
        entry = next(m for m in data if m.get("id") == model)
        window = int(entry.get("max_model_len") or 0)
        if window <= 0:
            raise ServerError(f"{self.endpoint.base_url}/models gives no max_model_len for {model}", "modernize needs a vLLM server, which reports it")
        self.model = model
        return ServerInfo(base_url=self.endpoint.base_url, model=model, max_model_len=window, models=names)

    async def tokenize_messages(self, messages: list[dict[str, str]]) -> int:
        resp = await self._post(self.root + "/tokenize", {"model": self.model, "messages": messages, "add_generation_prompt": True})
        return self._count(resp)

    async def tokenize_texts(self, texts: list[str], concurrency: int = 16) -> list[int]:
        sem = asyncio.Semaphore(concurrency)

        async def one(text: str) -> int:
            async with sem:
                resp = await self._post(self.root + "/tokenize", {"model": self.model, "prompt": text, "add_special_tokens": False})
                return self._count(resp)

        return list(await asyncio.gather(*(one(t) for t in texts)))

    @staticmethod
    def _count(resp: httpx.Response) -> int:
        if resp.status_code != 200:
            raise ServerError(f"/tokenize answered HTTP {resp.status_code}: {resp.text[:200]}")
        return int(resp.json()["count"])

    async def prefix_cache(self) -> PrefixCacheCounters | None:
        """vLLM's cumulative prefix-cache counters, in tokens; None when /metrics is not there."""
        try:
            resp = await self._get(self.root + "/metrics")
        except ServerError:
            return None
        if resp.status_code != 200:
            return None
        return parse_prefix_metrics(resp.text)

    async def metrics_text(self) -> str | None:
        """vLLM's raw Prometheus ``/metrics`` (doctor reads ``vllm:cache_config_info``); None when absent."""
        try:
            resp = await self._get(self.root + "/metrics")
        except ServerError:
            return None
        return resp.text if resp.status_code == 200 else None

    async def server_version(self) -> str | None:
        """vLLM's ``GET /version``; None from servers that do not have it."""
        try:
            resp = await self._get(self.root + "/version")
            return str(resp.json()["version"]) if resp.status_code == 200 else None
        except (ServerError, ValueError, KeyError, TypeError):
            return None

    # -- chat ------------------------------------------------------------------------------
    async def chat(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        seed: int | None = 0,
        schema: dict[str, Any] | None = None,
        schema_name: str = "answer",
        on_first_token: Callable[[], None] | None = None,
    ) -> Completion:
        body: dict[str, Any] = {
            "model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature,
            "stream": True, "stream_options": {"include_usage": True},
        }
        if seed is not None:
            body["seed"] = seed
        if schema is not None:
            body["response_format"] = {"type": "json_schema", "json_schema": {"name": schema_name, "schema": schema, "strict": True}}
        last = ""
        for attempt in range(self.endpoint.retries):
            try:
                return await self._stream(body, on_first_token)
            except openai.APIConnectionError as exc:
                if isinstance(exc, openai.APITimeoutError):
                    last = f"timed out after {self.endpoint.request_timeout:.0f}s"
                elif attempt == 0 and isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout)):
                    raise ServerUnavailable(f"no model server answers at {self.endpoint.base_url}", START_HINT) from exc
                else:
                    last = f"connection lost ({exc.__cause__.__class__.__name__ if exc.__cause__ else exc})"
            except openai.APIStatusError as exc:
                text = _error_text(exc)
                if exc.status_code == 400 and ("context length" in text or "maximum context" in text or "too long" in text):
                    raise ContextOverflow(f"the server rejected the prompt as too long: {text[:300]}",
                                          "the window is smaller than planned; check --max-model-len on the server") from exc
                if exc.status_code < 500 and exc.status_code != 429:
                    raise ServerError(f"the server refused the request (HTTP {exc.status_code}): {text[:300]}") from exc
                last = f"HTTP {exc.status_code}: {text[:200]}"
            except openai.APIError as exc:
                # An error event inside the stream (vLLM reports bad schemas this way): not transient.
                raise ServerError(f"the server rejected the request: {exc.message}") from exc
            await asyncio.sleep(min(0.5 * 2**attempt, 8))
        raise ServerError(f"chat request to {self.endpoint.base_url} failed {self.endpoint.retries} times ({last})",
                          "the server is overloaded or failing; check its log, then run again (finished work is kept)")

    async def _stream(self, body: dict[str, Any], on_first_token: Callable[[], None] | None) -> Completion:
        t0 = time.perf_counter()
        ttft = None
        parts: list[str] = []
        finish = None
        usage = Usage()
        extra = {k: body[k] for k in ("seed",) if k in body}
        kwargs = {k: v for k, v in body.items() if k not in ("seed",)}
        stream = await self._openai.chat.completions.create(**kwargs, **extra)
        async for chunk in stream:
            if chunk.usage is not None:
                details = getattr(chunk.usage, "prompt_tokens_details", None)
                usage = Usage(prompt_tokens=chunk.usage.prompt_tokens, completion_tokens=chunk.usage.completion_tokens,
                              cached_tokens=getattr(details, "cached_tokens", None) if details else None)
            for choice in chunk.choices:
                piece = choice.delta.content if choice.delta else None
                if ttft is None and (piece or choice.finish_reason):
                    ttft = time.perf_counter() - t0
                    if on_first_token:
                        on_first_token()
                if piece:
                    parts.append(piece)
                if choice.finish_reason:
                    finish = choice.finish_reason
        if ttft is None and on_first_token:
            on_first_token()
        return Completion(text="".join(parts), finish_reason=finish, usage=usage,
                          wall_s=round(time.perf_counter() - t0, 3), ttft_s=None if ttft is None else round(ttft, 3))


def _error_text(exc: openai.APIStatusError) -> str:
    try:
        body = exc.response.json()
        msg = body.get("error", {}).get("message") if isinstance(body.get("error"), dict) else body.get("message")
        return str(msg or body)
    except (ValueError, AttributeError):
        return exc.response.text if exc.response is not None else str(exc)


_METRIC = re.compile(r"^(vllm:prefix_cache_(?:queries|hits)_total)(?:\{[^}]*\})? ([0-9.eE+-]+)$", re.M)


def parse_prefix_metrics(text: str) -> PrefixCacheCounters:
    out = PrefixCacheCounters()
    for name, value in _METRIC.findall(text):
        if name.endswith("queries_total"):
            out.queries += float(value)
        else:
            out.hits += float(value)
    return out


def dumps_compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
