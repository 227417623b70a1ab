"""What vLLM's start-up log says about memory: the figures it measured, and a window it refused. Pure.

The profile's window is an estimate made before vLLM starts; vLLM measures the real thing while it
starts (weights loaded, activations profiled, CUDA graphs captured) and logs it. These lines are how
``serve`` corrects itself (a refused window is retried once at vLLM's own estimate) and how doctor
shows the pool actually served beside the plan. The texts are vLLM's, checked on 0.26 (H100, from the
issue-18 run) and on the 0.32 CPU build (tests/test_serve_window_retry.py):

- ``Model loading took 43.86 GiB memory and 61.2 seconds`` (GPU runners only);
- ``Available KV cache memory: 25.71 GiB`` (GPU);
- ``GPU KV cache size: 896,948 tokens`` (``CPU KV cache size`` on the CPU build);
- the refusal, raised as a ValueError while the engine starts: ``To serve at least one request with
  the model's max seq len (1048576), (30.01 GiB KV cache is needed, which is larger than the available
  KV cache memory (25.71 GiB). Based on the available memory, the estimated maximum model length is
  896512. ...``
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from modernizer.serve.profiles import MIN_WINDOW, ServeCommand

_REFUSAL = re.compile(
    r"max seq len \((\d+)\), \(([\d.]+) GiB KV cache is needed, which is larger than the available KV cache "
    r"memory \(([\d.]+) GiB\)\.(?: Based on the available memory, the estimated maximum model length is (\d+)\.)?")
_LOADED = re.compile(r"Model loading took ([\d.]+) GiB")
_AVAILABLE = re.compile(r"Available KV cache memory: ([\d.]+) GiB")
_POOL = re.compile(r"(?:GPU|CPU|XPU|TPU)(?: \+ host)? KV cache size: ([\d,]+) tokens")


class WindowRefusal(BaseModel):
    """vLLM would not start: one request of the asked window needs more KV cache than it has."""

    asked: int = Field(description="the --max-model-len it refused")
    needed_gib: float
    available_gib: float
    estimate: int | None = Field(default=None, description="vLLM's 'estimated maximum model length', when it names one")


class StartFigures(BaseModel):
    """What vLLM measured while starting (None: not in the log)."""

    weights_gib: float | None = None
    kv_available_gib: float | None = None
    pool_tokens: int | None = None


def _last(pattern: re.Pattern, text: str) -> re.Match | None:
    found = None
    for found in pattern.finditer(text):
        pass
    return found


def refused_window(text: str) -> WindowRefusal | None:
    """The last window refusal in a log (vLLM repeats the message in its traceback and its summary)."""
    m = _last(_REFUSAL, text)
    if m is None:
        return None
    return WindowRefusal(asked=int(m.group(1)), needed_gib=float(m.group(2)), available_gib=float(m.group(3)),
                         estimate=int(m.group(4)) if m.group(4) else None)


def start_figures(text: str) -> StartFigures:
    """The last start's memory figures in a log (a log may hold a refused start before the one that ran)."""
    loaded, available, pool = _last(_LOADED, text), _last(_AVAILABLE, text), _last(_POOL, text)
    return StartFigures(weights_gib=float(loaded.group(1)) if loaded else None,
                        kv_available_gib=float(available.group(1)) if available else None,
                        pool_tokens=int(pool.group(1).replace(",", "")) if pool else None)


def retry_window(refusal: WindowRefusal, block: int, minimum: int = 1) -> int | None:
    """The window to try once more: vLLM's estimate rounded down to BLOCK (the attention block the
    profile computed; vLLM's estimate already fits whole blocks, so this only guards a wrong block),
    or None when there is no estimate, it is not below the refused window, or it is under MINIMUM."""
    if not refusal.estimate:
        return None
    block = max(1, block)
    window = refusal.estimate // block * block
    if window < max(1, minimum) or window >= refusal.asked:
        return None
    return window


def window_retry(cmd: ServeCommand, log_text: str) -> tuple[WindowRefusal, ServeCommand] | None:
    """The command to start again when the log says vLLM refused CMD's window and estimated one that
    fits (a GPU window under MIN_WINDOW is not worth a second start: the refusal stands)."""
    refusal = refused_window(log_text)
    if refusal is None or refusal.asked != cmd.window:
        return None
    window = retry_window(refusal, cmd.block, MIN_WINDOW if cmd.device == "cuda" else 1)
    return None if window is None else (refusal, cmd.with_window(window))


def window_retry_line(refusal: WindowRefusal, cmd: ServeCommand) -> str:
    """The one line that says the window was corrected, and why."""
    block = f", rounded down to the {cmd.block:,}-token block" if cmd.block > 1 and cmd.window != refusal.estimate else ""
    return (f"vLLM refused the {refusal.asked:,}-token window ({refusal.needed_gib:g} GiB of KV cache needed, "
            f"{refusal.available_gib:g} GiB available): restarting once at its estimated maximum, {cmd.window:,} tokens{block}")
