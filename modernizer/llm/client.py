"""The one seam where modernizer meets the network: everything vLLM is reached through here.

Above this module everything is plain data (pydantic models); below it are HTTP, retries and the
mapping of transport failures to errors a person can act on. Tests inject an httpx transport to
script the failures a real server cannot be made to produce (500s, hangs, truncated answers).
"""

from __future__ import annotations

import asyncio
import hashlib
from array import array
from collections import OrderedDict
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field

from modernizer.llm import admission, metrics
from modernizer.llm.pulse import Pulse
from modernizer.events import Counting, Event, FirstToken, Note, RequestEnded, RequestStarted, Waiting
from modernizer.records import PrefixCacheCounters
from modernizer.errors import ContextOverflow, ModernizerError, ServerError, ServerUnavailable
from modernizer.llm.privacy import check_endpoint_allowed

from modernizer.defaults import DEFAULT_BASE_URL  # noqa: E402
from modernizer.llm.endpoint import Endpoint  # noqa: E402,F401 - public here, defined apart (no httpx to import for it)


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


class LLMClient:
    def __init__(self, endpoint: Endpoint, transport: httpx.AsyncBaseTransport | None = None) -> None:
        check_endpoint_allowed(endpoint.base_url, endpoint.allow_remote)
        self.endpoint = endpoint
        self.root = server_root(endpoint.base_url)
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(endpoint.probe_timeout, connect=endpoint.connect_timeout),
                                       transport=transport, trust_env=False)
        # chat waits are enforced by _stream's own deadlines (first token, stall, total), not httpx's
        chat_timeout = httpx.Timeout(None, connect=endpoint.connect_timeout, write=60.0)
        import openai  # here, not at module level: a run without a model (--no-llm, --plan) never loads it

        self._stream_http = httpx.AsyncClient(timeout=chat_timeout, transport=transport, trust_env=False)
        self._openai = openai.AsyncOpenAI(
            base_url=endpoint.base_url, api_key=endpoint.api_key, max_retries=0, timeout=chat_timeout,
            http_client=self._stream_http,
        )
        self.model: str | None = endpoint.model
        self.on_event: Callable[[Event], None] = lambda _e: None  # told of requests and long waits (the caller's terminal)
        self._reading = 0          # prompt tokens the server is still prefilling for our requests
        self._prefill_tps: float | None = None
        self.chat_requests = 0     # every chat request sent, failed ones included (the report's model_requests)
        # admission (admission.py): shared prefixes tokenized once, as (prefix ids, stand-in prefix ids)
        self._prefixes: OrderedDict[str, tuple[array, list[int]] | None] = OrderedDict()
        self._prefix_locks: dict[str, asyncio.Lock] = {}
        self._ids_ok = endpoint.token_ids
        # Once the server has answered, a refused connection is a server under load (measured: one of 72 slice
        # requests over a 950K-token prefix on an H200 with 4 API servers), retried; before, it means no server.
        self._contact = False
        self._thinking_ok = True
        # The first thinking request finds out whether the server takes a budget; the others wait for its
        # first token (or its refusal), so that a server without a reasoning parser refuses one request, not a wave.
        self._thinking_checked = asyncio.Event()
        self._thinking_probing = False
        self.thinking_note: str | None = None  # why thinking was turned off for this server, when it was
        self.admission_note: str | None = None  # why token ids were turned off for this server, when they were
        self.endpoint_note: str | None = None  # the endpoint had no /v1 and answered under it (probe)
        self._warm: set[str] = set()  # shared prefixes a request has had its first token over: in the server's cache
        # the first-token clock runs from the server's last sign of work (pulse.py), not from the send
        self.pulse = Pulse(self.metrics_text)
        self._first_waits: dict[int, float] = {}  # requests still waiting for their first token -> when each was sent

    async def aclose(self) -> None:
        await self.pulse.aclose()
        await self._http.aclose()
        await self._openai.close()

    async def __aenter__(self) -> "LLMClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- plain endpoints -------------------------------------------------------------------
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

    async def tokenize_messages(self, messages: list[dict[str, str]]) -> int:
        resp = await self._post(self.root + "/tokenize", {"model": self.model, "messages": messages, "add_generation_prompt": True})
        return self._count(resp)

    async def tokenize_texts(self, texts: list[str], concurrency: int = 16) -> list[int]:
        sem = asyncio.Semaphore(concurrency)

        done, step = 0, max(1, len(texts) // 20)

        async def one(text: str) -> int:
            nonlocal done
            async with sem:
                resp = await self._post(self.root + "/tokenize", {"model": self.model, "prompt": text, "add_special_tokens": False})
                n = self._count(resp)
            done += 1
            if len(texts) > 50 and (done % step == 0 or done == len(texts)):  # a large tree's first count takes a while
                self.on_event(Counting(done=done, total=len(texts)))
            return n

        return list(await asyncio.gather(*(one(t) for t in texts)))

    async def tokenizer_fingerprint(self) -> str:
        """Which tokenizer the server runs: a hash of the ids it gives a fixed probe text (two models
        served under one name, or a rebuilt test model, tokenize it differently). Keys cached counts."""
        resp = await self._post(self.root + "/tokenize", {"model": self.model, "prompt": TOKENIZER_PROBE, "add_special_tokens": False})
        self._count(resp)
        ids = resp.json().get("tokens") or []
        return f"{self.model}-" + hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16]

    @staticmethod
    def _count(resp: httpx.Response) -> int:
        if resp.status_code != 200:
            raise ServerError(f"/tokenize answered HTTP {resp.status_code}: {resp.text[:200]}",
                              "modernize needs vLLM's /tokenize to count tokens exactly; is this a vLLM server?")
        try:
            return int(resp.json()["count"])
        except (ValueError, KeyError, TypeError) as exc:
            kind = resp.headers.get("content-type", "no content type")
            raise ServerError(f"/tokenize answered 200 but not with vLLM's JSON ({kind}: {resp.text[:120]!r})",
                              "something other than vLLM answers at this address (a proxy or another web server?)") from exc

    async def _token_ids(self, body: dict[str, Any]) -> list[int]:
        resp = await self._post(self.root + "/tokenize", {"model": self.model, **body})
        self._count(resp)
        return [int(t) for t in resp.json()["tokens"]]

    async def prompt_ids(self, messages: list[dict[str, str]], template_kwargs: dict[str, Any] | None = None) -> list[int] | None:
        """The request's prompt as token ids, its shared prefix tokenized only once (admission.py);
        None when it should go as text: no long shared prefix, ids turned off, or a join that failed
        its check. A server whose /tokenize cannot do this turns ids off for the rest of the run."""
        if not self._ids_ok:
            return None
        split = admission.find_split(messages)
        if split is None or split.offset < self.endpoint.token_ids_min_chars:
            return None
        kw = {"chat_template_kwargs": template_kwargs} if template_kwargs else {}
        key = admission.prefix_key(messages, split) + json.dumps(template_kwargs or {}, sort_keys=True)
        try:
            async with self._prefix_locks.setdefault(key, asyncio.Lock()):
                if key not in self._prefixes:
                    self._prefixes[key] = await self._prefix_ids(messages, split, kw)
                    while len(self._prefixes) > PREFIXES_KEPT:
                        old, _ = self._prefixes.popitem(last=False)
                        self._prefix_locks.pop(old, None)
                pair = self._prefixes.get(key)
            if pair is None:
                return None
            prefix, stand_prefix = pair
            stand = await self._token_ids({"messages": admission.stand_in(messages, split), "add_generation_prompt": True, **kw})
        except ServerStuck:
            raise
        except (ServerError, KeyError, ValueError, TypeError) as exc:
            self._ids_ok = False
            self.admission_note = f"prompts go as text: /tokenize could not tokenize the shared prefix ({exc})"
            return None
        return admission.join(prefix.tolist(), stand_prefix, stand)

    async def _prefix_ids(self, messages: list[dict[str, str]], split: admission.Split,
                          kw: dict[str, Any]) -> tuple[array, list[int]] | None:
        prefix = await self._token_ids({"messages": admission.prefix_messages(messages, split),
                                        "add_generation_prompt": False, "continue_final_message": True, **kw})
        stand = admission.stand_in(messages, split)
        stand_split = admission.Split(index=split.index, offset=min(split.offset, admission.TAIL_CHARS))
        stand_prefix = await self._token_ids({"messages": admission.prefix_messages(stand, stand_split),
                                              "add_generation_prompt": False, "continue_final_message": True, **kw})
        return array("i", prefix), stand_prefix

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
        label: str = "",
        prompt_tokens: int | None = None,
        thinking: bool = False,
        thinking_budget: int | None = None,
    ) -> Completion:
        """One answer, streamed. ``label`` names the request in progress lines; ``prompt_tokens``
        (when counted) sizes the first-token deadline, else it is estimated from the characters.

        ``thinking``: whether the model may think before answering. Every request says so
        (``chat_template_kwargs.enable_thinking``, which Nemotron's chat template reads: left unsaid,
        it thinks). ``thinking_budget``: the most thinking tokens, enforced by vLLM
        (``thinking_token_budget``: at the budget it closes the thinking, and the answer follows
        under the JSON schema); ``max_tokens`` is the answer's own room, the budget comes on top. A
        server that refuses a budget (no reasoning parser) gets thinking off for the rest of the
        run, and ``thinking_note`` says why.

        Transient failures (5xx, 429, a dropped connection) are retried; a server that stays silent
        past a deadline raises ServerStuck at once. Every exception carries ``requests``: how many
        requests this call sent (the report counts rejected ones too)."""
        import openai

        think = thinking and self._thinking_ok
        probe = False
        if think and not self._thinking_checked.is_set():
            if self._thinking_probing:
                await self._thinking_checked.wait()
                think = thinking and self._thinking_ok
            else:
                self._thinking_probing = probe = True
        last = ""
        sent = 0
        try:
            body, text_body, tokens = await self._request(messages, max_tokens, temperature, seed, schema, schema_name,
                                                          prompt_tokens, think, thinking_budget)
            # Over a prefix the server has already read, this request's prefill is its own part only:
            # what it adds to the queue the next request's deadline counts (not the whole codebase again).
            split = admission.find_split(messages)
            key = admission.prefix_key(messages, split) if split is not None else None
            fresh = tokens
            if key in self._warm:
                fresh = max(1, tokens - int(split.offset / CHARS_PER_TOKEN_FLOOR))

            def first() -> None:
                if key is not None:
                    self._warm.add(key)
                if probe:
                    self._thinking_checked.set()
                if on_first_token:
                    on_first_token()

            for attempt in range(self.endpoint.retries):
                sent += 1
                try:
                    comp = await self._stream(body, first, label or schema_name, tokens, fresh)
                    if comp.reasoning:  # what was generated less the answer (decoded thinking re-tokenizes differently)
                        answer = await self._count_text(comp.text) if comp.text else 0
                        comp.thinking_tokens = max(1, comp.usage.completion_tokens - answer)
                    return comp.model_copy(update={"requests": sent, "reasoning": ""})  # thinking text goes no further
                except openai.APIConnectionError as exc:
                    if attempt == 0 and not self._contact and isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout)):
                        raise ServerUnavailable(f"no model server answers at {self.endpoint.base_url}", start_hint(self.endpoint.base_url)) from exc
                    last = f"connection lost ({exc.__cause__.__class__.__name__ if exc.__cause__ else exc})"
                except openai.APIError as exc:
                    # an HTTP status, or an error event inside the stream (vLLM reports bad schemas and a refused
                    # thinking budget this way on chat): the latter are not transient
                    status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
                    text = _error_text(exc) if status is not None else exc.message
                    if status == 400 and is_overflow_text(text):
                        raise ContextOverflow(f"the server rejected the prompt as too long: {text[:300]}",
                                              "the window is smaller than planned; check --max-model-len on the server") from exc
                    if status in (None, 400) and think and _refuses_thinking(text):
                        think = self._thinking_off(text)
                        body, text_body, tokens = await self._request(messages, max_tokens, temperature, seed, schema, schema_name,
                                                                      prompt_tokens, False, None)
                        continue
                    if status is None:
                        raise ServerError(f"the server rejected the request: {text}") from exc
                    if status == 400 and "prompt" in body:
                        # a server that takes chat but not token ids: text from now on (the request is counted)
                        self._ids_ok = False
                        self.admission_note = f"prompts go as text: /v1/completions refused token ids ({text[:160]})"
                        body = text_body
                        continue
                    if status < 500 and status != 429:
                        raise ServerError(f"the server refused the request (HTTP {status}): {text[:300]}") from exc
                    last = f"HTTP {status}: {text[:200]}"
                await asyncio.sleep(min(0.5 * 2**attempt, 8))
            raise ServerError(f"chat request to {self.endpoint.base_url} failed {self.endpoint.retries} times ({last})",
                              "the server is overloaded or failing; check its log, then run again (finished work is kept)")
        except ModernizerError as exc:
            exc.requests = sent  # type: ignore[attr-defined]
            raise
        finally:
            if probe:
                self._thinking_checked.set()  # answered, refused or failed: nobody waits on it any longer

    def _thinking_off(self, why: str) -> bool:
        """No reasoning parser: no budget can be enforced, so no thinking for the rest of the run."""
        self._thinking_ok = False
        self._thinking_checked.set()
        self.thinking_note = (f"thinking is off for this run: the server refused a thinking budget ({why[:160]}); "
                              "serve with --reasoning-parser nemotron_v3 (the GPU profiles do)")
        return False

    async def _request(self, messages: list[dict[str, str]], max_tokens: int, temperature: float, seed: int | None,
                       schema: dict[str, Any] | None, schema_name: str, prompt_tokens: int | None, think: bool,
                       budget: int | None) -> tuple[dict[str, Any], dict[str, Any], int]:
        """(the body to send, its chat-text form, the prompt's tokens): token ids to /v1/completions
        where the prompt has a long shared prefix (admission.py), else chat messages."""
        body: dict[str, Any] = {
            "model": self.model, "messages": messages, "temperature": temperature,
            "max_tokens": max_tokens + (budget or 0 if think else 0),
            "stream": True, "stream_options": {"include_usage": True},
            "chat_template_kwargs": {"enable_thinking": think},
        }
        if think and budget:
            body["thinking_token_budget"] = budget
        if seed is not None:
            body["seed"] = seed
        if schema is not None:
            body["response_format"] = {"type": "json_schema", "json_schema": {"name": schema_name, "schema": schema, "strict": True}}
        tokens = prompt_tokens or int(sum(len(m["content"]) for m in messages) / CHARS_PER_TOKEN_FLOOR)
        ids = await self.prompt_ids(messages, {"enable_thinking": think})
        if ids is None:
            return body, body, tokens
        # /v1/completions renders no template: the ids carry it. The think markers are special tokens,
        # kept in the text so that the thinking can be told from the answer.
        completion = {k: v for k, v in body.items() if k not in ("messages", "chat_template_kwargs")} | {"prompt": ids}
        if think:
            completion["skip_special_tokens"] = False
        return completion, body, len(ids)

    async def _count_text(self, text: str) -> int:
        """Tokens of a text by the server's tokenizer (an answer's, to tell the thinking tokens from
        the completion's); an estimate when it cannot say."""
        try:
            return (await self.tokenize_texts([text]))[0]
        except ServerError:
            return int(len(text) / 3.5)

    async def _stream(self, body: dict[str, Any], on_first_token: Callable[[], None] | None, label: str,
                      prompt_tokens: int, fresh_tokens: int | None = None) -> Completion:
        """The request and its stream under three clocks: the first token (prefill) by a deadline
        sized from the prompt and what the server is already reading, then no gap longer than
        ``stall_timeout``, and ``request_timeout`` in all. A wait past 20 s is said out loud.
        ``fresh_tokens``: what of the prompt is not in the server's prefix cache (it is what this
        request adds to the others' wait; its own deadline still allows for the whole prompt, in
        case the cache dropped it)."""
        self.chat_requests += 1
        ep = self.endpoint
        t0 = time.perf_counter()
        first_deadline = ep.first_token_timeout or first_token_deadline(prompt_tokens, self._reading, self._prefill_tps)
        fresh = prompt_tokens if fresh_tokens is None else fresh_tokens
        self._reading += fresh
        reading = True
        me = self.chat_requests  # this request's number: a key for the first-token waits
        self._first_waits[me] = t0
        self.on_event(RequestStarted(label=label, prompt_tokens=prompt_tokens, fresh_tokens=fresh))
        ticker = asyncio.create_task(self._tell_wait(label, prompt_tokens, first_deadline, t0))
        ttft = None
        parts: list[str] = []
        thinking: list[str] = []
        finish = None
        usage = Usage()

        def first_seen() -> None:
            nonlocal reading, ttft
            ttft = time.perf_counter() - t0
            if reading:
                reading = False
                self._reading -= fresh
            self._first_waits.pop(me, None)
            ticker.cancel()
            self.on_event(FirstToken(label=label, waited_s=round(ttft, 3)))
            if on_first_token:
                on_first_token()

        def stuck(waited: str) -> ServerStuck:
            return ServerStuck(f"{label}: {waited}", "the server may be stuck or far slower than expected: check it "
                               "(`modernize doctor`, its log), or allow more time with --first-token-timeout / --timeout; "
                               "finished answers are kept, a re-run resumes")

        async def within(awaitable, waited: str, limit: float):
            try:
                return await asyncio.wait_for(awaitable, timeout=max(limit, 0.001))
            except asyncio.TimeoutError as exc:
                raise stuck(waited) from exc

        async def before_first(awaitable):
            """``awaitable`` (the response, then its first chunk) under the first-token clock: given up
            only after ``first_deadline`` seconds without the server showing any sign of work (its
            /metrics counters: a request queued behind other prefills is waiting, not stuck), or
            from the send where the server has no /metrics."""
            fut = asyncio.ensure_future(awaitable)
            with self.pulse.watching():
                while True:
                    done, _ = await asyncio.wait({fut}, timeout=FIRST_TOKEN_CHECK_S)
                    if done:
                        return fut.result()
                    now = time.perf_counter()
                    if now - self.pulse.quiet_since(t0) > first_deadline:
                        fut.cancel()
                        if self.pulse.ok:
                            raise stuck(f"the server sent nothing for {first_deadline:.0f}s and showed no sign of work "
                                        f"(waiting for the first token of a {prompt_tokens:,}-token prompt, "
                                        f"{now - t0:.0f}s since it was sent)")
                        raise stuck(silent)

        ended = False
        try:
            as_ids = "prompt" in body
            silent = (f"the server sent nothing for {first_deadline:.0f}s (waiting for the first token of a "
                      f"{prompt_tokens:,}-token prompt)")
            if as_ids:
                create = self._completions(body)
            else:
                extra = {k: body[k] for k in VLLM_EXTRAS if k in body}  # vLLM's own fields: the openai client knows them not
                create = self._openai.chat.completions.create(**{k: v for k, v in body.items() if k not in VLLM_EXTRAS},
                                                              extra_body=extra or None)
            stream = await before_first(create)
            chunks = stream.__aiter__()
            while True:
                elapsed = time.perf_counter() - t0
                try:
                    if ttft is None:
                        chunk = await before_first(chunks.__anext__())
                    else:
                        limit = min(ep.stall_timeout, ep.request_timeout - elapsed)
                        waited = (f"the answer stopped for {ep.stall_timeout:.0f}s after {len(''.join(parts)):,} characters"
                                  if ep.stall_timeout < ep.request_timeout - elapsed else
                                  f"the answer took longer than {ep.request_timeout:.0f}s in all (--timeout)")
                        chunk = await within(chunks.__anext__(), waited, limit)
                except StopAsyncIteration:
                    break
                if chunk.usage is not None:
                    details = getattr(chunk.usage, "prompt_tokens_details", None)
                    usage = Usage(prompt_tokens=chunk.usage.prompt_tokens, completion_tokens=chunk.usage.completion_tokens,
                                  cached_tokens=getattr(details, "cached_tokens", None) if details else None)
                for choice in chunk.choices:
                    if as_ids:
                        piece, started = choice.text, False
                    else:
                        piece = choice.delta.content if choice.delta else None
                        thought = (getattr(choice.delta, "reasoning", None) or getattr(choice.delta, "reasoning_content", None)
                                   if choice.delta else None)
                        if thought:
                            thinking.append(thought)
                        started = bool(choice.delta and (getattr(choice.delta, "role", None) or thought))
                    if ttft is None and (piece or choice.finish_reason or started):
                        first_seen()
                    if piece:
                        parts.append(piece)
                    if choice.finish_reason:
                        finish = choice.finish_reason
            if ttft is None:
                first_seen()
            ended = True
        finally:
            ticker.cancel()
            self._first_waits.pop(me, None)
            if reading:
                self._reading -= fresh
            self.on_event(RequestEnded(label=label, ok=ended, prompt_tokens=usage.prompt_tokens, cached_tokens=usage.cached_tokens,
                                       completion_tokens=usage.completion_tokens, wall_s=round(time.perf_counter() - t0, 3)))
        if usage.prompt_tokens and ttft:
            uncached = usage.prompt_tokens - (usage.cached_tokens or 0)
            if uncached > 2048:  # a real prefill, not a cache hit: it measures the server
                self._prefill_tps = max(self._prefill_tps or 0.0, uncached / ttft)
        text = "".join(parts)
        reasoning = "".join(thinking)
        if as_ids:
            reasoning, text = admission.split_thinking(text, opened="thinking_token_budget" in body)
        return Completion(text=text, finish_reason=finish, usage=usage, reasoning=reasoning,
                          wall_s=round(time.perf_counter() - t0, 3), ttft_s=None if ttft is None else round(ttft, 3),
                          admission="ids" if as_ids else "text")

    async def _completions(self, body: dict[str, Any]) -> AsyncIterator[_Chunk]:
        """/v1/completions with a token-id prompt, streamed over plain httpx. Not through the openai
        client: it walks every element of a prompt list in Python while building the request (32 s
        for 538K ids, measured here; ``json.dumps`` takes 0.1 s). Failures are raised as the openai
        client's own exceptions, so ``chat`` retries and reports them the same way."""
        import openai

        headers = {"content-type": "application/json", "accept": "text/event-stream",
                   "authorization": f"Bearer {self.endpoint.api_key}"}
        req = self._stream_http.build_request("POST", self.endpoint.base_url.rstrip("/") + "/completions",
                                              content=json.dumps(body, separators=(",", ":")).encode(), headers=headers)
        try:
            resp = await self._stream_http.send(req, stream=True)
        except httpx.TransportError as exc:
            raise openai.APIConnectionError(request=req) from exc
        if resp.status_code != 200:
            await resp.aread()
            await resp.aclose()
            raise openai.APIStatusError(f"HTTP {resp.status_code}", response=resp, body=None)
        return _sse(resp)

    async def _tell_wait(self, label: str, prompt_tokens: int, deadline: float, t0: float) -> None:
        """Progress lines while the server reads a prompt: after 20 s (sooner for short deadlines),
        then every minute."""
        await asyncio.sleep(min(20.0, deadline / 3))
        while True:
            now = time.perf_counter()
            p = self.pulse
            self.on_event(Waiting(label=label, prompt_tokens=prompt_tokens, waited_s=round(now - t0, 1),
                                 deadline_s=round(deadline, 1), ahead=sum(1 for t in self._first_waits.values() if t < t0),
                                 server_running=p.running if p.ok else None, server_waiting=p.waiting if p.ok else None,
                                 quiet_s=round(now - p.quiet_since(t0), 1) if p.ok else None))
            await asyncio.sleep(60)


class _Chunk(dict):
    """A streamed JSON chunk read by attribute, as the openai client's objects are (absent: None)."""

    def __getattr__(self, name: str) -> Any:
        return _wrap(self.get(name))


def _wrap(v: Any) -> Any:
    if isinstance(v, dict):
        return _Chunk(v)
    if isinstance(v, list):
        return [_wrap(x) for x in v]
    return v


async def _sse(resp: httpx.Response) -> AsyncIterator[_Chunk]:
    import openai

    try:
        async for line in resp.aiter_lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            chunk = json.loads(data)
            if isinstance(chunk, dict) and "error" in chunk:  # vLLM reports a failure inside the stream this way
                err = chunk["error"]
                raise openai.APIError(str(err.get("message") if isinstance(err, dict) else err), resp.request, body=chunk)
            yield _Chunk(chunk)
    except httpx.TransportError as exc:
        raise openai.APIConnectionError(request=resp.request) from exc
    finally:
        await resp.aclose()


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
