"""Agent definitions (agents/*.toml) and the prompts they render (prompts/*.j2).

An agent is data: which template, which output model, how many tokens, which earlier agents it
reads. The message layout is fixed here, once, so that the codebase is always the shared prefix:

    [system: prompts/system.j2]                       identical for every agent
    [user:   codebase + facts  |  agent task + earlier outputs]
             ^^^^^^^^^^^^^^^^^ identical bytes, cached by vLLM after the first request
"""

from __future__ import annotations

import hashlib
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from pydantic import BaseModel, Field, field_validator

from modernizer.resources import data_dir
from modernizer.schemas import OUTPUT_MODELS

SEPARATOR = "\n\n======== TASK ========\n"


class AgentSpec(BaseModel):
    name: str
    description: str = ""
    template: str
    output: str
    max_tokens: int = Field(ge=16, le=32768)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    needs: list[str] = Field(default_factory=list)
    context: Literal["codebase", "cited", "digest"] = "codebase"

    @field_validator("output")
    @classmethod
    def _known_output(cls, v: str) -> str:
        if v not in OUTPUT_MODELS:
            raise ValueError(f"unknown output model {v!r}; known: {', '.join(OUTPUT_MODELS)}")
        return v

    @property
    def output_model(self) -> type[BaseModel]:
        return OUTPUT_MODELS[self.output]


def load_agents(directory: Path | None = None) -> dict[str, AgentSpec]:
    directory = directory or data_dir("agents")
    specs: dict[str, AgentSpec] = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as fh:
            spec = AgentSpec.model_validate(tomllib.load(fh))
        specs[spec.name] = spec
    for spec in specs.values():
        missing = [n for n in spec.needs if n not in specs]
        if missing:
            raise ValueError(f"agent {spec.name} needs unknown agents: {missing}")
    topo_order(specs)  # raises on a cycle
    return specs


def topo_order(specs: dict[str, AgentSpec]) -> list[list[str]]:
    """Agents in waves: each wave needs only agents of earlier waves, so a wave runs concurrently."""
    done: set[str] = set()
    waves: list[list[str]] = []
    pending = {n for n, s in specs.items() if s.context == "codebase"}
    while pending:
        wave = sorted(n for n in pending if set(specs[n].needs) <= done)
        if not wave:
            raise ValueError(f"agent definitions depend on each other in a circle: {sorted(pending)}")
        waves.append(wave)
        done.update(wave)
        pending -= set(wave)
    return waves


@lru_cache(maxsize=4)
def _env(prompts: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(prompts), undefined=jinja2.StrictUndefined,
        autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )


def render(template: str, prompts_dir: Path | None = None, **values: Any) -> str:
    return _env(str(prompts_dir or data_dir("prompts"))).get_template(template).render(**values)


def template_hash(spec: AgentSpec, prompts_dir: Path | None = None) -> str:
    """Identifies the agent's behaviour: definition + template text, for caches and reports."""
    base = prompts_dir or data_dir("prompts")
    h = hashlib.sha256(spec.model_dump_json().encode())
    for name in (spec.template, "system.j2"):
        h.update((base / name).read_bytes())
    return h.hexdigest()[:16]


def messages(system: str, shared_head: str, task: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": shared_head + SEPARATOR + task}]
