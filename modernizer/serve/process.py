"""The managed server's processes and port as the manager sees them from outside: is a pid alive (and
still ours), stop its process group, does its port accept, does it answer /health and /models."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from pathlib import Path

import httpx


def pid_alive(pid: int, expect: str | None = None) -> bool:
    """True while PID runs (zombies count as gone); EXPECT: a string its command line must contain
    (guards against a recycled pid in a stale state file)."""
    with contextlib.suppress(ChildProcessError, OSError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child that has exited: reap it
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path(f"/proc/{pid}")
    with contextlib.suppress(OSError):
        if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
        if expect and expect.encode() not in (proc / "cmdline").read_bytes():
            return False
    return True


def wait_gone(pid: int, timeout: float, expect: str | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid, expect):
            return True
        time.sleep(0.2)
    return not pid_alive(pid, expect)


def stop_group(pid: int, grace: float = 30.0) -> None:
    """SIGTERM the process group PID leads (vLLM and its engine processes), SIGKILL after GRACE."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        if wait_gone(pid, wait):
            # the leader is gone; make sure no engine process of its group lingers
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            return


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def healthy(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> bool:
    try:
        r = httpx.get(f"http://{host}:{port}/health", timeout=timeout, trust_env=False)
    except httpx.HTTPError:
        return False
    return r.status_code == 200


def answers(base_url: str, timeout: float = 3.0) -> bool:
    """Does an OpenAI-compatible server answer ``/models`` at BASE_URL?"""
    try:
        r = httpx.get(base_url.rstrip("/") + "/models", timeout=timeout, trust_env=False)
    except httpx.HTTPError:
        return False
    return r.status_code == 200
