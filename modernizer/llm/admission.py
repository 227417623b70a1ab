"""Admission: how a request that shares a long cached prefix gets into the server quickly.

Measured on an H200 (the 538K-token codebase, 16 requests over one cached prefix): the last
request's first token came after 24.8 s when each was sent as chat text, although 537K of its
tokens were cached, because the API server tokenized the 1.8M-character prompt again for every
request (one after another). Sent as token ids, tokenized once, the same 16 took 9.8 s.

So the shared prefix (the system message and the codebase, up to the task marker) is tokenized
once, by the server itself (``/tokenize`` with ``continue_final_message``: the server's own chat
template and tokenizer, so the ids are the ones the chat endpoint would have made), and each
request's own part is tokenized through a *stand-in*: the same messages with the shared text cut
to its last ``TAIL_CHARS`` characters, which is short. The request's ids are the prefix's ids
followed by the stand-in's ids after the stand-in's own prefix. That is only right when the
tokenizer makes no token across the marker and the cut text ends in the same tokens as the real
one; both are checked on every request (``join``), and a request where they fail goes as text.

Pure functions; the HTTP calls are the client's (``client.LLMClient``).
"""

from __future__ import annotations

from pydantic import BaseModel

# Where every shared prefix ends: the codebase (or a module, or a digest) is above it, the task
# below. agents.messages() puts it there; nothing else may.
PREFIX_END = "\n\n======== TASK ========\n"
TAIL_CHARS = 512  # the stand-in keeps this much of the shared text: enough context for any tokenizer's merges
CHECK_TOKENS = 8  # the real prefix and the stand-in's must end in these same tokens


class Split(BaseModel):
    """Where the shared prefix ends: in message ``index``, after ``offset`` characters."""

    index: int
    offset: int


def find_split(messages: list[dict[str, str]], marker: str = PREFIX_END) -> Split | None:
    for i, m in enumerate(messages):
        at = m.get("content", "").find(marker)
        if at >= 0:
            return Split(index=i, offset=at + len(marker))
    return None


def prefix_messages(messages: list[dict[str, str]], split: Split) -> list[dict[str, str]]:
    """The shared prefix as messages, the last one left open (``continue_final_message``)."""
    m = messages[split.index]
    return [*messages[:split.index], {**m, "content": m["content"][:split.offset]}]


def prefix_key(messages: list[dict[str, str]], split: Split) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(prefix_messages(messages, split), sort_keys=True).encode()).hexdigest()


def stand_in(messages: list[dict[str, str]], split: Split) -> list[dict[str, str]]:
    """The request with its shared text cut to the last ``TAIL_CHARS`` characters."""
    m = messages[split.index]
    cut = max(0, split.offset - TAIL_CHARS)
    return [*messages[:split.index], {**m, "content": m["content"][cut:]}, *messages[split.index + 1:]]


def join(prefix_ids: list[int], stand_prefix_ids: list[int], stand_ids: list[int]) -> list[int] | None:
    """The request's ids: the real prefix, then what the stand-in has after its own prefix.
    None when the two cannot be joined safely (a token across the marker, or a tail that the
    stand-in's cut tokenized differently)."""
    n = len(stand_prefix_ids)
    if n < CHECK_TOKENS or len(prefix_ids) < CHECK_TOKENS or stand_ids[:n] != stand_prefix_ids:
        return None
    if prefix_ids[-CHECK_TOKENS:] != stand_prefix_ids[-CHECK_TOKENS:]:
        return None
    return prefix_ids + stand_ids[n:]


SPECIAL_TAIL = ("<|im_end|>", "<|endoftext|>", "</s>")


def split_thinking(text: str, opened: bool = False) -> tuple[str, str]:
    """(thinking, answer) of a completion: the chat endpoint's reasoning parser does this for chat
    requests; token-id requests go to /v1/completions, which has none. ``opened``: the prompt
    ended inside a think block (thinking on), so the text starts with thinking even without a
    ``<think>``. Special tokens around the answer (kept so ``</think>`` shows) are dropped."""
    end = text.rfind("</think>")
    if end >= 0:
        thinking, answer = text[:end], text[end + len("</think>"):]
    elif opened and not text.lstrip().startswith(("{", "[")):
        thinking, answer = text, ""  # cut off while thinking
    else:
        thinking, answer = "", text
    thinking = thinking.replace("<think>", "").strip()
    answer = answer.strip()
    for tail in SPECIAL_TAIL:
        answer = answer.removesuffix(tail).strip()
    return thinking, answer

