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
import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
import jinja2.meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator

from modernizer.llm.admission import PREFIX_END
from modernizer.errors import InputError
from modernizer.resources import data_dir
from modernizer.safeio import Refused, parts_of, read_in_tree
from modernizer.findings.schemas import OUTPUT_MODELS

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
            # the folder may come from the analysed repository (CI passes it): read like its files (safeio)
            spec = AgentSpec.model_validate(tomllib.loads(read_in_tree(directory, path.name).decode("utf-8")))
        except (OSError, Refused, UnicodeDecodeError, tomllib.TOMLDecodeError, ValidationError) as exc:
            first = exc.errors()[0] if isinstance(exc, ValidationError) else None
            why = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}" if first else (exc.detail if isinstance(exc, Refused) else str(exc))
            raise InputError(f"{path}: not a valid agent definition ({why})", "see agents/*.toml for the fields") from exc
        try:
            parts_of(spec.template)
        except Refused as exc:
            raise InputError(f"{path}: template {spec.template!r} is outside the agents folder",
                             "name a template file in the same folder (or a shipped prompts/ one)") from exc
        if os.path.lexists(directory / spec.template):
            spec._template_dir = directory
        check_template(spec, path)
        specs[spec.name] = spec
    if not specs:
        raise InputError(f"--agents {directory}: no agent definitions (*.toml) in it", "see agents/*.toml for the fields")
    try:
        return Agents(specs)
    except ValueError as exc:
        raise InputError(f"{directory}: {exc}", "fix the agents' needs") from exc


@lru_cache(maxsize=8)
def _env(*search: str) -> jinja2.Environment:
    """Templates render in Jinja2's immutable sandbox (no attribute walks to ``os``, no calls that
    change data), from a loader confined to ``search``: an agents folder may come from the analysed
    repository, so its templates are untrusted input."""
    return ImmutableSandboxedEnvironment(
        loader=ConfinedLoader(search), undefined=jinja2.StrictUndefined,
        autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )


def render(template: str, prompts_dir: Path | None = None, **values: Any) -> str:
    return _env(str(prompts_dir or data_dir("prompts"))).get_template(template).render(**values)


def _search(spec: AgentSpec) -> tuple[str, ...]:
    return tuple(([str(spec._template_dir)] if spec._template_dir else []) + [str(data_dir("prompts"))])


def render_task(spec: AgentSpec, **values: Any) -> str:
    """An agent's own template, from its agents folder or the shipped prompts/. A template that
    reaches for what the sandbox forbids, or includes a file it cannot, is an InputError naming it."""
    try:
        return _env(*_search(spec)).get_template(spec.template).render(**values)
    except (jinja2.TemplateError, SecurityError) as exc:
        raise InputError(f"agent {spec.name}, template {spec.template}: {_template_problem(exc)}",
                         "templates may only use the values they are given, and include files of their own folder") from exc


def check_template(spec: AgentSpec, where: Path) -> None:
    """Load ``spec``'s template and every template it names (include, import, extends) before any
    run, so a missing, linked-out or broken one is a clear error naming the file (exit 2)."""
    env = _env(*_search(spec))
    pending, seen = [spec.template], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            source, _, _ = env.loader.get_source(env, name)
            tree = env.parse(source)
        except jinja2.TemplateError as exc:
            raise InputError(f"{where}: template {name!r}: {_template_problem(exc)}",
                             "a template must be a plain file in the agents folder (or a shipped prompts/ one), "
                             "and include only such files") from exc
        pending.extend(n for n in jinja2.meta.find_referenced_templates(tree) if n is not None)


def _template_problem(exc: Exception) -> str:
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"{exc.message or exc.name}: not found in the agents folder (absolute paths, '..' and links out are not followed)"
    if isinstance(exc, SecurityError):
        return f"not allowed in a template ({exc})"
    line = getattr(exc, "lineno", None)
    return f"{exc.__class__.__name__}{f' at line {line}' if line else ''}: {exc}"


class ConfinedLoader(jinja2.BaseLoader):
    """Templates from these folders only: no absolute path, no '..', no link (safeio reads the file
    folder by folder with links refused), no FIFO or device, at most 1 MiB."""

    def __init__(self, search: tuple[str, ...]) -> None:
        self.search = search

    def get_source(self, environment: jinja2.Environment, template: str):
        try:
            parts_of(template)
        except Refused:
            raise jinja2.TemplateNotFound(template) from None
        for base in self.search:
            try:
                data = read_in_tree(base, template)
            except FileNotFoundError:
                continue
            except (Refused, OSError) as exc:
                raise jinja2.TemplateNotFound(f"{template} ({exc.detail if isinstance(exc, Refused) else exc})") from exc
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise jinja2.TemplateNotFound(f"{template} (not UTF-8 text)") from exc
            return text, str(Path(base) / template), lambda: True
        raise jinja2.TemplateNotFound(template)


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
    for name, search in ((spec.template, _search(spec)), ("system.j2", (str(data_dir("prompts")),))):
        env = _env(*search)
        h.update(env.loader.get_source(env, name)[0].encode())
    return h.hexdigest()[:16]


def messages(system: str, shared_head: str, task: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": shared_head + SEPARATOR + task}]


def short_messages(system: str, task: str) -> list[dict[str, str]]:
    """A short-context request (follow-ups, review fixes): the system prompt and the task alone."""
    return [{"role": "system", "content": system}, {"role": "user", "content": task}]
