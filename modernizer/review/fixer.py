"""A fix from the model for one finding: the ``fix`` agent asked over the lines around it, its edits
narrowed to the files it was shown and checked against the code before they become a proposal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modernizer.engine.asker import ask
from modernizer.engine.followups import cited_excerpts
from modernizer.errors import InputError
from modernizer.findings.schemas import FixProposal, json_schema
from modernizer.llm.client import Endpoint, LLMClient
from modernizer.review.apply import check_edits, locate_finding, snapshot_of
from modernizer.review.edits import Edit, EditRejected, FileChange
from modernizer.review.state import FindingRef, Proposal, ProposedEdit
from modernizer.run import agents as agentdefs


def proposal_from(changes: list[FileChange], source: str, explanation: str) -> Proposal:
    edits = [ProposedEdit(file=e.file, search=e.search, replace=e.replace, line_start=e.line_start, line_end=e.line_end)
             for c in changes for e in c.edits]
    return Proposal(source=source, explanation=explanation, edits=edits, diff="".join(c.diff for c in changes))


def _normalise_file(path: str, ref: FindingRef, repo_name: str) -> str:
    p = path.strip().strip("`'\"").replace("\\", "/").removeprefix("./").lstrip("/")
    p = p.removeprefix(repo_name + "/")
    if not p:
        return ref.file
    if p != ref.file and ref.file.endswith("/" + p):
        return ref.file
    return p


def fix_schema(files: list[str]) -> dict[str, Any]:
    """FixProposal's schema with ``file`` narrowed to the files the request shows: guided decoding
    then cannot name another file (a model can still quote text that is not there: the
    exactly-once rule catches that)."""
    schema = json_schema(FixProposal)
    schema["properties"]["edits"]["items"]["properties"]["file"] = {"type": "string", "enum": list(files)}
    return schema


class ModelFixer:
    """Asks the ``fix`` agent for one finding's fix, from the lines around it (short context).

    One client and one event loop serve the whole session (the server is probed once); ``close``
    ends them. The review itself is synchronous (a terminal), so each request runs to completion
    on that loop."""

    def __init__(self, endpoint: Endpoint, root: Path, seed: int = 0, say: Callable[[str], None] | None = None) -> None:
        """``say``: where a line for the reviewer goes (the endpoint's "/v1" note, as analyze prints it)."""
        self.endpoint, self.root, self.seed, self.say = endpoint, root, seed, say
        self._spec: agentdefs.AgentSpec | None = None
        self._system: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: LLMClient | None = None

    def spec(self) -> agentdefs.AgentSpec:
        if self._spec is None:
            self._spec = agentdefs.load_agents().one("fix")
            if self._spec is None:
                raise InputError("no agent with role \"fix\" is defined", "agents/fix.toml is missing from this installation")
        return self._spec

    def messages(self, ref: FindingRef) -> list[dict[str, str]]:
        tf, a, b, _ = locate_finding(self.root, ref)
        snap = snapshot_of(self.root, [tf.source()])
        excerpts = cited_excerpts(snap, [(ref.file, a, b)], [])
        finding = ref.model_copy(update={"line_start": a, "line_end": b})
        if self._system is None:
            self._system = agentdefs.render("system.j2")
        return agentdefs.short_messages(self._system, agentdefs.render_task(self.spec(), finding=finding, excerpts=excerpts))

    async def _llm(self) -> LLMClient:
        if self._client is None:
            client = LLMClient(self.endpoint)
            try:
                await client.probe()
            except BaseException:
                await client.aclose()
                raise
            self._client = client
            if client.endpoint_note and self.say is not None:
                self.say(client.endpoint_note)
        return self._client

    async def _ask(self, ref: FindingRef, attempt: int) -> FixProposal:
        spec = self.spec()
        if attempt > 1:  # asking again: sample, so the answer can differ
            spec = spec.model_copy(update={"temperature": max(spec.temperature, 0.7)})
        msgs = self.messages(ref)
        run = await ask(await self._llm(), spec, msgs, seed=self.seed + attempt - 1, schema=fix_schema([ref.file]))
        if run.status != "ok" or run.output is None:
            raise EditRejected(f"the model's answer was not usable: {run.error}", "press [f] to ask again, or [e] to write the fix")
        return FixProposal.model_validate(run.output)

    def _run(self, coro):  # noqa: ANN001, ANN202
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(coro)

    def close(self) -> None:
        """The client, then whatever the requests left in the loop (a cancelled ticker, a stream's
        async generator), as asyncio.run ends: closing the loop over them printed "Task was destroyed"."""
        loop, self._loop = self._loop, None
        if loop is not None:
            from modernizer.review.loops import close_loop

            close_loop(loop, self._client.aclose() if self._client is not None else None)
        self._client = None

    def propose(self, ref: FindingRef, attempt: int, root: Path | None = None) -> Proposal:
        """``root``: where the code is read now (the review worktree once it exists)."""
        if root is not None:
            self.root = root
        out = self._run(self._ask(ref, attempt))
        if not out.edits:
            raise EditRejected("the model proposed no edits", "press [f] to ask again, or [e] to write the fix")
        edits = [Edit(file=_normalise_file(e.file, ref, self.root.name), search=e.search, replace=e.replace) for e in out.edits]
        try:
            changes = check_edits(self.root, edits)
        except EditRejected as exc:
            raise EditRejected(f"the model's fix was rejected: {exc.message}", exc.hint) from None
        return proposal_from(changes, "model", out.explanation)
