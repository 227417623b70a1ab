"""The engine: agents asked over a shared, cached prefix, in one context or module by module.

``Run`` is the context every layer shares; ``run_single`` and ``run_chunked`` are the two
strategies; ``LLM`` is the one port to the model (``client.LLMClient`` implements it).

The names are imported when first used (PEP 562): ``modernizer.engine.budget``, which a run
without a server needs, then costs no import of the client, httpx and the strategies."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

_WHERE = {"run_chunked": "chunked", "LLM": "llm", "AgentRun": "results", "ModuleResult": "results",
          "PipelineResult": "results", "SourcedFinding": "results", "Run": "run", "run_single": "single"}

__all__ = ["LLM", "AgentRun", "ModuleResult", "PipelineResult", "Run", "SourcedFinding", "run_chunked", "run_single"]

if TYPE_CHECKING:
    from modernizer.engine.chunked import run_chunked
    from modernizer.engine.llm import LLM
    from modernizer.engine.results import AgentRun, ModuleResult, PipelineResult, SourcedFinding
    from modernizer.engine.run import Run
    from modernizer.engine.single import run_single


def __getattr__(name: str):  # noqa: ANN202
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'modernizer.engine' has no attribute {name!r}")
    value = getattr(import_module(f"modernizer.engine.{module}"), name)
    globals()[name] = value
    return value
