"""`review` tried without a GPU (issue 22, item 3): the shipped example report, built by
docs/make_screenshot.py from the labelled sample, says everywhere that it is not a model run, and
the walk docs/review.md describes works end to end through the real CLI on a git copy of the
sample: details, a false positive, a fix written in $EDITOR (a sed script here), apply, undo, quit,
resume, undo again. The reviewer's checkout is byte-identical all along; nothing is left behind."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import HOTEL, ROOT
from modernizer.render import RENDERERS
from modernizer.report.files import load_report
from modernizer.findings.suppressions import FILENAME
from support.review_fixtures import git, git_init

EXAMPLE = ROOT / "examples" / "review" / "legacy-hotel-example.json"
USERDAO = "src/main/java/com/grandhotel/dao/UserDao.java"


def script():
    spec = importlib.util.spec_from_file_location("make_screenshot", ROOT / "docs" / "make_screenshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def snapshot(repo: Path) -> tuple:
    """The reviewer's side, byte for byte: HEAD, branch, index, status (ignored files too) and every file."""
    files = sorted((p.relative_to(repo).as_posix(), p.read_bytes()) for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts)
    return (git(repo, "rev-parse", "HEAD"), git(repo, "symbolic-ref", "HEAD"), git(repo, "ls-files", "-s"),
            git(repo, "status", "--porcelain", "--untracked-files=all", "--ignored"), files)


def review(args: list[str], keys: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modernizer.cli", "review", *args], input=keys, cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "120", **env})


def test_the_shipped_example_is_the_scripts_and_every_renderer_says_it_is_not_a_model_run():
    shipped, _ = load_report(EXAMPLE)
    built = script().example()
    key = lambda r: [(f.id, f.file, f.line_start, f.line_end, f.severity, f.fingerprint, f.grounding.status) for f in r.findings]  # noqa: E731
    assert key(shipped) == key(built) and [p.id for p in shipped.plan] == [p.id for p in built.plan]
    assert shipped.repo.root == "sample_repos/legacy-hotel" and shipped.repo.git is None
    assert "not a model run" in shipped.llm.test_model
    assert "Test model: labelled is not a model: the labelled sample&#39;s expected findings" in RENDERERS["html"](shipped)
    assert "**Test model:** labelled is not a model: the labelled sample's expected findings" in RENDERERS["md"](shipped)
    run = json.loads(RENDERERS["sarif"](shipped))["runs"][0]
    assert "not a model run" in run["properties"]["testModel"]
    assert "not a model run" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]


@pytest.fixture()
def walk(tmp_path):
    repo = tmp_path / "hotel"
    shutil.copytree(HOTEL, repo)
    git_init(repo)
    report = tmp_path / "example.json"
    shutil.copyfile(EXAMPLE, report)
    editor = tmp_path / "editor.sh"  # what a reviewer does in their editor: bind the username instead of concatenating it
    editor.write_text("#!/bin/sh\nsed -i \"s/username = '\\\" + username/username = ?\\\"/\" \"$1\"\n")
    editor.chmod(0o755)
    return repo, report, editor


def test_the_documented_walk_on_the_example_without_a_model(walk, tmp_path):
    repo, report, editor = walk
    before = snapshot(repo)
    # S3, S1 and S2 are the first three (critical); the second is marked a false positive, the third fixed in the editor
    first = review([str(report), "--repo", str(repo)], "d\nn\np\nonly staff reach this search\ne\na\nu\nq\n", tmp_path,
                   EDITOR=str(editor))
    out, errs = first.stdout, first.stderr
    assert first.returncode == 0, errs + out
    assert "not a model run; do not read its findings as an analysis of the code" in errs
    assert "Traceback" not in errs + out and "Task was destroyed" not in errs + out
    # [d]: the verdict, the plan item, the enclosing symbol, the cited lines and the CWE's help
    assert "Plan: P1 Parameterise every SQL statement in the DAOs (quick-win, effort M; addresses it)" in out
    assert "In: BookingDao.findByConfirmationCode" in out and "cited lines: src/main/java/com/grandhotel/dao/BookingDao.java" in out
    assert "CWE-89: Improper Neutralization of Special Elements used in an SQL Command" in out and "How to fix: Use parameterised" in out
    assert "Validator: not judged" in out
    # [p] on S1: a commit on the review branch; [e] on S2: the editor's change, proposed, applied, undone
    state = json.loads(report.with_name("example.review.json").read_text())
    branch, wt = state["branch"], Path(state["worktree"])
    assert f"S1 marked as a false positive: fingerprint" in out and f"on branch {branch}" in out
    assert f"lines 33-35 of {USERDAO} edited in editor.sh" in out and "Proposed fix for S2 (by you)" in out
    assert '+        String sql = "SELECT * FROM users WHERE username = ?"' in out and "S2 fixed: commit" in out and "the fix of S2 is reverted" in out
    assert snapshot(repo) == before and (wt / FILENAME).exists() and "only staff reach this search" in (wt / FILENAME).read_text()
    assert git(repo, "show", "--name-only", "--format=", branch) == FILENAME  # the branch holds the false positive only

    # resume (no --repo needed: the session remembers), see S1's state, undo the false positive
    second = review([str(report)], "b\nd\nu\nq\n", tmp_path)
    out = second.stdout
    assert second.returncode == 0 and "Traceback" not in second.stderr + out
    assert "Resuming the review: 0 fixed, 1 false positive, 0 skipped, 57 pending" in out
    assert "False positive: only staff reach this search" in out and "Validator: confirmed: the concatenated value comes from the request" in out
    assert "the false positive of S1 is reverted" in out and "Nothing to merge" in out
    assert snapshot(repo) == before and not (wt / FILENAME).exists() and git(wt, "status", "--porcelain", "--untracked-files=all") == ""


def test_the_example_needs_repo_and_a_wrong_repo_is_refused(walk, tmp_path):
    repo, report, _ = walk
    res = review([str(report)], "q\n", tmp_path)
    assert res.returncode == 2 and "relative path (sample_repos/legacy-hotel)" in res.stderr and "--repo" in res.stderr
    other = tmp_path / "other"
    other.mkdir()
    res = review([str(report), "--repo", str(other)], "q\n", tmp_path)
    assert res.returncode == 2 and "none of the report's" in res.stderr and "Traceback" not in res.stderr
    res = review([str(report), "--repo", str(tmp_path / "nowhere")], "q\n", tmp_path)
    assert res.returncode == 2 and "no such folder" in res.stderr


def test_the_resume_hint_names_the_command_as_it_was_typed(walk, tmp_path):
    """Started as a path (the README's `.venv/bin/modernize`, nothing on PATH), the session's resume
    hint names that path, as every other hint does."""
    repo, report, _ = walk
    script = Path(sys.executable).with_name("modernize")
    if not script.exists():
        pytest.skip("no modernize script beside this interpreter")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "modernize").symlink_to(script)
    res = subprocess.run(["bin/modernize", "review", str(report), "--repo", str(repo)], input="q\n", cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    assert f"resume with `bin/modernize review {report}`" in res.stdout + res.stderr
