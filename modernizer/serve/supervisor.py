"""The managed server's supervisor: ``python -m modernizer.serve.supervisor LAUNCH.json``.

Runs vLLM as its child (own session, so the whole engine group can be signalled), writes the state
file, and watches it:
- vLLM exits on its own: log it, remove the state, exit with vLLM's code;
- no health within the start-up timeout: stop it (the caller may be gone);
- idle: no request in flight and no API request answered (``/metrics``: ``vllm:num_requests_*``
  and ``http_requests_total``) for ``idle_timeout`` seconds: stop it, freeing the GPU;
- SIGTERM / SIGINT / SIGHUP (``modernize serve --stop``): stop it.
An unreadable ``/metrics`` counts as activity: the watchdog only stops what it saw idle.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from modernizer.serve import manager
from modernizer.llm.metrics import activity
from modernizer.serve.manager import Launch, ServerState


def poll_interval(idle_timeout: float) -> float:
    return 5.0 if idle_timeout <= 0 else min(2.0, max(0.2, idle_timeout / 10))


def main(argv: list[str]) -> int:
    launch_path = Path(argv[1])
    launch = Launch.model_validate_json(launch_path.read_text(encoding="utf-8"))
    launch_path.unlink(missing_ok=True)
    cmd = launch.command
    state_file = Path(launch.state_file)
    log = open(launch.log, "ab", buffering=0)  # noqa: SIM115 (lives as long as the process)

    def say(msg: str) -> None:
        log.write(f"[modernize supervisor {time.strftime('%H:%M:%S')}] {msg}\n".encode())

    stopping: list[str] = []

    def on_signal(signum, _frame) -> None:
        stopping.append(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)

    say(f"starting: {' '.join(cmd.argv)}")
    env = {**os.environ, **cmd.env}
    try:
        proc = subprocess.Popen(cmd.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    except OSError as exc:
        say(f"could not start vLLM: {exc}")
        return 127
    state = ServerState(supervisor_pid=os.getpid(), pid=proc.pid, host=cmd.host, port=cmd.port, profile=cmd.profile,
                        model=cmd.model, served_model_name=cmd.served_model_name, window=cmd.window,
                        max_num_seqs=cmd.max_num_seqs, data_parallel_size=cmd.data_parallel_size,
                        idle_timeout=launch.idle_timeout, started=manager.now_iso(), log=launch.log, argv=cmd.argv,
                        refused_window=cmd.refused_window,
                        planned_pool_tokens=cmd.memory.fits_tokens if cmd.memory else None)
    manager.write_state(state_file, state)
    code = 0
    try:
        code = watch(proc, state, launch, say, stopping, state_file)
    finally:
        running = proc.poll() is None
        manager.stop_group(proc.pid)  # also any engine process left in its group
        if running:
            say(f"vLLM stopped (exit code {proc.poll()})")
        with contextlib.suppress(OSError):
            if ServerState.model_validate_json(state_file.read_text()).supervisor_pid == os.getpid():
                state_file.unlink()
    return code


def watch(proc: subprocess.Popen, state: ServerState, launch: Launch, say, stopping: list[str], state_file: Path) -> int:
    interval = poll_interval(launch.idle_timeout)
    started = time.monotonic()
    last_active = started
    last_seen = None
    client = httpx.Client(timeout=5.0, trust_env=False)
    base = f"http://{state.host}:{state.port}"
    while True:
        rc = proc.poll()
        if rc is not None:
            say(f"vLLM exited on its own with code {rc}")
            return rc or 1
        if stopping:
            say(f"{stopping[0]} received: stopping vLLM")
            return 0
        now = time.monotonic()
        if state.status == "starting":
            try:
                up = client.get(base + "/health").status_code == 200
            except httpx.HTTPError:
                up = False
            if up:
                state.status = "running"
                manager.write_state(state_file, state)
                say(f"healthy after {now - started:.0f} s on {state.base_url}")
                last_active = now
            elif now - started > launch.startup_timeout:
                say(f"not healthy after {launch.startup_timeout:g} s: stopping vLLM")
                return 3
        elif launch.idle_timeout > 0:
            try:
                seen = activity(client.get(base + "/metrics").text)
            except httpx.HTTPError:
                seen = None
            if seen is None or seen.busy or last_seen is None or seen.answered != last_seen.answered:
                last_active = now
            last_seen = seen or last_seen
            if now - last_active >= launch.idle_timeout:
                say(f"idle for {now - last_active:.0f} s (--idle-timeout {launch.idle_timeout:g}): stopping vLLM to free the GPU")
                return 0
        nap(0.5 if state.status == "starting" else interval, stopping)


def nap(seconds: float, stopping: list[str], step: float = 0.2) -> None:
    """Sleep up to SECONDS, waking within STEP of a stop signal: time.sleep resumes after a signal
    handler (PEP 475), so one long sleep would hold `serve --stop` (and Ctrl-C) up to 5 s."""
    deadline = time.monotonic() + seconds
    while not stopping and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(step, left))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
