"""One agent's answer: ask, validate against the output model, and re-ask under a policy.

The loop (``ask``) and the policy (``reask``) are separate, instructor's shape: the loop sends,
validates and records; the policy alone decides what the next request looks like after a bad
answer. Every attempt is kept; usage is summed across attempts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from modernizer.run.agents import AgentSpec, template_hash
from modernizer.llm.client import Completion, ServerStuck
from modernizer.engine.llm import LLM
from modernizer.engine.results import AgentRun
from modernizer.errors import ContextOverflow, ModernizerError
from modernizer.records import Attempt
from modernizer.run.resultcache import ResultCache, request_key
from modernizer.findings.schemas import fit_schema, json_schema

TRUNCATION_MARGIN = 0.75
MAX_ATTEMPTS = 2


Thinking = tuple[bool, int]  # (think first?, the most thinking tokens)


def answer_key(model: str | None, spec: AgentSpec, msgs: list[dict[str, str]], schema: dict[str, Any] | None,
               seed: int | None, subject: str | None = None, thinking: Thinking = (False, 0)) -> str:
    """The result-cache key of one request. ``max_tokens`` is not part of it: it only decides
    whether an answer is cut off, and a cut-off answer is never cached, so a request whose room was
    computed differently (an estimate, an exact count) still finds the answer it already has."""
    payload = {"messages": msgs, "schema": schema or json_schema(spec.output_model),
               "temperature": spec.temperature, "seed": seed, "subject": subject}
    if thinking[0]:  # a thinking answer is another answer (keys of non-thinking ones stay as they were)
        payload["thinking"] = list(thinking)
    return request_key(model or "", payload)


def parse(model: type[BaseModel], text: str) -> BaseModel:
    """The answer as ``model``, read the way the grammar that produced it allowed, where that costs
    nothing true (both seen from vLLM 0.26's grammar on an H100 run, bench/results/scale.md):
    - a raw tab or newline inside a JSON string (a model copying indented code into a snippet) is the
      character it is, as Python's JSON parser reads it with ``strict=False``;
    - a string or list longer than the schema's bound (``maxLength``/``maxItems``, which the grammar
      did not hold) is cut to the bound: a cut snippet is still a substring of the cited line, a cut
      reason still reads; failing the slice would lose every finding in it.
    Every other fault raises ValidationError, for the re-ask."""
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        first = exc
    if any(e["type"] == "json_invalid" and "control character" not in str(e.get("msg")) for e in first.errors()):
        raise first
    try:
        data = json.loads(text, strict=False)
    except ValueError:
        raise first from None
    for _ in range(3):  # a cut list can bring its items' own errors into view once
        try:
            return model.model_validate_json(json.dumps(data))
        except ValidationError as exc:
            if not _cut_to_bounds(data, exc.errors()):
                raise first from None
    raise first


def _cut_to_bounds(data: Any, errors: list[dict[str, Any]]) -> bool:
    """Cut, in place, every value that is only too long; False if any error is of another kind."""
    if not errors or any(e["type"] not in ("string_too_long", "too_long") for e in errors):
        return False
    for e in errors:
        *parents, last = e["loc"]
        node = data
        for key in parents:
            node = node[key]
        node[last] = node[last][: e["ctx"]["max_length"]]
    return True


def validate(model: type[BaseModel], text: str, finish_reason: str | None) -> str | None:
    """None if ``text`` is a complete, valid answer; else why not, in a line the model can act on."""
    return checked(model, text, finish_reason)[1]


def checked(model: type[BaseModel], text: str, finish_reason: str | None) -> tuple[BaseModel | None, str | None]:
    """(the answer as ``model``, None), or (None, why not): read once, for the check and the use."""
    if finish_reason == "length":
        return None, "the answer was cut off at max_tokens (truncated JSON)"
    try:
        return parse(model, text), None
    except ValidationError as exc:
        errs = exc.errors()[:5]
        return None, "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in errs)


def reask(msgs: list[dict[str, str]], comp: Completion, error: str, schema: dict[str, Any], limit: int
          ) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """The next request after a bad answer: (messages, schema).

    Cut off at max_tokens: the same schema could overflow again, so the retry goes out under one
    whose longest answer fits the room (at the characters per token the cut answer showed, with a
    margin), and the cut text is not sent back. Invalid: the answer and the error go back, after
    the shared prefix (so the re-ask is served from the prefix cache too)."""
    if comp.finish_reason == "length":
        per_token = len(comp.text) / max(comp.usage.completion_tokens - comp.thinking_tokens, 1)  # the answer's own tokens
        narrow = fit_schema(schema, int(limit * per_token * TRUNCATION_MARGIN))
        return list(msgs) + [{"role": "user", "content": (
            f"Your previous answer was cut off after {comp.usage.completion_tokens - comp.thinking_tokens} tokens, "
            "the most this request may write. "
            "Answer again with one complete JSON object: fewer items and shorter text (the schema now enforces it).")}], narrow
    return list(msgs) + [
        {"role": "assistant", "content": comp.text[:4000]},
        {"role": "user", "content": f"That answer was not valid: {error}\nAnswer again with one complete JSON object that matches the schema, shorter if needed."},
    ], schema


async def ask(llm: LLM, spec: AgentSpec, msgs: list[dict[str, str]], *, seed: int | None,
              on_first_token: Callable[[], None] | None = None, subject: str | None = None,
              cache: ResultCache | None = None, max_tokens: int | None = None,
              schema: dict[str, Any] | None = None, thinking: Thinking | None = None) -> AgentRun:
    """One agent's answer, validated, re-asked once (``reask``), cached when it succeeds.

    ``schema``: a narrower JSON schema than the output model's for this one request (the review's
    fix request names the only file it may edit); the answer is still validated against the model."""
    schema = schema or json_schema(spec.output_model)
    limit = min(spec.max_tokens, max_tokens) if max_tokens else spec.max_tokens
    thinking = thinking or (spec.thinking, spec.thinking_budget)
    key = answer_key(llm.model, spec, msgs, schema, seed, subject, thinking)
    if cache is not None:
        hit = cache.get(key, AgentRun)
        if hit is not None and hit.output is not None:
            if on_first_token:
                on_first_token()
            return hit.model_copy(update={"from_cache": True, "requests": 0})
    run = await _ask_model(llm, spec, msgs, schema, limit, seed, on_first_token, subject, thinking)
    if cache is not None and run.status == "ok":
        cache.put(key, run)
    return run


async def _ask_model(llm: LLM, spec: AgentSpec, msgs: list[dict[str, str]], schema: dict[str, Any], limit: int,
                     seed: int | None, on_first_token: Callable[[], None] | None, subject: str | None,
                     thinking: Thinking) -> AgentRun:
    run = AgentRun(agent=spec.name, role=spec.role, id_prefix=spec.id_prefix, output_type=spec.output, status="failed",
                   template_hash=template_hash(spec), subject=subject)
    t0 = time.perf_counter()
    convo = list(msgs)
    label = spec.name + (f" {subject}" if subject else "")
    for attempt in range(MAX_ATTEMPTS):
        try:
            comp = await llm.chat(convo, max_tokens=limit, temperature=spec.temperature, seed=seed,
                                  schema=schema, schema_name=spec.output, label=label,
                                  on_first_token=on_first_token if attempt == 0 else None,
                                  thinking=thinking[0], thinking_budget=thinking[1] if thinking[0] else None)
        except ServerStuck:
            raise  # a silent server stops the run: every later request would wait the same way
        except ModernizerError as exc:
            run.requests += getattr(exc, "requests", 1)
            run.error = exc.message
            run.error_kind = "overflow" if isinstance(exc, ContextOverflow) else "server"
            run.attempts.append(Attempt(error=exc.message))
            break
        finally:
            if attempt == 0 and on_first_token:
                on_first_token()  # never leave the wave waiting on a failed leader
        run.requests += comp.requests
        run.token_id_requests += comp.admission == "ids"
        run.prompt_tokens += comp.usage.prompt_tokens
        run.completion_tokens += comp.usage.completion_tokens
        run.thinking_tokens += comp.thinking_tokens
        if comp.usage.cached_tokens is not None:
            run.cached_tokens = (run.cached_tokens or 0) + comp.usage.cached_tokens
        if run.ttft_s is None:
            run.ttft_s = comp.ttft_s
        output, error = checked(spec.output_model, comp.text, comp.finish_reason)
        if error is None:
            run.status, run.error, run.error_kind = "ok", None, None
            run.output = output
            break
        run.attempts.append(Attempt(error=error, finish_reason=comp.finish_reason, text_head=comp.text[:600]))
        run.error = error
        run.error_kind = "truncated" if comp.finish_reason == "length" else "invalid"
        convo, schema = reask(msgs, comp, error, schema, limit)
    run.wall_s = round(time.perf_counter() - t0, 3)
    return run
