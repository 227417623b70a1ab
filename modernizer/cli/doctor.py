"""`modernize doctor`: is this machine ready to analyse?"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Optional

import typer

from modernizer.cli.common import as_invoked, fail, out
from modernizer.defaults import DEFAULT_BASE_URL, EXIT_SERVER, EXIT_WRONG_MODEL

DOCTOR_EPILOG = (f"Exit codes: 0 ready; 2 bad input (e.g. a remote endpoint not allowed); {EXIT_SERVER} not ready (no server, "
                 f"or it fails); {EXIT_WRONG_MODEL} the server answers but serves another model than --expect-model "
                 "(a server someone else started on the port).")


def doctor(
    endpoint: Annotated[Optional[str], typer.Option("--endpoint", "-e", envvar="MODERNIZE_ENDPOINT", help="Server to check (default: the managed server if one runs, else http://127.0.0.1:8000/v1).")] = None,
    model: Annotated[Optional[str], typer.Option(help="Served model name (default: the first the server lists).")] = None,
    allow_remote: Annotated[list[str], typer.Option("--allow-remote", help="Allow checking this non-local host (repeatable).")] = [],
    state_dir: Annotated[Optional[Path], typer.Option("--state-dir", envvar="MODERNIZE_STATE_DIR", help="The managed server's state directory (default: ~/.cache/modernizer).")] = None,
    expect_model: Annotated[Optional[str], typer.Option("--expect-model", metavar="NAME", envvar="MODERNIZE_EXPECT_MODEL", help=f"Fail (exit {EXIT_WRONG_MODEL}) unless the server serves this model: its served name (e.g. nemotron) or the checkpoint it loaded (a directory, compared with links resolved, or a Hugging Face id). For a job that reuses whatever answers on the port.")] = None,
) -> None:
    """Check this machine: GPUs, the profile they get, the managed server, the endpoint's vLLM version,
    model, the window and KV pool served (beside the profile's plan) and whether prefix caching is on;
    ends with a verdict (exit 0 ready, 3 not, 7 another model than --expect-model)."""
    from modernizer.llm.client import Endpoint
    from modernizer.errors import ModernizerError
    from modernizer.serve import doctor as doc
    from modernizer.serve import manager

    directory = manager.state_dir(state_dir)
    if endpoint is None:
        state = manager.read_state(directory)
        endpoint = state.base_url if state is not None else DEFAULT_BASE_URL
    try:
        rep = asyncio.run(doc.collect(Endpoint(base_url=endpoint, model=model, allow_remote=allow_remote,
                                               request_timeout=30.0), directory, expected=expect_model))
    except ModernizerError as exc:
        raise fail(exc) from None
    for line in doc.render(rep):
        out.print(as_invoked(line), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(0 if rep.ready else EXIT_WRONG_MODEL if rep.wrong_model else EXIT_SERVER)
