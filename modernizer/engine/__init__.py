"""The engine: agents asked over a shared, cached prefix, in one context or module by module.

``Run`` is the context every layer shares; ``run_single`` and ``run_chunked`` are the two
strategies; ``LLM`` is the one port to the model (``client.LLMClient`` implements it)."""

from modernizer.engine.chunked import run_chunked
from modernizer.engine.llm import LLM
from modernizer.engine.results import AgentRun, ModuleResult, PipelineResult, SourcedFinding
from modernizer.engine.run import Run
from modernizer.engine.single import run_single

__all__ = ["LLM", "AgentRun", "ModuleResult", "PipelineResult", "Run", "SourcedFinding", "run_chunked", "run_single"]
