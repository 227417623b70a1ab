"""The client's tokenization: counts by the served model's own tokenizer (/tokenize), and a
request's prompt as token ids whose long shared prefix is tokenized once (admission.py)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from array import array
from typing import Any

import httpx

from modernizer.errors import ServerError
from modernizer.events import Counting
from modernizer.llm import admission
from modernizer.llm.protocol import PREFIXES_KEPT, TOKENIZER_PROBE, ServerStuck


class Tokenizing:
    """Part of ``LLMClient`` (client.py): token counts and prompts as token ids."""

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

    async def _count_text(self, text: str) -> int:
        """Tokens of a text by the server's tokenizer (an answer's, to tell the thinking tokens from
        the completion's); an estimate when it cannot say."""
        try:
            return (await self.tokenize_texts([text]))[0]
        except ServerError:
            return int(len(text) / 3.5)
