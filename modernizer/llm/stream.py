"""One request's stream under its three clocks (the first token, the longest gap, the whole answer),
the /v1/completions stream for token-id prompts, and the lines said while a long prompt is read."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from modernizer.events import FirstToken, RequestEnded, RequestStarted, Waiting
from modernizer.llm import admission
from modernizer.llm.protocol import (FIRST_TOKEN_CHECK_S, VLLM_EXTRAS, Completion, ServerStuck, Usage,
                                     first_token_deadline)


class Streaming:
    """Part of ``LLMClient`` (client.py): sending a chat or completions request and reading its stream."""

    async def _stream(self, body: dict[str, Any], on_first_token: Callable[[], None] | None, label: str,
                      prompt_tokens: int, fresh_tokens: int | None = None, part: str = "whole") -> Completion:
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
            self.on_event(RequestEnded(label=label, ok=ended, part=part, prompt_tokens=usage.prompt_tokens, cached_tokens=usage.cached_tokens,
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
