"""Agent definitions (agents/*.toml) and the prompts they render (prompts/*.j2).

An agent is data: its **role** (what it produces: findings, a plan, verdicts, a synthesis, a
follow-up, a fix), which template and output model, how many tokens, what it reads (``context``)
and which earlier agents it needs (by name, or by role: ``needs = ["findings"]`` means every
findings agent). Nothing else in the tool names an agent: the engine and the report select by
role, so adding a findings agent is one TOML file, one template and (if it needs one) one output
model in ``schemas.OUTPUT_MODELS``.

The message layout is fixed here, once, so that the codebase is always the shared prefix:

    [system: prompts/system.j2]                       identical for every agent
    [user:   codebase + facts  |  agent task + earlier outputs]
             ^^^^^^^^^^^^^^^^^ identical bytes, cached by vLLM after the first request
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator

from modernizer.admission import PREFIX_END
from modernizer.errors import InputError
from modernizer.resources import data_dir
from modernizer.schemas import OUTPUT_MODELS

SEPARATOR = PREFIX_END  # the end of every shared prefix (admission.py sends what is above it as token ids, once)
Role = Literal["findings", "plan", "verdicts", "synthesis", "followup", "fix"]
ROLES: tuple[str, ...] = ("findings", "plan", "verdicts", "synthesis", "followup", "fix")


class AgentSpec(BaseModel):
    name: str
    role: Role
    id_prefix: str = Field(default="", pattern=r"^[A-Z]?$", description="findings agents: the letter their finding ids carry (S1, A1)")
    description: str = ""
    template: str
    output: str
    max_tokens: int = Field(ge=16, le=32768)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    needs: list[str] = Field(default_factory=list, description="agent names or roles whose outputs this agent reads")
    context: Literal["codebase", "cited", "digest"] = "codebase"
    thinking: bool = Field(default=False, description=(
        "let the model think before it answers (Nemotron's enable_thinking); its thinking is decoded at long-context "
        "speed and counted in the report, never kept"))
    thinking_budget: int = Field(default=1024, ge=16, le=32768, description="the most thinking tokens, when thinking (vLLM enforces it)")
    candidates: bool = Field(default=False, description=(
        "findings agents: each request also lists the computed candidates (static pass) in the files it answers for"))
    _template_dir: Path | None = PrivateAttr(default=None)

    @field_validator("output")
    @classmethod
    def _known_output(cls, v: str) -> str:
        if v not in OUTPUT_MODELS:
            raise ValueError(f"unknown output model {v!r}; known: {', '.join(OUTPUT_MODELS)}")
        return v

    @property
    def output_model(self) -> type[BaseModel]:
        return OUTPUT_MODELS[self.output]


class Agents:
    """The loaded agent set, asked by role. The only place that knows which agent plays which part."""

    def __init__(self, specs: dict[str, AgentSpec]) -> None:
        self.specs = specs
        for spec in specs.values():
            missing = [n for n in spec.needs if n not in specs and n not in ROLES]
            if missing:
                raise ValueError(f"agent {spec.name} needs unknown agents or roles: {missing}")
        self.waves()  # raises on a cycle

    def __getitem__(self, name: str) -> AgentSpec:
        return self.specs[name]

    def __iter__(self):
        return iter(self.specs.values())

    def with_role(self, *roles: str) -> list[AgentSpec]:
        return [s for s in self.specs.values() if s.role in roles]

    def one(self, role: str) -> AgentSpec | None:
        found = self.with_role(role)
        return found[0] if found else None

    def needs_of(self, spec: AgentSpec) -> list[str]:
        """Agent names ``spec`` reads, roles expanded, in definition order."""
        out: list[str] = []
        for need in spec.needs:
            names = [need] if need in self.specs else [s.name for s in self.with_role(need) if s.context == "codebase"]
            out.extend(n for n in names if n not in out and n != spec.name)
        return out

    def codebase(self) -> list[AgentSpec]:
        """The agents that read the codebase (or a module of it) as their shared prefix."""
        return [s for s in self.specs.values() if s.context == "codebase"]

    def waves(self) -> list[list[str]]:
        """Codebase agents in waves: each wave needs only agents of earlier waves, so a wave runs
        concurrently; the first wave shares the freshly prefilled codebase."""
        done: set[str] = set()
        waves: list[list[str]] = []
        pending = {s.name for s in self.codebase()}
        while pending:
            wave = sorted(n for n in pending if set(self.needs_of(self.specs[n])) <= done)
            if not wave:
                raise ValueError(f"agent definitions depend on each other in a circle: {sorted(pending)}")
            waves.append(wave)
            done.update(wave)
            pending -= set(wave)
        return waves


def load_agents(directory: Path | None = None) -> Agents:
    """The agents in ``directory`` (default: the shipped agents/). A template next to a TOML file
    is used before the shipped prompts/ one, so an agents folder can bring its own. A folder that
    is missing or holds a broken definition is an InputError naming the file and the problem."""
    directory = directory or data_dir("agents")
    if not directory.is_dir():
        raise InputError(f"--agents {directory}: no such folder", "give a folder of agent TOML files (see agents/ in the project)")
    specs: dict[str, AgentSpec] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            with path.open("rb") as fh:
                spec = AgentSpec.model_validate(tomllib.load(fh))
        except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
            first = exc.errors()[0] if isinstance(exc, ValidationError) else None
            why = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}" if first else str(exc)
            raise InputError(f"{path}: not a valid agent definition ({why})", "see agents/*.toml for the fields") from exc
        if (directory / spec.template).is_file():
            spec._template_dir = directory
        specs[spec.name] = spec
    if not specs:
        raise InputError(f"--agents {directory}: no agent definitions (*.toml) in it", "see agents/*.toml for the fields")
    try:
        return Agents(specs)
    except ValueError as exc:
        raise InputError(f"{directory}: {exc}", "fix the agents' needs") from exc


@lru_cache(maxsize=8)
def _env(*search: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(search)), undefined=jinja2.StrictUndefined,
        autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )


def render(template: str, prompts_dir: Path | None = None, **values: Any) -> str:
    return _env(str(prompts_dir or data_dir("prompts"))).get_template(template).render(**values)


def render_task(spec: AgentSpec, **values: Any) -> str:
    """An agent's own template, from its agents folder or the shipped prompts/."""
    search = ([str(spec._template_dir)] if spec._template_dir else []) + [str(data_dir("prompts"))]
    return _env(*search).get_template(spec.template).render(**values)


def task_inputs(agents: Agents, spec: AgentSpec, outputs: dict[str, str]) -> dict[str, Any]:
    """What a template sees of earlier agents: ``outputs`` by agent name, and ``by_role``: role ->
    {agent name: output}, so a template can say "every findings agent" without naming one."""
    by_role: dict[str, dict[str, str]] = {r: {} for r in ROLES}
    for name in agents.needs_of(spec):
        by_role[agents[name].role][name] = outputs.get(name, "")
    return {"outputs": {n: outputs.get(n, "") for n in agents.needs_of(spec)}, "by_role": by_role}


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def template_hash(spec: AgentSpec) -> str:
    """Identifies the agent's behaviour: definition + template text, for caches and reports."""
    h = hashlib.sha256(spec.model_dump_json().encode())
    for name, base in ((spec.template, spec._template_dir or data_dir("prompts")), ("system.j2", data_dir("prompts"))):
        h.update((Path(base) / name).read_bytes())
    return h.hexdigest()[:16]


def messages(system: str, shared_head: str, task: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": shared_head + SEPARATOR + task}]


def short_messages(system: str, task: str) -> list[dict[str, str]]:
    """A short-context request (follow-ups, review fixes): the system prompt and the task alone."""
    return [{"role": "system", "content": system}, {"role": "user", "content": task}]
