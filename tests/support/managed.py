"""Shared by the managed-server tests: an isolated state directory and a polling helper."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from modernizer.serve import manager


@pytest.fixture()
def state_dir(tmp_path, monkeypatch) -> Path:
    """A private MODERNIZE_STATE_DIR and no GPUs; whatever a test started is stopped afterwards."""
    d = tmp_path / "state"
    monkeypatch.setenv("MODERNIZE_STATE_DIR", str(d))
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(tmp_path / "no-nvidia-smi"))
    yield d
    manager.stop(d, timeout=20)


def wait_until(cond, timeout: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()
