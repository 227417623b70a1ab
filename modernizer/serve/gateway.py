"""Gateway mode: ``modernize analyze --serve-profile NAME``.

When nothing answers at the (local) endpoint, start the managed server there with that profile,
wait for it, and leave it running under its idle watchdog, so that the next run finds it warm and
the GPU is freed once runs stop coming. When something already answers, use it as it is.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from modernizer.llm.privacy import is_local_host
from modernizer.errors import ProfileError
from modernizer.serve import manager
from modernizer.serve.profiles import Overrides


def endpoint_port(base_url: str) -> int:
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if not is_local_host(host):
        raise ProfileError(f"--serve-profile starts a server on this machine, but the endpoint {base_url} is not local",
                           "drop --serve-profile, or point --endpoint at http://127.0.0.1:PORT/v1")
    if parts.scheme != "http":
        raise ProfileError(f"the managed server speaks plain http on 127.0.0.1, not {parts.scheme}: {base_url}",
                           "use --endpoint http://127.0.0.1:PORT/v1")
    return parts.port or 80


def managed_at(base_url: str, directory: Path) -> manager.ServerState | None:
    """The managed server of DIRECTORY when BASE_URL points at it (same local port), else None."""
    parts = urlsplit(base_url)
    if not parts.hostname or not is_local_host(parts.hostname):
        return None
    state = manager.read_state(directory)
    return state if state is not None and state.port == (parts.port or 80) else None


def ensure_server(base_url: str, profile: str, model: str | None, *, directory: Path,
                  idle_timeout: float = manager.GATEWAY_IDLE_TIMEOUT,
                  startup_timeout: float = manager.DEFAULT_STARTUP_TIMEOUT,
                  overrides: Overrides | None = None, progress: manager.Progress | None = None) -> manager.ServerState | None:
    """The managed server now answering at BASE_URL (started or reused), or None when another
    server already answers there."""
    say = progress or (lambda _m: None)
    port = endpoint_port(base_url)
    if manager.answers(base_url):
        return managed_at(base_url, directory)
    o = overrides or Overrides(python=manager.vllm_python())
    _profile, cmd, _info = manager.prepare_command(profile, model, port, o)
    for n in cmd.notes:
        say(f"serve: {n}")
    started = manager.start(cmd, directory, idle_timeout=idle_timeout, startup_timeout=startup_timeout, reuse=True,
                            progress=say)
    return started.state
