"""Which NVIDIA GPUs this machine has, from ``nvidia-smi``.

``parse_nvidia_smi`` is pure (tested on captured output); ``detect_gpus`` runs the command.
No ``nvidia-smi``, or one that fails, means no GPUs: the caller decides what that implies.
Unified-memory parts (DGX Spark's GB10) report memory as ``[N/A]``: kept as ``None``.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess

from pydantic import BaseModel, Field

QUERY = "index,name,memory.total,memory.free,driver_version"
NVIDIA_SMI_ARGS = [f"--query-gpu={QUERY}", "--format=csv,noheader,nounits"]


class GPU(BaseModel):
    index: int
    name: str
    memory_total_mib: int | None = Field(default=None, description="None where the GPU shares system memory (GB10)")
    memory_free_mib: int | None = None
    driver: str | None = None

    @property
    def total_gib(self) -> float | None:
        return None if self.memory_total_mib is None else self.memory_total_mib / 1024

    @property
    def free_gib(self) -> float | None:
        return None if self.memory_free_mib is None else self.memory_free_mib / 1024


class GPUInfo(BaseModel):
    gpus: list[GPU] = Field(default_factory=list)
    source: str = Field(default="", description="how they were found, or why none were")


def _number(text: str) -> int | None:
    try:
        return int(float(text))
    except ValueError:
        return None  # "[N/A]", "[Not Supported]"


def parse_nvidia_smi(text: str) -> list[GPU]:
    """Rows of ``index, name, memory.total, memory.free, driver_version`` (MiB, no units)."""
    gpus: list[GPU] = []
    for row in csv.reader(line for line in text.splitlines() if line.strip()):
        cells = [c.strip() for c in row]
        if len(cells) < 4 or _number(cells[0]) is None:
            continue
        gpus.append(GPU(index=int(cells[0]), name=cells[1], memory_total_mib=_number(cells[2]),
                        memory_free_mib=_number(cells[3]), driver=cells[4] if len(cells) > 4 and cells[4] else None))
    return gpus


def nvidia_smi_path() -> str | None:
    """``MODERNIZE_NVIDIA_SMI`` (tests point it at a stand-in) or the one on PATH."""
    return os.environ.get("MODERNIZE_NVIDIA_SMI") or shutil.which("nvidia-smi")


def detect_gpus(timeout: float = 15.0) -> GPUInfo:
    exe = nvidia_smi_path()
    if not exe:
        return GPUInfo(source="nvidia-smi not found")
    try:
        done = subprocess.run([exe, *NVIDIA_SMI_ARGS], capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:  # $MODERNIZE_NVIDIA_SMI naming nothing: the same as none on PATH
        return GPUInfo(source="nvidia-smi not found")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return GPUInfo(source=f"nvidia-smi failed ({exc.__class__.__name__})")
    if done.returncode != 0:
        why = (done.stderr or done.stdout).strip().splitlines()
        return GPUInfo(source=f"nvidia-smi exited {done.returncode}" + (f": {why[0][:200]}" if why else ""))
    gpus = parse_nvidia_smi(done.stdout)
    return GPUInfo(gpus=gpus, source="nvidia-smi" if gpus else "nvidia-smi lists no GPU")


def describe(gpus: list[GPU]) -> str:
    if not gpus:
        return "none"
    parts = []
    for g in gpus:
        mem = "shared system memory" if g.memory_total_mib is None else \
            f"{g.total_gib:.1f} GiB, {g.free_gib:.1f} GiB free" if g.memory_free_mib is not None else f"{g.total_gib:.1f} GiB"
        parts.append(f"#{g.index} {g.name} ({mem})")
    return "; ".join(parts)
