"""Nothing from the analysed repository ever runs, and analysis writes nothing into it.

The hostile repository (support/hostile.py) plants a marker-creating command in every place git
documents as running one (fsmonitor, filter and diff drivers, hooks in .git/hooks and in a
core.hooksPath, pager, editor, ssh, credential helper, gpg signing, included config, a submodule's
own config, partial-clone fetches) and in the build files. The control test shows plain git runs
them; the others run modernizer's commands on it and find no marker and no changed file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from modernizer.repo.ingest import load_snapshot
from modernizer.repo.safegit import SafeGit, find_repository
from support.hostile import FILES, HOTEL, fired, plant, tree_state

MODERNIZE = str(Path(sys.executable).with_name("modernize"))
DBUTIL = FILES[0]
PW_LINE = '    private static final String DB_PASSWORD = "Gr4ndH0tel!2008";'
PW_FIX = '    private static final String DB_PASSWORD = System.getenv("HOTEL_DB_PASSWORD");'


def modernize(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([MODERNIZE, *args], capture_output=True, text=True, input=stdin, cwd=cwd, timeout=900)


@pytest.fixture()
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    markers = tmp_path / "markers"
    return plant(tmp_path / "vendor-drop", markers), markers


def test_the_plants_are_live_for_plain_git(tmp_path):
    """Without modernizer's precautions the same repository runs its commands: the tests below mean something."""
    repo, markers = plant(tmp_path / "repo", tmp_path / "m"), tmp_path / "m"
    run = lambda *a: subprocess.run(["git", *a], cwd=repo, capture_output=True, text=True)  # noqa: E731
    for changed in (FILES[1], "build.xml"):  # changed files: git must run their filters to compare and add them
        (repo / changed).write_text((repo / changed).read_text() + "\n<!-- changed -->\n")
    run("add", "build.xml")  # its process filter is no real filter: it fires, then git gives up; the rest go without it
    run("status")
    run("-c", "filter.proc.process=", "status")
    run("-c", "filter.proc.process=", "add", "--", "*.java", "*.jsp")
    run("-c", "filter.proc.process=", "commit", "-m", "plain git")  # fails at the planted gpg program
    run("-c", "filter.proc.process=", "checkout", "-b", "other")
    got = set(fired(markers))
    assert {"fsmonitor", "submodule-fsmonitor", "filter-clean", "filter-process", "include-filter-clean", "hookspath-pre-commit",
            "hookspath-post-checkout", "gpg-program"} <= got, got


def test_analyze_no_llm_and_plan_run_nothing_and_write_nothing(hostile, tmp_path):
    repo, markers = hostile
    before = tree_state(repo)
    out = tmp_path / "out"
    res = modernize("analyze", str(repo), "--no-llm", "-o", str(out), "-f", "json", "-f", "sarif", "-f", "md")
    assert res.returncode == 0, res.stderr
    res = modernize("analyze", str(repo), "--plan", "--no-llm", "--window", "8192")
    assert res.returncode == 0, res.stderr
    assert fired(markers) == []
    assert tree_state(repo) == before
    report = json.loads(next(out.glob("*.json")).read_text())
    head = safe(repo, "rev-parse", "HEAD").strip()
    # the git listing was used (commit, branch, dirty work tree), from the repository's own objects and refs
    assert report["repo"]["git"] == {"commit": head, "branch": "main", "dirty": True, "prefix": ""}  # its top level was analysed
    analysed = {f["path"] for f in report["facts"]["files"]} if "files" in report["facts"] else None
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped.get("libs/sub") == "not-regular-file"
    if analysed is not None:
        assert set(FILES) <= analysed


def test_the_listing_ignores_config_that_moves_the_work_tree_or_redirects_the_git_directory(tmp_path):
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "a.py").write_text("x = 1\n")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "c"], cwd=repo, check=True)
    subprocess.run(["git", "config", "core.worktree", str(tmp_path)], cwd=repo, check=True)
    (tmp_path / "elsewhere.py").write_text("secret = 1\n")
    snap = load_snapshot(repo)
    assert [f.path for f in snap.files] == ["a.py"] and snap.git is not None and snap.git.commit

    # a .git file that points at some other repository on the disk is not followed
    other = tmp_path / "private"
    other.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=other, check=True)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / ".git").write_text(f"gitdir: {other / '.git'}\n")
    (drop / "b.py").write_text("y = 2\n")
    assert find_repository(drop) is None
    snap = load_snapshot(drop)
    assert snap.git is None and [f.path for f in snap.files] == ["b.py"]


def test_safegit_reads_history_without_the_repositorys_config(hostile):
    repo, markers = hostile
    found = find_repository(repo)
    assert found is not None and found.top == repo.resolve()
    with SafeGit(found) as git:
        assert git.branch() == "main" and git.head_commit()
        assert set(git.changed()) == {FILES[3], ".githooks/"}  # the changed JSP, the untracked hooks folder
        listed = git.paths("ls-files", "-z")
        shadow = git.shadow
        assert (shadow / "config").read_text().count("fsmonitor = false") == 1
        assert "evil" not in (shadow / "config").read_text() and "include" not in (shadow / "config").read_text()
    assert not shadow.exists()
    assert set(FILES) <= set(listed) and "libs/sub" in listed
    assert fired(markers) == []


@pytest.mark.vllm
def test_analyze_plan_weekly_ci_and_review_against_vllm_run_nothing(hostile, tmp_path, vllm_server):
    repo, markers = hostile
    before = tree_state(repo)
    out, cache = tmp_path / "reports", tmp_path / "cache"
    common = ["--endpoint", vllm_server.base_url, "--cache-dir", str(cache)]
    res = modernize("analyze", str(repo), *common, "--plan")
    assert res.returncode == 0, res.stderr
    res = modernize("analyze", str(repo), *common, "-o", str(out / "first"), "-f", "json")
    assert res.returncode in (0, 5), res.stderr
    first = next((out / "first").glob("*.json"))
    # the weekly CI job: baseline, SARIF, Markdown, a gate
    res = modernize("analyze", str(repo), *common, "-o", str(out / "weekly"), "-f", "json", "-f", "md", "--sarif",
                    "--baseline", str(first), "--fail-on", "critical")
    assert res.returncode in (0, 1, 5), res.stderr
    assert fired(markers) == []
    assert tree_state(repo) == before

    # review: commits on a branch, checkout, undo (reset + checkout of the file), all through git
    restore(repo)
    report, _ = write_report_for(repo, tmp_path / "review")
    checked = tmp_path / "test-cmd-ran"
    keys = "\n".join(["e", "", PW_LINE, ".", PW_FIX, ".", "a", "u", "q"]) + "\n"
    res = modernize("review", str(report), "--endpoint", vllm_server.base_url, "--owner", "me@example.test",
                    "--test-cmd", f"touch {checked}", stdin=keys)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "fixed: commit" in res.stdout and "is reverted" in res.stdout, res.stdout
    assert checked.exists()  # the one command the user names runs, and only because it was named
    assert fired(markers) == []
    assert "refs/heads/modernize/review-" in safe(repo, "for-each-ref", "refs/heads/modernize/")


def safe(repo: Path, *args: str) -> str:
    """The test's own questions to the hostile repository go through the same safe git."""
    with SafeGit(find_repository(repo)) as git:
        return git.run(*args).decode()


def restore(repo: Path) -> None:
    """Undo the plant's in-place change to the JSP (written back, not checked out: no driver runs)."""
    shutil.copy(HOTEL / FILES[3], repo / FILES[3])


def write_report_for(repo: Path, out_dir: Path):
    """A report whose one finding is the hard-coded password in DBUtil (labelled test data)."""
    from datetime import datetime, timezone

    from modernizer.repo.facts import compute_facts
    from modernizer.engine.results import AgentRun, PipelineResult
    from modernizer.render import RENDERERS
    from modernizer.run.assemble import build_report

    snapshot = load_snapshot(repo)
    finding = {"id": "S1", "title": "hard-coded database password", "category": "hardcoded-credentials", "cwe": "CWE-798",
               "severity": "critical", "file": DBUTIL, "line_start": 26, "line_end": 26, "snippet": PW_LINE.strip(),
               "reason": "the production password is in the source"}
    result = PipelineResult(runs=[AgentRun(agent="security", role="findings", output_type="SecurityOutput", status="ok",
                                           output={"findings": [finding]})])
    report = build_report(snapshot, compute_facts(snapshot), None, result, None, now=datetime(2025, 1, 2, tzinfo=timezone.utc))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "review.json"
    path.write_text(RENDERERS["json"](report), encoding="utf-8")
    return path, report


def test_review_revert_of_an_older_fix_runs_no_hook_or_driver(hostile, tmp_path):
    """Undoing a fix that is not the last commit is a `git revert` (a merge): still nothing runs."""
    from modernizer.review.apply import GitApplier, check_edits
    from modernizer.review.edits import Edit
    from modernizer.review.session import proposal_from, refs_from

    repo, markers = hostile
    restore(repo)
    _, rep = write_report_for(repo, tmp_path / "review")
    ref = refs_from(rep)[0]
    proposal = proposal_from(check_edits(repo, [Edit(file=DBUTIL, search=PW_LINE, replace=PW_FIX)]), "user", "env")
    wt = tmp_path / "review-worktree"  # fixes are commits in the review's own worktree
    applier = GitApplier(repo, wt, "modernize/review-test")
    fix, base_ref, base_commit = applier.apply(ref, proposal)
    assert base_ref == "main" and fix.commit and applier.current_branch() == "modernize/review-test"
    # a later commit there, made with the same safe git
    (wt / FILES[1]).write_text((wt / FILES[1]).read_text() + "\n// reviewed\n")
    applier.git.run("commit", "-q", "-a", "-m", "later", writes=True)
    applier.revert(fix)
    assert PW_LINE in (wt / DBUTIL).read_text()
    log = applier.git.run("log", "--format=%s", "-3").decode()
    assert log.splitlines()[0].startswith("Revert") and "later" in log
    applier.close()
    assert fired(markers) == []
