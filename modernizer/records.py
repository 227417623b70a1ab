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
