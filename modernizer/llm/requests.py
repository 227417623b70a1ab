"""The client's plain requests: the model list, /metrics, /version, each retried over a server
that is busy, and a refused connection told apart from no server at all."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from modernizer.errors import ServerError, ServerUnavailable
from modernizer.events import Note
from modernizer.llm.protocol import ServerInfo, ServerStuck, _model_list, parse_prefix_metrics, start_hint, with_api_path
from modernizer.records import PrefixCacheCounters


class Requests:
    """Part of ``LLMClient`` (client.py): the requests that are not chat, and their retries."""

    async def _get(self, url: str) -> httpx.Response:
        return await self._with_retries(lambda t: self._http.get(url, timeout=t), url, self.endpoint.probe_timeout)

    async def _post(self, url: str, body: dict[str, Any]) -> httpx.Response:
        # tokenizing a long prompt takes the server a moment: a second per ~200K characters
        size = sum(len(str(v)) for v in body.values())
        wait = self.endpoint.probe_timeout + size / 200_000
        return await self._with_retries(lambda t: self._http.post(url, json=body, timeout=t), url, wait)

    async def _with_retries(self, call: Callable[[httpx.Timeout], Awaitable[httpx.Response]], url: str, wait: float) -> httpx.Response:
        last = ""
        timeout = httpx.Timeout(wait, connect=self.endpoint.connect_timeout)
        for attempt in range(self.endpoint.retries):
            try:
                resp = await call(timeout)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if not self._contact:
                    raise ServerUnavailable(f"no model server answers at {self.endpoint.base_url} ({exc.__class__.__name__})", start_hint(self.endpoint.base_url)) from exc
                last = f"connection refused ({exc.__class__.__name__})"
            except httpx.TimeoutException as exc:
                # a quick endpoint that says nothing for this long will not answer a second time either
                raise ServerStuck(f"the server at {self.endpoint.base_url} accepted the connection but did not answer "
                                  f"{url.removeprefix(self.root)} within {wait:.0f}s",
                                  "is it a vLLM server, and is it healthy? (`modernize doctor`); a stuck server needs a restart") from exc
            except httpx.TransportError as exc:
                last = f"connection failed ({exc.__class__.__name__})"
            else:
                if resp.status_code < 500 and resp.status_code != 429:
                    self._contact = True
                    return resp
                last = f"HTTP {resp.status_code}: {resp.text[:200]}"
            await asyncio.sleep(min(0.5 * 2**attempt, 8))
        raise ServerError(f"{url}: the server kept failing ({last})", "check the server log; it may be overloaded or out of memory")

    async def probe(self) -> ServerInfo:
        """Which model is served and its window; fails fast with a hint when nothing answers.

        vLLM's start-up log prints its address without the API's path (``http://127.0.0.1:8000``), so
        an endpoint given that way is retried once under ``/v1`` when its model list is not there,
        and the client goes on at the address that answered (``endpoint_note`` and a Note say so)."""
        resp = await self._get(self.endpoint.base_url.rstrip("/") + "/models")
        under_v1 = None
        if resp.status_code != 200 or not _model_list(resp):
            under_v1 = with_api_path(self.endpoint.base_url)
            if under_v1 is not None:
                tried = await self._get(under_v1 + "/models")
                if tried.status_code == 200 and _model_list(tried):
                    self._rebase(under_v1)
                    resp = tried
        if resp.status_code != 200:
            also = f", and {under_v1}/models did not list models either" if under_v1 else ""
            raise ServerError(f"{self.endpoint.base_url}/models answered HTTP {resp.status_code}{also}", "is this a vLLM OpenAI-compatible server?")
        try:
            data = resp.json()["data"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ServerError(f"{self.endpoint.base_url}/models did not return a model list", "is this a vLLM OpenAI-compatible server?") from exc
        names = [m.get("id") for m in data if isinstance(m, dict)]
        if not names:
            raise ServerError(f"{self.endpoint.base_url} serves no model", start_hint(self.endpoint.base_url))
        model = self.model or names[0]
        if model not in names:
            raise ServerError(f"model {model!r} is not served at {self.endpoint.base_url} (it serves {', '.join(names)})", "pass --model with one of those names")
        entry = next(m for m in data if m.get("id") == model)
        window = int(entry.get("max_model_len") or 0)
        if window <= 0:
            raise ServerError(f"{self.endpoint.base_url}/models gives no max_model_len for {model}", "modernize needs a vLLM server, which reports it")
        self.model = model
        root = entry.get("root") if isinstance(entry.get("root"), str) else ""
        return ServerInfo(base_url=self.endpoint.base_url, model=model, max_model_len=window, models=names, root=root)

    def _rebase(self, base_url: str) -> None:
        """Go on at BASE_URL (the same server, its API's path added), and say so once."""
        self.endpoint = self.endpoint.model_copy(update={"base_url": base_url})
        self._openai.base_url = base_url
        self.endpoint_note = f"using {base_url}: the OpenAI API lives under /v1"
        self.on_event(Note(text=self.endpoint_note))

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
