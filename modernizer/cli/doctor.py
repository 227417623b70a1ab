"""`modernize doctor`: is this machine ready to analyse?"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Optional

import typer

from modernizer.cli.common import as_invoked, fail, out
from modernizer.defaults import DEFAULT_BASE_URL


def doctor(
    endpoint: Annotated[Optional[str], typer.Option("--endpoint", "-e", envvar="MODERNIZE_ENDPOINT", help="Server to check (default: the managed server if one runs, else http://127.0.0.1:8000/v1).")] = None,
    model: Annotated[Optional[str], typer.Option(help="Served model name (default: the first the server lists).")] = None,
    allow_remote: Annotated[list[str], typer.Option("--allow-remote", help="Allow checking this non-local host (repeatable).")] = [],
    state_dir: Annotated[Optional[Path], typer.Option("--state-dir", envvar="MODERNIZE_STATE_DIR", help="The managed server's state directory (default: ~/.cache/modernizer).")] = None,
) -> None:
    """Check this machine: GPUs, the profile they get, the managed server, the endpoint's vLLM version,
    model, the window and KV pool served (beside the profile's plan) and whether prefix caching is on;
    ends with a verdict (exit 0 ready, 3 not)."""
    from modernizer.client import Endpoint
    from modernizer.errors import ModernizerError
    from modernizer.serve import doctor as doc
    from modernizer.serve import manager

    directory = manager.state_dir(state_dir)
    if endpoint is None:
        state = manager.read_state(directory)
        endpoint = state.base_url if state is not None else DEFAULT_BASE_URL
    try:
        rep = asyncio.run(doc.collect(Endpoint(base_url=endpoint, model=model, allow_remote=allow_remote,
                                               request_timeout=30.0), directory))
    except ModernizerError as exc:
        raise fail(exc) from None
    for line in doc.render(rep):
        out.print(as_invoked(line), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(0 if rep.ready else 3)
