"""Where the model server is and how long each wait may last: the ``Endpoint`` options, apart from the
client (``modernizer.llm.client`` re-exports it) so that the options of a run that never talks to a
server (``--no-llm``, ``--plan``) cost no import of httpx and the client."""

from __future__ import annotations

from pydantic import BaseModel, Field

from modernizer.defaults import DEFAULT_BASE_URL


class Endpoint(BaseModel):
    """Where the server is and how long each kind of wait may last.

    A server that accepts the connection and then says nothing must not hold a run for long, while
    a real answer may stream for many minutes. So the waits differ: the quick endpoints (models,
    tokenize, metrics) get ``probe_timeout``; a chat request gets a deadline for its *first token*,
    sized from its prompt (it includes the prefill, see ``first_token_deadline``); once tokens flow,
    the answer may take ``request_timeout`` in all, as long as no gap exceeds ``stall_timeout``."""

    base_url: str = DEFAULT_BASE_URL
    model: str | None = Field(default=None, description="served model name; the first one listed when unset")
    api_key: str = "EMPTY"
    allow_remote: list[str] = Field(default_factory=list, description="hosts allowed although not on this machine")
    connect_timeout: float = 5.0
    probe_timeout: float = Field(default=15.0, gt=0, description="seconds for /v1/models, /tokenize (plus size), /metrics, /version")
    first_token_timeout: float | None = Field(default=None, gt=0, description="seconds to the first token; None: sized from the prompt")
    stall_timeout: float = Field(default=120.0, gt=0, description="seconds without a chunk once an answer streams")
    request_timeout: float = Field(default=900.0, gt=0, description="seconds a streaming answer may take in all")
    retries: int = 3
    token_ids: bool = Field(default=True, description=(
        "send long prompts that share a prefix as token ids (tokenized once through /tokenize) to /v1/completions, "
        "so the server does not tokenize the shared codebase again for every request"))
    token_ids_min_chars: int = Field(default=40_000, ge=0, description="shared prefixes shorter than this go as text")
