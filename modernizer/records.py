"""Plain records the engine produces and the report shows: one place, so that the report model
needs nothing from the engine or the client (and re-rendering a report loads neither)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Attempt(BaseModel):
    """One answer that did not validate (or one request that failed), kept with its reason."""

    error: str
    finish_reason: str | None = None
    text_head: str = Field(default="", description="the first 600 characters of what the model wrote")


class PrefixCacheCounters(BaseModel):
    """vLLM's prefix-cache counters (``/metrics``), in tokens."""

    queries: float = 0.0
    hits: float = 0.0

    def minus(self, other: "PrefixCacheCounters") -> "PrefixCacheCounters":
        return PrefixCacheCounters(queries=self.queries - other.queries, hits=self.hits - other.hits)


class CacheStats(BaseModel):
    """What the result cache did in one run."""

    hits: int = 0
    misses: int = 0
    writes: int = 0
    corrupt: int = 0
    write_errors: int = 0
    disabled: str | None = None
    directory: str = ""


class ModuleTiming(BaseModel):
    """When a module's work happened, in seconds since the agents started (chunked mode's scheduler)."""

    queued_s: float = Field(description="waited for admission: room in the server's KV pool and the prefill baton")
    admitted_s: float
    first_token_s: float | None = Field(default=None, description="its lead's first token: the module's prefix is read")
    finished_s: float
    requests: int = 0
    reserved_tokens: int = Field(default=0, description="what it held of the KV pool while in flight")
