"""The terminal side of a run's progress: events in, lines and a live status line out.

On a terminal, a status line (rich ``Live``) stays at the bottom and redraws four times a second
from the folded state (modernizer/run/progress.py); the lines that matter after the run (loaded,
planned, each agent's result) print above it and stay. Elsewhere (a CI log, a pipe), only those
lines print, plus a line for each long wait saying how far the server has read.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console, RenderableType
from rich.live import Live
from rich.spinner import Spinner

from modernizer.cli.common import emit
from modernizer.events import Counting, Event, ModuleFinished, Phase, Waiting, describe
from modernizer.run.progress import Progress


COUNTING_EVERY_S = 10.0
HEARTBEAT_S = 30.0  # in a log, the longest silence while a run works


class RunView:
    """Call it with each event; use it as a context manager around the run."""

    def __init__(self, console: Console, *, live: bool, quiet: bool = False,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.console, self.quiet, self.clock = console, quiet, clock
        self.state = Progress(started=clock())
        self._spinner = Spinner("dots", style="cyan")
        self._counted_said = self.state.started
        self._said_at = self.state.started
        self._live: Live | None = Live(get_renderable=self._render, console=console, transient=True,
                                       refresh_per_second=4) if live and not quiet else None

    def __enter__(self) -> "RunView":
        if self._live is not None:
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()

    def phase(self, name: str, detail: str = "") -> None:
        self(Phase(name=name, detail=detail))

    def __call__(self, e: Event) -> None:
        now = self.clock()
        self.state.apply(e, now)
        if self.quiet:
            return
        if isinstance(e, Waiting):
            if self._live is not None:
                return  # the status line shows the wait as it goes
            line = self.state.waiting_line(e, now)
        elif isinstance(e, Counting) and self._live is None:
            # a large tree's first count takes tens of seconds: a log hears of it every 10 s, and of its end
            if e.done < e.total and now - self._counted_said < COUNTING_EVERY_S:
                return
            self._counted_said = now
            line = f"counting tokens with the server's tokenizer: {e.done:,} of {e.total:,} files"
        else:
            line = describe(e)
        if isinstance(e, ModuleFinished):
            line += " [" + self.state.modules_eta(now) + "]"
        if line:
            self._emit(line, now)
        elif self._live is None and now - self._said_at >= HEARTBEAT_S:
            # a log that has heard nothing for a while (answers decoding, slices in flight) hears the status line
            self._emit("still working: " + self.state.status(now), now)

    def say(self, line: str) -> None:
        self._emit(line, self.clock())

    def _emit(self, line: str, now: float) -> None:
        if not self.quiet:
            self._said_at = now
            emit(self.console, "[dim]·[/] ", line)  # wrapped at words on a terminal, whole in a log

    def _render(self) -> RenderableType:
        self._spinner.update(text=self.state.status(self.clock()))
        return self._spinner
