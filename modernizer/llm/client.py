"""The one seam where modernizer meets the network: everything vLLM is reached through here.

Above this module everything is plain data (pydantic models); below it are HTTP, retries and the
mapping of transport failures to errors a person can act on. Tests inject an httpx transport to
script the failures a real server cannot be made to produce (500s, hangs, truncated answers).

The client is split by job: ``requests.py`` (plain requests and retries), ``tokenizing.py``
(tokenization and the prompt as token ids), ``stream.py`` (the stream and its three clocks),
``protocol.py`` (the records and texts they share); here, the chat call itself, its retries and the
thinking fallback.
"""

from __future__ import annotations

import asyncio
from array import array
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import httpx

from modernizer.errors import ContextOverflow, ModernizerError, ServerError, ServerUnavailable
from modernizer.events import Event
from modernizer.llm import admission
from modernizer.llm.privacy import check_endpoint_allowed
from modernizer.llm.protocol import (  # noqa: F401 - public here, where callers have always found them
    CHARS_PER_TOKEN_FLOOR, FIRST_TOKEN_BASE_S, FIRST_TOKEN_CHECK_S, PREFILL_FLOOR_TPS, PREFIXES_KEPT, TOKENIZER_PROBE,
    VLLM_EXTRAS, Completion, ServerInfo, ServerStuck, Usage, _error_text, _refuses_thinking, first_token_deadline,
    is_overflow_text, parse_prefix_metrics, server_root, start_hint, with_api_path)
from modernizer.llm.pulse import Pulse
from modernizer.llm.requests import Requests
from modernizer.llm.stream import Streaming
from modernizer.llm.thinkapart import ThinkApart
from modernizer.llm.tokenizing import Tokenizing

from modernizer.llm.endpoint import Endpoint  # noqa: E402,F401 - public here, defined apart (no httpx to import for it)


class LLMClient(Requests, Tokenizing, Streaming, ThinkApart):
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
        under the JSON schema); ``max_tokens`` is the answer's own room, the budget comes on top. With
        token ids and a schema, the thinking and the answer go as two requests (thinkapart.py). A
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

            apart = think and await self.think_apart_applies(body, schema, thinking_budget)
            kept: dict[str, Any] = {}  # the thinking, when the answer's request is retried

            def one_more() -> None:
                nonlocal sent
                sent += 1

            for attempt in range(self.endpoint.retries):
                sent += 1
                try:
                    if apart:  # thinking, then the answer under the schema: two requests (thinkapart.py says why)
                        comp = await self.think_then_answer(body, thinking_budget, first, label or schema_name, tokens, fresh,
                                                            one_more, kept)
                        return comp.model_copy(update={"requests": sent})
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
                        think = apart = self._thinking_off(text)
                        body, text_body, tokens = await self._request(messages, max_tokens, temperature, seed, schema, schema_name,
                                                                      prompt_tokens, False, None)
                        continue
                    if status is None:
                        raise ServerError(f"the server rejected the request: {text}") from exc
                    if status == 400 and "prompt" in body:
                        # a server that takes chat but not token ids: text from now on (the request is counted)
                        self._ids_ok = False
                        self.admission_note = f"prompts go as text: /v1/completions refused token ids ({text[:160]})"
                        body, apart = text_body, False
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
