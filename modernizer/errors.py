"""User-facing errors.

Every failure a person can cause or fix (bad path, no server, context overflow) is raised as a
``ModernizerError`` carrying a one-line message and a hint, so the CLI can print both and exit
with a stable code instead of a traceback.
"""

from __future__ import annotations


class ModernizerError(Exception):
    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class InputError(ModernizerError):
    """The path given to analyse is missing, not a directory, or has nothing to analyse."""


class ServerUnavailable(ModernizerError):
    """No model server answers at the endpoint (connection refused, DNS, timeout on connect)."""

    exit_code = 3


class ServerError(ModernizerError):
    """The server answered, but with an error it kept repeating (5xx, overload) past our retries."""

    exit_code = 3


class ContextOverflow(ModernizerError):
    """The rendered codebase does not fit the model's window minus the reserved output."""

    exit_code = 4


class RemoteEndpointRefused(ModernizerError):
    """The endpoint is not on this machine and the user did not allow it."""


class ProfileError(ModernizerError):
    """A serve profile cannot be used as asked: unknown name, missing GPUs, does not fit the memory."""


class ServerStartFailed(ModernizerError):
    """The managed vLLM server exited while starting, or did not become healthy in time."""

    exit_code = 3
