"""`modernize review` as a person uses it: the real program on a pseudo-terminal (pexpect), keys
sent one at a time, against the real CPU vLLM serving the tiny random-weight model.

Random weights write syntactically valid but meaningless fixes, which the exactly-once rule
rejects: the test asserts that rejection is shown clearly. The fix that is applied is written by
the reviewer with [e]dit (a feature of its own: a user-authored fix goes through the same checks,
diff, commit, re-check and test run as the model's). Nothing here stands in for the model.

The whole terminal text is recorded (ANSI codes stripped) to .cache/review-session.txt.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from datetime import date
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

from conftest import CACHE
from modernizer.findings.gate import gating_findings
from modernizer.cli import app
from modernizer.repo.facts import compute_facts
from modernizer.repo.ingest import load_snapshot
from modernizer.engine.results import AgentRun, PipelineResult
from modernizer.report import Report
from modernizer.run.assemble import build_report
from modernizer.findings.suppressions import load_suppressions
from support.review_fixtures import expected_findings, git, git_init, write_report

pytestmark = pytest.mark.vllm

DBUTIL = "src/main/java/com/grandhotel/util/DBUtil.java"
PW_LINE = '    private static final String DB_PASSWORD = "Gr4ndH0tel!2008";'
PW_FIX = '    private static final String DB_PASSWORD = System.getenv("HOTEL_DB_PASSWORD");'
FP_REASON = "error.jsp is only mapped in the dev profile; production web.xml uses a static page"
MODERNIZE = str(Path(sys.executable).with_name("modernize"))
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>]")
# every way edits.py can refuse an edit, and the two ways a model's answer can be unusable
REJECTION = (r"edit \d+ \([^)]*\): (the search text (was not found in the file|occurs \d+ times|is empty)"
             r"|the replacement is the same as the search text|no such file)")
MODEL_REJECTED = re.compile(rf"✗ (the model's fix was rejected: {REJECTION}|the model proposed no edits|the model's answer was not usable)")


def plain(text: str) -> str:
    return ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "")


class Terminal:
    """One `modernize review` on a pty, with everything it printed kept."""

    def __init__(self, args: list[str], cwd: Path, record: io.StringIO) -> None:
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="160", LINES="50")
        env.pop("NO_COLOR", None)
        self.record = record
        self.child = pexpect.spawn(MODERNIZE, args, cwd=str(cwd), env=env, encoding="utf-8", dimensions=(50, 160), timeout=240)
        self.child.logfile_read = record

    def see(self, text: str) -> re.Match:
        """Wait for ``text`` as shown: colour codes may sit between its characters."""
        return self.expect(re.compile(r"(?:\x1b\[[0-9;]*m)*".join(re.escape(ch) for ch in text)))

    def expect(self, pattern: re.Pattern) -> re.Match:
        try:
            self.child.expect(pattern)
        except (pexpect.TIMEOUT, pexpect.EOF) as exc:
            raise AssertionError(f"waited for {pattern!r}; the terminal showed:\n{plain(self.record.getvalue())[-4000:]}") from exc
        return self.child.match

    def key(self, k: str) -> None:
        self.child.send(k)  # one key, no Enter: the session reads keys in cbreak mode

    def line(self, text: str) -> None:
        self.child.sendline(text)

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus


@pytest.fixture()
def reviewed(hotel_copy, tmp_path):
    base = git_init(hotel_copy)
    report, first = write_report(hotel_copy, tmp_path / "reports", ["V12", "V34"])
    return hotel_copy, base, report, first


def test_recorded_session_fix_on_a_branch_false_positive_quit_resume_and_the_next_analyze(vllm_server, reviewed, tmp_path):
    repo, base, report, first = reviewed
    record = io.StringIO()
    args = ["review", str(report), "--endpoint", vllm_server.base_url, "--owner", "reviewer@hotel.test",
            "--test-cmd", f"! grep -q Gr4ndH0tel {DBUTIL}"]
    try:
        t = Terminal(args, tmp_path, record)
        t.see("S1 · 1/2 · critical")
        t.see("DB_PASSWORD")           # the real line, highlighted: the report itself only has the redacted snippet
        t.see("review> ")

        # the model's fix: random weights quote text that is not in the file, or copy it unchanged, or
        # write an answer that is not usable; which one depends on the random model, so any clear
        # rejection passes here. The exactly-once rule itself is exercised below with the reviewer's
        # own non-unique anchor.
        t.key("f")
        t.see("Asking the model for a fix to S1")
        t.expect(re.compile(r"✗ [^\n]*|Proposed fix for S1 \(by the model\)"))
        t.see("review> ")
        screen = plain(record.getvalue())
        assert MODEL_REJECTED.search(screen), screen[-3000:]

        # the reviewer's own fix: an anchor that is not unique is refused, the exact line is taken
        t.key("e")
        t.see("File to change [src/main/java/com/grandhotel/util/DBUtil.java]: ")
        t.line("")
        t.see("Search text")
        t.line("    }")
        t.line(".")
        t.see("Replacement")
        t.line("x")
        t.line(".")
        t.expect(re.compile(r"your fix was rejected: edit 1 \(src/main/java/com/grandhotel/util/DBUtil.java\): the search text occurs \d+ times"))
        t.see("review> ")
        t.key("e")
        t.see("File to change")
        t.line("")
        t.see("Search text")
        t.line(PW_LINE)
        t.line(".")
        t.see("Replacement")
        t.line(PW_FIX)
        t.line(".")
        t.see("Proposed fix for S1 (by you)")
        t.see("edit 1: src/main/java/com/grandhotel/util/DBUtil.java line 26")
        t.see("review> ")

        # apply: a new branch, one commit, the re-check and the project's own test command
        t.key("a")
        m = t.expect(re.compile(r"S1 fixed: commit ([0-9a-f]{10}) on branch (modernize/review-\d{8}-\d{6})"))
        commit, branch = m.group(1), m.group(2)
        t.see("re-check: the flagged code (was lines 26-26) is no longer in src/main/java/com/grandhotel/util/DBUtil.java")
        t.see("PASSED (exit 0)")

        # the next finding: a false positive, with its reason
        t.see("S2 · 2/2 · low")
        t.see("review> ")
        t.key("p")
        t.see("Why is this a false positive? (empty to cancel): ")
        t.line(FP_REASON)
        t.expect(re.compile(r"S2 marked as a false positive: fingerprint ([0-9a-f]{20}) added to modernize-suppressions.toml"))
        fp_fingerprint = t.child.match.group(1)
        t.see("Every finding has been reviewed: 1 fixed, 1 false positive")
        t.see("review> ")
        t.key("q")
        t.see(f"Fixes are on branch {branch} (2 commits on main)")  # the fix, then the false positive
        t.see("Session saved to")
        assert t.finish() == 0

        # resume: the saved state comes back
        t = Terminal(args, tmp_path, record)
        t.see(f"Resuming the review: 1 fixed, 1 false positive, 0 skipped, 0 pending; fixes are on branch {branch}")
        t.see("Every finding has been reviewed")
        t.see("review> ")
        t.key("b")
        t.see("status: false-positive")
        t.see(f"False positive: {FP_REASON[:40]}")
        t.see("review> ")
        t.key("b")
        t.see("status: fixed")
        t.see(f"Fixed: commit {commit}; re-check: gone; tests passed")
        t.see("review> ")
        t.key("q")
        t.see("Session saved to")
        assert t.finish() == 0
    finally:
        CACHE.mkdir(exist_ok=True)
        (CACHE / "review-session.txt").write_text(plain(record.getvalue()), encoding="utf-8")
    # both sessions asked the model: their async resources are closed, nothing like a crash is printed
    assert "Task was destroyed" not in record.getvalue() and "Traceback" not in record.getvalue()

    # the branch holds exactly the one fix, checked out in the review's own worktree; the user's
    # checkout never moved (HEAD on main, the file as it was)
    wt = Path(json.loads((report.parent / (report.stem + ".review.json")).read_text())["worktree"])
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main" and git(wt, "rev-parse", "--abbrev-ref", "HEAD") == branch
    assert git(repo, "rev-list", "--count", f"{base}..{branch}") == "2"
    assert git(repo, "rev-parse", branch + "~1").startswith(commit) and git(repo, "rev-parse", "main") == base
    assert git(repo, "show", "--name-only", "--format=", branch + "~1").splitlines() == [DBUTIL]
    assert git(repo, "show", "--name-only", "--format=", branch).splitlines() == ["modernize-suppressions.toml"]
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""  # the false positive is not in the user's checkout
    assert PW_FIX in (wt / DBUTIL).read_text() and PW_LINE in (repo / DBUTIL).read_text()
    # the false positive is in the review branch's suppressions file with its reason and owner
    [sup] = load_suppressions(wt)
    v34 = next(f for f in first.findings if f.file.endswith("error.jsp"))
    assert (sup.fingerprint, sup.reason, sup.owner, sup.created) == (v34.fingerprint, FP_REASON, "reviewer@hotel.test", date.today())
    assert sup.fingerprint == fp_fingerprint
    saved = (report.parent / (report.stem + ".review.json")).read_text()
    assert "Gr4ndH0tel!2008" not in saved  # the state file keeps no code

    # the next analyze, on the review branch (what merging it gives): the real `modernize analyze` reads the file the review committed (a broken one stops it with exit 2)...
    out = tmp_path / "next"
    res = CliRunner().invoke(app, ["analyze", str(wt), "--endpoint", vllm_server.base_url, "-o", str(out), "-f", "json"])
    assert res.exit_code == 0, res.output
    nxt = Report.model_validate_json(next(out.glob("*.json")).read_text())
    assert nxt.summary.suppressed == sum(f.suppressed for f in nxt.findings)  # applied: a finding with V34's code would be marked
    # ...and marks the finding as suppressed by fingerprint. Random weights do not find V34 again, so
    # the same labelled findings go through build_report with the repository's suppressions, as analyze does.
    snap = load_snapshot(wt)  # the branch's files
    result = PipelineResult(runs=[AgentRun(agent="security", role="findings", output_type="SecurityOutput", status="ok",
                                           output={"findings": expected_findings(repo, ["V12", "V34"])})])
    again = build_report(snap, compute_facts(snap), None, result, None, suppressions=load_suppressions(wt))
    by_file = {f.file: f for f in again.findings}
    v34_again = by_file["src/main/webapp/error.jsp"]
    assert v34_again.fingerprint == v34.fingerprint and v34_again.suppressed
    assert v34_again.suppression.reason == FP_REASON and v34_again.suppression.owner == "reviewer@hotel.test"
    assert v34_again not in gating_findings(again, "low")
    assert by_file[DBUTIL].grounding.status != "verified"  # the fixed code is gone from the branch's work tree


def test_apply_dry_run_prints_patches_and_changes_nothing(vllm_server, reviewed, tmp_path):
    repo, base, report, _ = reviewed
    res = CliRunner().invoke(app, ["review", str(report), "--apply", "--severity", "critical", "--dry-run",
                                   "--endpoint", vllm_server.base_url])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "S1  " in out and "DBUtil.java:26-26" in out and "error.jsp" not in out  # critical only
    assert MODEL_REJECTED.search(out) or "Proposed fix for S1 (by the model)" in out, out
    assert "1 finding: " in out and "dry run: nothing changed" in out
    assert git(repo, "status", "--porcelain") == "" and git(repo, "branch", "--format=%(refname:short)") == "main"
    assert not (report.parent / (report.stem + ".review.json")).exists()
