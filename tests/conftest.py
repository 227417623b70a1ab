"""Test setup: a real vLLM (CPU build) serving a tiny random-weight model, once per session.

The model is built here from a config and a locally trained tokenizer (tests/support/tiny_model.py),
so nothing is downloaded. `make install` puts the CPU vLLM in .venv-vllm; MODERNIZE_TEST_VLLM_PYTHON
points elsewhere if you keep it somewhere else.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_repos"
HOTEL = SAMPLES / "legacy-hotel"
CACHE = ROOT / ".cache"
sys.path.insert(0, str(ROOT / "tests"))

from support import cpu_server  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    from support.tiny_model import build

    return build(CACHE / "tiny-model", ROOT)


def start_server(model_dir: Path, max_len: int, name: str, extra: list[str] | None = None) -> cpu_server.VllmServer:
    try:
        return cpu_server.start(model_dir, max_len, name, extra=extra)
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def vllm_server(tiny_model: Path):
    server = start_server(tiny_model, 65536, "main")
    yield server
    cpu_server.stop(server)


@pytest.fixture(scope="session")
def vllm_small(tiny_model: Path):
    """A second server whose real window is small (8192), so the hotel sample must be chunked."""
    server = start_server(tiny_model, 8192, "small")
    yield server
    cpu_server.stop(server)


@pytest.fixture(scope="session")
def vllm_reasoning():
    """A server as the GPU profiles start one for thinking: the tiny model's reasoning variant (think
    markers as special tokens, a Nemotron-style chat template) behind --reasoning-parser nemotron_v3."""
    from support.tiny_model import build

    server = start_server(build(CACHE / "tiny-think", ROOT, max_len=8192, think=True), 8192, "think",
                          extra=["--reasoning-parser", "nemotron_v3"])
    yield server
    cpu_server.stop(server)


@pytest.fixture()
def hotel_copy(tmp_path: Path) -> Path:
    """A private copy of the sample, so a test may change it."""
    dest = tmp_path / "legacy-hotel"
    shutil.copytree(HOTEL, dest)
    return dest


@pytest.fixture(scope="session", autouse=True)
def private_user_folders(tmp_path_factory):
    """modernizer's per-user cache and data folders, for this test session only (inherited by the
    programs the tests start), so that tests neither read nor fill the developer's own."""
    import os

    home = tmp_path_factory.mktemp("user-folders")
    saved = {k: os.environ.get(k) for k in ("MODERNIZE_CACHE_HOME", "MODERNIZE_DATA_HOME")}
    os.environ["MODERNIZE_CACHE_HOME"] = str(home / "cache")
    os.environ["MODERNIZE_DATA_HOME"] = str(home / "data")
    yield home
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session", autouse=True)
def candidates_off_unless_asked():
    """The static candidates pass (Semgrep) costs ~6 s of start-up per run (more under load) on 2 cores: runs that
    are not about candidates leave it off ($MODERNIZE_CANDIDATES=off, inherited by the programs
    they start); the tests about candidates ask for it (--candidates, AnalyzeOptions(candidates=True))."""
    import os

    saved = os.environ.get("MODERNIZE_CANDIDATES")
    os.environ["MODERNIZE_CANDIDATES"] = "off"
    yield
    if saved is None:
        os.environ.pop("MODERNIZE_CANDIDATES", None)
    else:
        os.environ["MODERNIZE_CANDIDATES"] = saved


@pytest.fixture(scope="session", autouse=True)
def samples_stay_clean():
    """Tests read sample_repos/; none may leave a cache or report behind in it."""
    yield
    leftovers = sorted(str(p.relative_to(ROOT)) for p in SAMPLES.rglob(".modernize"))
    assert not leftovers, f"a test wrote into sample_repos: {leftovers}"


@pytest.fixture(scope="session", autouse=True)
def no_editor_of_the_developer():
    """`modernize review`'s [e] opens $VISUAL/$EDITOR when set: the developer's own must not open in
    a test (the tests about the editor set a script as EDITOR themselves)."""
    import os

    saved = {k: os.environ.pop(k, None) for k in ("VISUAL", "EDITOR")}
    yield
    os.environ.update({k: v for k, v in saved.items() if v is not None})
