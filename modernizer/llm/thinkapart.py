"""Thinking and the JSON answer as two requests over one cached prompt (issue 18).

Why (measured on an H100 with vLLM 0.26, the release for torch 2.11; bench/results/scale.md):
- while a schema-constrained request's thinking has not ended, vLLM 0.26 checks on every decode step
  whether it has, by copying the request's whole token list (``should_advance`` ->
  ``is_reasoning_end(list(all_token_ids))``): O(prompt) per request per step on the engine's one
  scheduling thread. 16 thinking + schema answers over a 290K-token prefix took 21.4 s as one request
  each, 8.5-8.8 s as two, for the same tokens decoded. vLLM 0.32 (the CPU build) looks only at the
  new tokens.
- over long prompts its ``thinking_token_budget`` never closed the think block (0 of 48 requests over
  290K and 528K tokens; 32 of 32 over 12K): a slice thought until ``max_tokens`` and never answered.

So a request that thinks and answers under a schema goes as:
1. the prompt (ending inside ``<think>``), no schema, ``max_tokens`` = the thinking budget,
   stopped at ``</think>``: plain decode, which no reasoning check slows;
2. the same prompt + the thinking + ``</think>``, under the schema: the server's prefix cache holds
   the prompt, so it prefills only the thinking; the prompt already closes the thinking, so the
   grammar applies from the first token and nothing is checked per step.
The budget is kept by ``max_tokens``, which holds at any length, not by ``thinking_token_budget``.
Only token-id prompts (/v1/completions) can be continued like this; chat-text requests (short
prompts, where neither problem shows) keep the one-request form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modernizer.errors import ServerError
from modernizer.llm.admission import SPECIAL_TAIL
from modernizer.llm.protocol import Completion, Usage

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"


class ThinkApart:
    """Part of ``LLMClient`` (client.py): the two-request form of a thinking, schema-constrained answer."""

    _think_ids: tuple[int, int] | None | bool = False  # False: not asked yet; None: markers are not single tokens

    async def think_apart_ids(self) -> tuple[int, int] | None:
        """(``<think>``, ``</think>``) as the served tokenizer's single ids, or None (then the one-request form)."""
        if self._think_ids is False:
            try:
                pair = [await self._token_ids({"prompt": m, "add_special_tokens": False}) for m in (THINK_OPEN, THINK_CLOSE)]
            except (ServerError, KeyError, ValueError, TypeError):
                pair = []
            self._think_ids = (pair[0][0], pair[1][0]) if len(pair) == 2 and all(len(p) == 1 for p in pair) else None
        return self._think_ids or None

    async def think_apart_applies(self, body: dict[str, Any], schema: dict[str, Any] | None, budget: int | None) -> bool:
        """Whether this request goes in two: token ids, a schema, a budget, and a prompt that opens a think block."""
        if schema is None or not budget or "prompt" not in body:
            return False
        ids = await self.think_apart_ids()
        return ids is not None and ids[0] in body["prompt"][-4:]

    async def think_then_answer(self, body: dict[str, Any], budget: int, on_first_token: Callable[[], None] | None,
                                label: str, prompt_tokens: int, fresh_tokens: int, sent: Callable[[], None],
                                kept: dict[str, Any]) -> Completion:
        """The two requests (module docstring); one Completion for both, as the one request would give.
        ``sent`` is told of the answer's request when the thinking's went first in this attempt (the
        caller counts each attempt's first request itself). ``kept``: the thinking of an earlier
        attempt of this call, so a retry after a failed answer does not think again."""
        _, close = await self.think_apart_ids()  # type: ignore[misc]
        if "ids" not in kept:
            thinking_body = {k: v for k, v in body.items() if k not in ("response_format", "thinking_token_budget")}
            thinking_body |= {"max_tokens": budget, "stop_token_ids": [close], "skip_special_tokens": False}
            thought = await self._stream(thinking_body, on_first_token, label, prompt_tokens, fresh_tokens, part="thinking")
            text = (thought.reasoning + thought.text).replace(THINK_OPEN, "").replace(THINK_CLOSE, "")
            for tail in SPECIAL_TAIL:
                text = text.replace(tail, "")
            kept["ids"] = await self._token_ids({"prompt": text, "add_special_tokens": False}) if text.strip() else []
            kept["thought"] = thought
            sent()  # the answer is this attempt's second request (a retry's first is the answer)
        ids, thought = kept["ids"], kept["thought"]
        answer_body = {k: v for k, v in body.items() if k != "thinking_token_budget"}
        answer_body |= {"prompt": body["prompt"] + ids + [close], "max_tokens": body["max_tokens"] - budget}
        answer = await self._stream(answer_body, None, label, prompt_tokens + len(ids) + 1, len(ids) + 1, part="answer")
        a, b = thought.usage, answer.usage
        cached = None if a.cached_tokens is None and b.cached_tokens is None else (a.cached_tokens or 0) + (b.cached_tokens or 0)
        return Completion(
            text=answer.text, finish_reason=answer.finish_reason, wall_s=round(thought.wall_s + answer.wall_s, 3),
            usage=Usage(prompt_tokens=a.prompt_tokens + b.prompt_tokens, cached_tokens=cached,
                        completion_tokens=a.completion_tokens + b.completion_tokens),
            ttft_s=thought.ttft_s, admission="ids", thinking_tokens=max(1, a.completion_tokens), requests=2)
