"""Ending the review's own event loop cleanly.

The review asks the model from synchronous code, one ``run_until_complete`` per request on a loop
it keeps for the session (the client's connections are reused). Between requests, work can be left
in that loop: a cancelled progress ticker, the finaliser of a stream's async generator scheduled by
the garbage collector. Closing the loop over them made Python print "Task was destroyed but it is
pending!" at the end of every session that asked the model, which reads like a crash. This ends
the loop as ``asyncio.run`` does: the last coroutine (closing the client), then every task left is
cancelled and awaited, async generators shut down, the default executor joined.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any


def close_loop(loop: asyncio.AbstractEventLoop, last: Coroutine[Any, Any, Any] | None = None) -> None:
    try:
        if last is not None:
            with contextlib.suppress(Exception):
                loop.run_until_complete(last)
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
