"""The result cache: per user and outside the analysed tree, never trusted from inside it, and
never the reason a run stops or hangs (damaged entries, a full or read-only disk).

Runs against the real CPU vLLM on a five-file slice of the hotel sample (quick to analyse).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from modernizer.userdirs import repo_key
from support.hostile import FILES, HOTEL, tree_state

pytestmark = pytest.mark.vllm
MODERNIZE = str(Path(sys.executable).with_name("modernize"))


def slice_repo(where: Path) -> Path:
    for rel in FILES:
        (where / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(HOTEL / rel, where / rel)
    return where


def run(args: list[str], home: Path, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess, dict | None]:
    env = dict(os.environ, MODERNIZE_CACHE_HOME=str(home / "cache"), MODERNIZE_DATA_HOME=str(home / "data"))
    res = subprocess.run([MODERNIZE, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=900)
    assert "Traceback" not in res.stderr, res.stderr
    paths = [Path(line) for line in res.stdout.splitlines() if line.endswith(".json")]
    return res, (json.loads(paths[-1].read_text()) if paths else None)


def test_the_cache_lives_per_user_outside_the_tree_and_an_unchanged_rerun_is_free(vllm_server, tmp_path):
    repo = slice_repo(tmp_path / "shop")
    before = tree_state(repo)
    # run from inside the repository with the default output folder: nothing may land in the tree
    res, first = run(["analyze", ".", "--endpoint", vllm_server.base_url, "-f", "json"], tmp_path, cwd=repo)
    assert res.returncode in (0, 5), res.stderr
    assert "./reports would be inside the analysed repository" in res.stderr
    assert tree_state(repo) == before
    cache = Path(first["result_cache"]["directory"])
    assert cache == tmp_path / "cache" / "results" / repo_key(repo) and cache.name.startswith("shop-")
    asked = first["summary"]["model_requests"]
    assert asked > 0 and first["result_cache"]["writes"] > 0

    res, second = run(["analyze", str(repo), "--endpoint", vllm_server.base_url, "-o", str(tmp_path / "out"), "-f", "json"], tmp_path)
    assert second["summary"]["model_requests"] == 0, "an unchanged tree must be answered from the cache"
    assert second["result_cache"]["hits"] == first["result_cache"]["writes"]
    assert tree_state(repo) == before


def test_a_cache_inside_the_tree_is_refused_and_one_shipped_in_it_is_never_read(vllm_server, tmp_path):
    repo = slice_repo(tmp_path / "shop")
    res, _ = run(["analyze", str(repo), "--endpoint", vllm_server.base_url, "--cache-dir", str(repo / "cache")], tmp_path)
    assert res.returncode == 2 and "is inside the analysed repository" in res.stderr and "ship answers" in res.stderr

    # a real run's entries, doctored and shipped inside the tree where an older version kept them
    res, first = run(["analyze", str(repo), "--endpoint", vllm_server.base_url, "-o", str(tmp_path / "o1"), "-f", "json"], tmp_path)
    ours = Path(first["result_cache"]["directory"])
    shipped = repo / ".modernize" / "cache"
    shutil.copytree(ours, shipped)
    for entry in shipped.glob("*/*.json"):
        data = json.loads(entry.read_text())
        data["output"] = {**(data.get("output") or {}), "summary": "SHIPPED-ANSWER"}
        entry.write_text(json.dumps(data))
    fresh = tmp_path / "elsewhere"
    res, report = run(["analyze", str(repo), "--endpoint", vllm_server.base_url, "-o", str(tmp_path / "o2"), "-f", "json"], fresh)
    assert "SHIPPED-ANSWER" not in json.dumps(report)
    assert report["summary"]["model_requests"] > 0  # asked the model, did not take the shipped answers
    assert any("was not read" in n and ".modernize" in n for n in report["notes"])
    assert not any(".modernize" in s["path"] for s in report["skipped"])  # nor listed: the prompts do not change


def test_damaged_entries_are_counted_misses_in_a_chunked_run_that_finishes(vllm_server, tmp_path):
    repo = slice_repo(tmp_path / "shop")
    args = ["analyze", str(repo), "--endpoint", vllm_server.base_url, "--mode", "modules", "-f", "json"]
    res, first = run([*args, "-o", str(tmp_path / "o1")], tmp_path)
    assert res.returncode in (0, 5), res.stderr
    entries = sorted(Path(first["result_cache"]["directory"]).glob("*/*.json"))
    assert len(entries) >= 3
    entries[0].write_bytes(b'{"agent": "\xff\xfe not utf-8')          # invalid UTF-8 (this hung a chunked run)
    entries[1].unlink()
    entries[1].mkdir()                                                # a folder where the entry should be
    entries[2].write_text(entries[2].read_text()[:40])                # torn by a crash
    res, second = run([*args, "-o", str(tmp_path / "o2")], tmp_path)
    assert res.returncode in (0, 5), res.stderr
    assert second["result_cache"]["corrupt"] == 3
    assert 3 <= second["summary"]["model_requests"]
    assert second["result_cache"]["write_errors"] == 1  # the folder could not be replaced by the fresh answer
    assert any("3 damaged result-cache entries" in n for n in second["notes"])


def test_a_cache_that_cannot_be_written_is_turned_off_and_the_run_goes_on(vllm_server, tmp_path, monkeypatch):
    repo = slice_repo(tmp_path / "shop")
    res, report = run(["analyze", str(repo), "--endpoint", vllm_server.base_url, "-o", str(tmp_path / "o"), "-f", "json",
                       "--cache-dir", "/proc/modernize-cache"], tmp_path)
    assert res.returncode in (0, 5), res.stderr
    assert "result cache turned off: cannot write to /proc/modernize-cache" in res.stderr
    assert report["result_cache"]["disabled"] and report["summary"]["model_requests"] > 0
    assert any("turned off" in n for n in report["notes"])

    # a disk that fills up in the middle of the run
    import asyncio

    from modernizer.run.analysis import AnalyzeOptions, analyze
    from modernizer.llm.client import Endpoint
    from modernizer.events import describe

    import os

    real = os.open

    def full(path, flags, *a, **k):  # the cache's private files are created through os.open (fs.write_atomic)
        p = Path(path) if not isinstance(path, int) else None
        if p is not None and p.name.endswith(".modernize-tmp") and p.parent.parent == tmp_path / "c2":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", full)
    said: list[str] = []
    opts = AnalyzeOptions(endpoint=Endpoint(base_url=vllm_server.base_url), cache_dir=tmp_path / "c2")
    report = asyncio.run(analyze(repo, opts, events=lambda e: said.append(describe(e))))
    assert report.result_cache.disabled and "No space left on device" in report.result_cache.disabled
    assert report.agents and any("result cache turned off" in m for m in said)
