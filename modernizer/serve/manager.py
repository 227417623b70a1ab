"""Starting, finding and stopping the managed vLLM server. I/O.

Shape: ``start`` spawns a small supervisor process (``python -m modernizer.serve.supervisor``) in
its own session; the supervisor starts vLLM (also in its own session, bound to 127.0.0.1), writes
the state file, watches ``/metrics`` and stops vLLM after ``idle_timeout`` seconds without a
request, or when it is sent SIGTERM (``modernize serve --stop``), then removes the state file.
``start`` itself waits for ``/health`` with a start-up timeout and stops waiting the moment the
supervisor exits (vLLM died), quoting the end of the log.

One managed server per state directory: ``--state-dir``, ``$MODERNIZE_STATE_DIR``, or
``~/.cache/modernizer``; it holds ``server.json`` (pid, port, profile, started...), ``server.log``
(vLLM's output and the supervisor's lines) and ``server.lock``.

HTTP: the manager and the supervisor poll only vLLM's operational endpoints (``/health``,
``/metrics``) on 127.0.0.1, with plain httpx and short timeouts. That is deliberate: they run
outside any analysis (the supervisor in its own process, without an event loop), and they never
send code. Everything an analysis sends goes through ``modernizer.llm.client``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from modernizer.fs import write_atomic
from modernizer.userdirs import cache_home
from modernizer.errors import ModernizerError, ProfileError, ServerStartFailed
from modernizer.serve import profiles, vllmcheck, vllmlog
from modernizer.serve.gpus import GPUInfo, detect_gpus
from modernizer.serve.profiles import Overrides, Profile, ServeCommand
from modernizer.serve.process import (  # noqa: F401 - found here too
    answers, healthy, pid_alive, port_open, stop_group, wait_gone)

STATE_FILE = "server.json"
LOG_FILE = "server.log"
LOCK_FILE = "server.lock"
SUPERVISOR_MODULE = "modernizer.serve.supervisor"
DEFAULT_STARTUP_TIMEOUT = 900.0  # a 30B model from disk plus CUDA graph capture: minutes
GATEWAY_IDLE_TIMEOUT = 900.0
PROGRESS_EVERY = 20.0  # seconds between "still waiting" lines while a start takes minutes

Progress = Callable[[str], None]


class ServerAlreadyRunning(ModernizerError):
    """This state directory's managed server is running already (on another port, or asked for by
    `serve`): exit 2, like the other problems found before anything starts; `serve --stop` ends it.
    (Exit 3 is a server that could not start: its port taken by another program, or it died or never got healthy.)"""

    exit_code = 2


def state_dir(explicit: Path | str | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("MODERNIZE_STATE_DIR")
    if env:
        return Path(env).expanduser()
    return cache_home()


def vllm_python() -> str:
    """The interpreter that should have vLLM: ``$MODERNIZE_VLLM_PYTHON``, else this one (after
    ``pip install '.[serve]'`` from the clone; ``vllmcheck`` asks it before a start)."""
    return os.environ.get("MODERNIZE_VLLM_PYTHON") or sys.executable


class ServerState(BaseModel):
    supervisor_pid: int
    pid: int = Field(description="vLLM's process (leader of its own process group)")
    host: str
    port: int
    profile: str
    model: str
    served_model_name: str
    window: int
    max_num_seqs: int
    data_parallel_size: int = 1
    idle_timeout: float = Field(description="seconds without a request before it stops itself; 0: never")
    started: str
    log: str
    argv: list[str]
    status: Literal["starting", "running"] = "starting"
    refused_window: int | None = Field(default=None, description="the window vLLM refused before this start (serve retried)")
    planned_pool_tokens: int | None = Field(default=None, description="the KV pool the profile's arithmetic expected, in tokens")

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def concurrency(self) -> int:
        return self.max_num_seqs * self.data_parallel_size


class Launch(BaseModel):
    """What the supervisor is told to run (written by ``start``, read once by the supervisor)."""

    command: ServeCommand
    state_file: str
    log: str
    idle_timeout: float
    startup_timeout: float


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def log_tail(path: Path | str, lines: int = 25) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.rstrip().splitlines()[-lines:]) or "(empty log)"


# -- state ---------------------------------------------------------------------------------------
def write_state(path: Path, state: ServerState) -> None:
    write_atomic(path, state.model_dump_json(indent=1))


def read_state(directory: Path) -> ServerState | None:
    """The running managed server, or None. A state file whose supervisor and vLLM are both gone is
    removed; one whose vLLM outlived its supervisor (killed with -9) is kept, so --stop can stop it."""
    path = directory / STATE_FILE
    try:
        state = ServerState.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if pid_alive(state.supervisor_pid, expect=SUPERVISOR_MODULE) or pid_alive(state.pid, expect=profiles.VLLM_PROCESS):
        return state
    with contextlib.suppress(OSError):
        path.unlink()
    return None


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """One starter at a time per state directory (two gateway runs must not start two servers)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_FILE, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# -- building the command (I/O: GPUs, the model's config) ----------------------------------------
def local_model_config(model: str | None) -> dict | None:
    if not model:
        return None
    path = Path(model).expanduser() / "config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def prepare_command(profile_name: str | None, model: str | None, port: int, overrides: Overrides,
                    gpu_info: GPUInfo | None = None) -> tuple[Profile, ServeCommand, GPUInfo]:
    """Detect GPUs, pick or look up the profile, read a local model's config, build the command."""
    info = gpu_info if gpu_info is not None else detect_gpus()
    profile = profiles.get_profile(profile_name) if profile_name else profiles.select_profile(info.gpus, why=info.source)
    gpus = info.gpus if profile.device == "cuda" else []
    if model and profile.device == "cuda" and not Path(model).expanduser().exists() and model.startswith((".", "/", "~")):
        raise ProfileError(f"--model {model}: no such directory", "pass a local checkpoint directory or a Hugging Face model id")
    if model and Path(model).expanduser().exists():
        model = str(Path(model).expanduser().resolve())  # the supervisor may not share our working directory
    cmd = profiles.build_command(profile, model, gpus, port, overrides, local_model_config(model))
    return profile, cmd, info


# -- start / stop --------------------------------------------------------------------------------
class Started(BaseModel):
    state: ServerState
    supervisor: subprocess.Popen | None = Field(default=None, description="None when an existing server was reused")

    model_config = {"arbitrary_types_allowed": True}


def start(cmd: ServeCommand, directory: Path, *, idle_timeout: float = 0.0,
          startup_timeout: float = DEFAULT_STARTUP_TIMEOUT, reuse: bool = False,
          progress: Progress | None = None) -> Started:
    """Start CMD under a supervisor and wait until it is healthy.

    REUSE: when this state directory already has a managed server on the same port, wait for it
    and return it instead of failing (the gateway)."""
    say = progress or (lambda _m: None)
    with locked(directory):
        current = read_state(directory)
        if current is not None:
            if reuse and current.port == cmd.port:
                say(f"managed server (profile {current.profile}, pid {current.pid}) is {current.status}; waiting for it")
                sup_pid = current.supervisor_pid
                _wait_healthy(lambda: None if pid_alive(sup_pid, SUPERVISOR_MODULE) else -1, current.port,
                              startup_timeout, Path(current.log), current.profile, current.argv[0], say)
                return Started(state=read_state(directory) or current)
            raise ServerAlreadyRunning(
                f"a managed server is already running: profile {current.profile}, pid {current.pid}, "
                f"{current.base_url}, started {current.started}",
                f"use it (--endpoint {current.base_url}), or stop it first: modernize serve --stop"
                + (f" --state-dir {directory}" if directory != state_dir() else ""))
        if port_open(cmd.port):
            raise ServerStartFailed(f"port {cmd.port} on 127.0.0.1 is taken by another program",
                                    "pick another with --port, or stop what listens there")
        found = vllmcheck.require(cmd.argv[0], cmd.env, cmd.device)  # before anything is spawned: a missing vLLM is said plainly
        version = f" (vLLM {found.version})" if found.version else ""
        sup = _launch(cmd, directory, idle_timeout, startup_timeout, version, say)
        state = _wait_state(directory, sup)
    say(f"vLLM is healthy on {cmd.base_url} (pid {state.pid})"
        + (f"; it stops after {idle_timeout:g} s without requests" if idle_timeout > 0 else ""))
    return Started(state=state, supervisor=sup)


def _launch(cmd: ServeCommand, directory: Path, idle_timeout: float, startup_timeout: float, version: str,
            say: Progress) -> subprocess.Popen:
    """Spawn the supervisor for CMD and wait until vLLM is healthy. When vLLM refuses the window and
    names the length that fits ("estimated maximum model length"), start once more at that length,
    rounded down to the block, and say so; a second refusal fails like any other start."""
    for attempt in (1, 2):
        log = directory / LOG_FILE
        if log.exists():  # the refused start's log stays beside the new one, as server.log.1
            os.replace(log, log.with_name(LOG_FILE + ".1"))
        launch_path = directory / f"launch-{uuid.uuid4().hex[:8]}.json"
        launch_path.write_text(Launch(command=cmd, state_file=str(directory / STATE_FILE), log=str(log),
                                      idle_timeout=idle_timeout, startup_timeout=startup_timeout).model_dump_json(),
                               encoding="utf-8")
        say(f"starting vLLM (profile {cmd.profile}, window {cmd.window:,}) on {cmd.base_url} with {cmd.argv[0]}{version}; log {log}")
        with open(log, "ab") as out:
            sup = subprocess.Popen([sys.executable, "-m", SUPERVISOR_MODULE, str(launch_path)], stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_healthy(sup.poll, cmd.port, startup_timeout, log, cmd.profile, cmd.argv[0], say, device=cmd.device)
            return sup
        except ServerStartFailed:
            _end(sup)  # a start given up on leaves nothing running
            retry = vllmlog.window_retry(cmd, _read(log)) if attempt == 1 else None
            if retry is None:
                raise
            refusal, cmd = retry
            say(vllmlog.window_retry_line(refusal, cmd))
        except KeyboardInterrupt:
            _end(sup)
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _wait_state(directory: Path, sup: subprocess.Popen) -> ServerState:
    for _ in range(100):
        state = read_state(directory)
        if state is not None and state.status == "running":
            return state
        if sup.poll() is not None:
            break
        time.sleep(0.1)
    state = read_state(directory)
    if state is None:
        raise ServerStartFailed(f"the supervisor left no state in {directory}", f"see {directory / LOG_FILE}")
    return state


def _end(sup: subprocess.Popen) -> None:
    """Stop a supervisor that is still starting (it stops vLLM), and reap it."""
    with contextlib.suppress(ProcessLookupError):
        sup.terminate()
    try:
        sup.wait(timeout=60)
    except subprocess.TimeoutExpired:
        sup.kill()
        sup.wait()


def _wait_healthy(exited: Callable[[], int | None], port: int, timeout: float, log: Path, profile: str,
                  python: str, progress: Progress, every: float | None = None, device: str = "cuda") -> None:
    """Poll /health until it answers; EXITED gives the supervisor's exit code once it is gone.
    A start can take minutes (weights from disk, graph capture), so PROGRESS hears every EVERY s
    (default PROGRESS_EVERY) that it is still waiting, and where the log is."""
    every = PROGRESS_EVERY if every is None else every
    t0 = time.monotonic()
    next_note = t0 + every
    while True:
        rc = exited()
        if rc is not None:
            tail = log_tail(log)
            raise ServerStartFailed(
                f"the managed vLLM (profile {profile}) exited while starting (exit code {rc}); the end of {log}:\n{tail}",
                exit_hint(tail, python, device))
        if healthy(port):
            return
        now = time.monotonic()
        if now - t0 > timeout:
            raise ServerStartFailed(
                f"the managed vLLM (profile {profile}) did not become healthy in {timeout:g} s and was stopped; "
                f"the end of {log}:\n{log_tail(log)}",
                "a large model can take minutes to load: raise --startup-timeout, or check the log")
        if now >= next_note:
            progress(waiting_line(now - t0, timeout, port, log))
            next_note = now + every
        time.sleep(0.5)


def waiting_line(elapsed: float, timeout: float, port: int, log: Path) -> str:
    """The periodic line while a start is under way: how long, for what, until when, and where to look."""
    last = last_log_line(log)
    return (f"still waiting for vLLM to answer http://127.0.0.1:{port}/health: {elapsed:.0f} s of at most {timeout:g} s; "
            f"log {log}" + (f" (last line: {last})" if last else ""))


def last_log_line(log: Path, limit: int = 120) -> str:
    """The log's last non-empty line, after any carriage return (progress bars), cut to LIMIT."""
    try:
        with open(log, "rb") as fh:
            fh.seek(max(0, fh.seek(0, os.SEEK_END) - 4096))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.rsplit("\r", 1)[-1].strip() for line in text.splitlines()]
    last = "".join(ch for ch in next((line for line in reversed(lines) if line), "") if ch.isprintable())
    return last if len(last) <= limit else last[: limit - 1] + "…"


def exit_hint(log_tail_text: str, python: str, device: str = "cuda") -> str:
    """What to do about a start that died: a missing vLLM is named as such, a refused window with the
    length vLLM said fits, anything else is in the log."""
    if vllmcheck.log_says_missing(log_tail_text):
        return f"{python} cannot import vLLM: " + vllmcheck.install_hint(python, device)
    refusal = vllmlog.refused_window(log_tail_text)
    if refusal is not None:
        fits = f" (it estimated {refusal.estimate:,} tokens fit)" if refusal.estimate else ""
        return (f"vLLM has {refusal.available_gib:g} GiB for the KV cache and the {refusal.asked:,}-token window needs "
                f"{refusal.needed_gib:g}: pass a smaller --window{fits}, or free GPU memory")
    return "fix what the log says (memory, model path, flags), or try `modernize serve --dry-run` to see the command"


def stop(directory: Path, timeout: float = 60.0) -> ServerState | None:
    """Stop the managed server of DIRECTORY; None when there is none."""
    state = read_state(directory)
    if state is None:
        return None
    if pid_alive(state.supervisor_pid, expect=SUPERVISOR_MODULE):
        with contextlib.suppress(ProcessLookupError):
            os.kill(state.supervisor_pid, signal.SIGTERM)  # it stops vLLM and removes the state
        if not wait_gone(state.supervisor_pid, timeout, expect=SUPERVISOR_MODULE):
            with contextlib.suppress(ProcessLookupError):
                os.kill(state.supervisor_pid, signal.SIGKILL)
    if pid_alive(state.pid, expect=profiles.VLLM_PROCESS):
        stop_group(state.pid, grace=10.0)
    with contextlib.suppress(OSError):
        (directory / STATE_FILE).unlink()
    return state


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
