"""What a reviewer sees and what the review leaves behind, with the screen rendered to a string:
the code panel is printed once per finding (not after every key), the key bar offers [a]pply only
once a fix exists, fixes land on a branch in the review's own worktree while the reviewer's HEAD,
branch, index and files stay put, and no secret from a finding's title reaches a file we write.

No model here: the fixes are the reviewer's own ([e]dit), which take the same path as the model's.
The last test runs the real `modernize review` on a pseudo-terminal (pexpect); nothing answers at
its endpoint, and nothing needs to (only [f] would ask)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from rich.console import Console
from typer.testing import CliRunner

from modernizer.cli import app
from modernizer.review import state as st
from modernizer.review.session import ReviewOptions, Session, open_state
from modernizer.review.terminal import KEY_LABELS, TerminalUI
from support.review_fixtures import git, git_init, write_report

DBUTIL = "src/main/java/com/grandhotel/util/DBUtil.java"
AUTH = "src/main/java/com/grandhotel/security/Authenticator.java"
PW_LINE = '    private static final String DB_PASSWORD = "Gr4ndH0tel!2008";'
PW_FIX = '    private static final String DB_PASSWORD = System.getenv("HOTEL_DB_PASSWORD");'
PANEL = re.compile(r"╭─ \S+ lines \d+-\d+ ")  # the code panel's top edge and title
MODERNIZE = str(Path(sys.executable).with_name("modernize"))
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>]")


@pytest.fixture()
def hotel_git(hotel_copy):
    return hotel_copy, git_init(hotel_copy)


def user_side(repo: Path) -> tuple[str, str, str, str]:
    """HEAD, the checked-out branch, the index and the work tree's status: what review never changes."""
    return (git(repo, "rev-parse", "HEAD"), git(repo, "symbolic-ref", "HEAD"), git(repo, "ls-files", "-s"),
            git(repo, "status", "--porcelain", "--untracked-files=all"))


def run_keys(report: Path, keys: list[str], width: int = 160) -> tuple[Session, list[str]]:
    """A session fed ``keys`` (one line each, as piped stdin is read; a key that asks for more
    carries its answers after newlines), its screen split at each prompt: chunk 0 is the opening
    screen, chunk i what key i printed."""
    o = ReviewOptions(owner="reviewer@hotel.test")
    state, _, resumed = open_state(report, o)
    screen = io.StringIO()
    ui = TerminalUI(console=Console(file=screen, width=width, color_system=None), stdin=io.StringIO("\n".join(keys) + "\n"))
    session = Session(state, report, o, ui)
    session.run(resumed)
    return session, screen.getvalue().split("review> ")


KEY = re.compile(r"\[[^\]]\][\w ]*")  # one key's label: "[f]ix", "[p] false positive", "[?]help"


def is_key_line(line: str) -> bool:
    return bool(line) and all(KEY.fullmatch(label) for label in line.split("  "))


def key_bars(text: str) -> list[str]:
    """Each key bar in ``text``, its lines (a bar too wide for one) joined with the keys' separator."""
    bars, run = [], []
    for line in [*text.splitlines(), ""]:
        if is_key_line(line):
            run.append(line)
            continue
        if run and "[q]uit" in run[-1]:
            bars.append("  ".join(run))
        run = []
    return bars


EDIT_PW = "\n".join(["e", "", PW_LINE, ".", PW_FIX, "."])  # [e]dit: the file (default), search, replacement


def test_the_code_panel_is_printed_once_and_other_keys_print_a_line(hotel_git, tmp_path):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12", "V13"])
    keys = ["x", "?", "d", "a", "p\n", "s", "b", "u", "c", "q"]  # p, then an empty reason: cancelled
    session, chunks = run_keys(report, keys)
    out = dict(zip([k[0] for k in keys], chunks[1:]))
    first = session.state.items[session.state.order[0]].ref
    assert len(PANEL.findall(chunks[0])) == 1 and f"{first.file} lines" in chunks[0]
    # keys that do not move to a finding not yet seen: one line (or the help), never the panel again
    for k in ("x", "?", "d", "a", "p", "b", "u"):
        assert not PANEL.search(out[k]), (k, out[k])
    assert "Unknown key 'x': press ? for help" in out["x"] and len(out["x"].strip().splitlines()) == 2  # the echo and the line
    assert "c  show the code again" in out["?"]
    assert f"Why: {first.reason}" in out["d"]  # details: the text of the finding, without its code
    assert "No fix proposed yet: press [f] to ask the model or [e] to write one" in out["a"]
    assert "Cancelled: nothing recorded" in out["p"]
    # [s]kip moves on to a finding shown for the first time: that one gets its panel
    assert len(PANEL.findall(out["s"])) == 1 and "skipped" in out["s"]
    # back (and undo) to the one already shown: a one-line reminder and the keys, no panel
    assert f"{first.id} · 1/2 ·" in out["b"] and "([c] shows the code" in out["b"] and len(key_bars(out["b"])) == 1
    assert f"Undone: {first.id} is pending again" in out["u"]
    # [c] asks for the code: shown again
    assert len(PANEL.findall(out["c"])) == 1


def test_apply_is_offered_only_once_a_fix_is_proposed_and_lands_in_a_worktree(hotel_git, tmp_path):
    repo, base = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    before = user_side(repo)
    session, chunks = run_keys(report, ["a", EDIT_PW, "b", "q"])
    [bar] = key_bars(chunks[0])
    assert "[a]pply" not in bar and "[f]ix" in bar and "[e]dit" in bar
    assert "No fix proposed yet" in chunks[1]
    proposed = chunks[2]
    assert "Proposed fix for S1 (by you)" in proposed and f"+{PW_FIX}" in proposed
    assert "[a]pply" in key_bars(proposed)[-1]
    session, chunks = run_keys(report, ["a", "b", "q"])  # resumed: the proposal was saved without its code
    assert "must be made again" in chunks[1] and "[a]pply" not in key_bars(chunks[0])[-1]
    session, chunks = run_keys(report, [EDIT_PW, "a", "b", "q"])
    applied = chunks[2]
    state = session.state
    assert f"S1 fixed: commit {git(repo, 'rev-parse', state.branch)[:10]} on branch {state.branch}" in applied
    assert "re-check: the flagged code (was lines 26-26) is no longer in" in applied
    # a fixed finding offers no [a]pply, [f]ix or [s]kip; [u]ndo is still there
    bar = key_bars(chunks[3])[-1]
    assert "[a]pply" not in bar and "[f]ix" not in bar and "[u]ndo" in bar
    # the reviewer's checkout did not move; the commit is on the review branch, checked out in the worktree
    wt = Path(state.worktree)
    assert user_side(repo) == before and PW_LINE in (repo / DBUTIL).read_text()
    assert git(repo, "rev-list", "--count", f"main..{state.branch}") == "1" and git(repo, "rev-parse", "main") == base
    assert git(wt, "symbolic-ref", "--short", "HEAD") == state.branch and PW_FIX in (wt / DBUTIL).read_text()
    assert not wt.is_relative_to(repo) and wt.parent.parent.name == "review"  # per user, outside the tree
    summary = chunks[-1]
    assert f"Fixes are on branch {state.branch} (1 commit on main): see `git log main..{state.branch}`" in summary
    assert f"own worktree, {wt}" in summary and f"`git merge {state.branch}`" in summary and f"`git worktree remove {wt}`" in summary


def test_rejected_findings_are_left_out_of_the_walk_and_said_once(hotel_git, tmp_path):
    """A finding that cites a file that does not exist (grounding: rejected) has no code to show or
    fix: the walk leaves it out, the start says so once, and the end's counts are the open findings."""
    repo, _ = hotel_git
    report, built = write_report(repo, tmp_path / "reports", ["V12", "V13"], ghosts=1)
    assert [f.id for f in built.findings if f.grounding.status == "rejected"] == ["S3"]
    res = CliRunner().invoke(app, ["review", str(report), "--endpoint", "http://127.0.0.1:9/v1"], input="n\nn\nn\nq\n")
    assert res.exit_code == 0, res.output
    assert res.stderr.count("rejected finding") == 1
    assert "· 1 rejected finding (cites code that does not exist) is left out: S3" in res.stderr.splitlines()
    assert "S3" not in res.stdout and "grounding: rejected" not in res.stdout and "NoSuchDao" not in res.stdout
    positions = re.findall(r"S\d+ · \d+/(\d+) ·", res.stdout)
    assert positions and set(positions) == {"2"}  # positions count the walked findings only
    summary = res.stdout.rsplit("session", 1)[1]
    assert "0 fixed, 0 false positive, 0 skipped, 2 pending" in summary
    # resumed: still left out, and not said again
    res = CliRunner().invoke(app, ["review", str(report), "--endpoint", "http://127.0.0.1:9/v1"], input="q\n")
    assert res.exit_code == 0 and "rejected finding" not in res.stderr and "2 pending" in res.stdout
    state = open_state(report, ReviewOptions(owner="x"))[0]
    assert sorted(state.order) == ["S1", "S2"] and state.skipped_rejected == ["S3"] and state.counts()["pending"] == 2


def test_a_session_saved_with_a_rejected_finding_drops_it_on_resume(hotel_git, tmp_path):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"], ghosts=1)
    o = ReviewOptions(owner="x")
    state, _, _ = open_state(report, o)
    from modernizer.review.session import refs_from, save_state, state_path
    from modernizer.report.files import load_report

    ghost = [r for r in refs_from(load_report(report)[0]) if r.grounding == "rejected"]
    old = state.model_copy(update={"order": [ghost[0].id, *state.order], "skipped_rejected": [],
                                   "items": {ghost[0].id: st.Item(ref=ghost[0]), **state.items}})
    save_state(old, state_path(report))  # as an older modernizer saved it: the ghost first in the walk
    session, chunks = run_keys(report, ["q"])
    assert "grounding: rejected" not in chunks[0] and "S1 · 1/1 ·" in chunks[0]
    assert session.state.order == ["S1"] and session.state.skipped_rejected == ["S2"]
    assert "0 fixed, 0 false positive, 0 skipped, 1 pending" in chunks[-1]


def test_quitting_with_nothing_on_the_branch_says_there_is_nothing_to_merge(hotel_git, tmp_path):
    repo, base = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    session, chunks = run_keys(report, [EDIT_PW, "a", "u", "q"])
    state = session.state
    wt = Path(state.worktree)
    assert "Undone: the fix of S1 is reverted" in chunks[3] and git(repo, "rev-list", "--count", f"main..{state.branch}") == "0"
    summary = chunks[-1]
    assert "0 commits" not in summary and "git merge" not in summary and "git log" not in summary
    assert f"Nothing to merge: branch {state.branch} has no commits beyond main (no fix is applied there)." in summary
    command = f"git worktree remove {wt} && git branch -D {state.branch}"
    assert f"`{command}`" in summary
    # the command as said removes both (run where the user is: their repository)
    subprocess.run(command, shell=True, cwd=repo, check=True, capture_output=True)
    assert not wt.exists() and git(repo, "branch", "--list", state.branch) == "" and git(repo, "rev-parse", "HEAD") == base
    assert git(repo, "worktree", "list").count("\n") == 0  # the user's work tree only


def test_quitting_with_no_fix_says_nothing_of_a_branch(hotel_git, tmp_path):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    session, chunks = run_keys(report, ["s", "q"])
    assert "branch" not in chunks[-1] and "worktree" not in chunks[-1] and "1 skipped" in chunks[-1]


def test_undo_is_offered_only_when_there_is_something_to_undo(hotel_git, tmp_path):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12", "V13"])
    session, chunks = run_keys(report, ["u", "s", "u", "n", "n", "q"])
    out = dict(enumerate(chunks))
    assert "[u]ndo" not in key_bars(out[0])[-1]  # nothing done yet
    assert "Nothing to undo" in out[1]
    assert "[u]ndo" in key_bars(out[2])[-1]  # after a skip
    assert "Undone: S" in out[3] and "[u]ndo" not in key_bars(out[3])[-1]  # the only step undone
    end = out[5]  # past the end of the list: the end screen's keys, without [u]ndo
    assert "End of the list" in end and "[b]ack  [q]uit" in end and "[u]ndo" not in end


@pytest.mark.parametrize("width", [160, 100, 80, 60])
def test_the_key_bar_fits_80_columns_and_breaks_between_keys(hotel_git, tmp_path, width):
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    _, chunks = run_keys(report, [EDIT_PW, "s", "q"], width=width)  # a proposal: every key is offered
    lines = [line for line in "".join(chunks).splitlines() if is_key_line(line)]
    assert lines and max(len(line) for line in lines) <= min(80, width), lines
    bar = key_bars(chunks[1])[-1]
    labels = [label for name, label in KEY_LABELS.items() if name != "undo"]  # nothing to undo yet
    assert bar.split("  ") == labels  # every key, whole, in order: none broken over a line
    assert not any(line.endswith(("[", "[?]hel")) or line.startswith(("p", "elp")) for line in lines)


def test_no_secret_from_a_title_reaches_the_suppressions_file_or_a_commit(hotel_git, tmp_path):
    """An older report (like the one the UX review used) can hold a password in a title, with no
    ``name = value`` for the patterns to see, and from a file other than the finding's own."""
    repo, _ = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12", "V34"])
    data = json.loads(report.read_text())
    for f in data["findings"]:
        f["title"] = f"{f['title'][:40]} (same as the support login sysadmin/hotel123)"
    report.write_text(json.dumps(data))
    keys = ["n"] if open_state(report, ReviewOptions(owner="x"))[0].order[0] != "S1" else []
    session, chunks = run_keys(report, [*keys, EDIT_PW, "a", "p\nthe page is only mapped in the dev profile", "q"])
    state = session.state
    assert "sysadmin/hotel123" in state.items["S2"].ref.title  # the report itself still holds it
    assert not (repo / "modernize-suppressions.toml").exists()  # on the review branch, not in the user's checkout
    toml = (Path(state.worktree) / "modernize-suppressions.toml").read_text()
    assert "the support login sysadmin/" in toml and "hotel123" not in toml
    fix_msg, fp_msg = git(repo, "log", "-1", "--format=%B", state.branch + "~1"), git(repo, "log", "-1", "--format=%B", state.branch)
    assert fix_msg.startswith("Fix S1:") and "hotel123" not in fix_msg
    assert fp_msg.startswith("Mark S2 as a false positive:") and "hotel123" not in fp_msg


def plain(text: str) -> str:
    return ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "")


def test_on_a_terminal_the_checkout_stays_and_the_screen_is_a_log(hotel_git, tmp_path):
    repo, base = hotel_git
    report, _ = write_report(repo, tmp_path / "reports", ["V12"])
    before = user_side(repo)
    record = io.StringIO()
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="160", LINES="50")
    child = pexpect.spawn(MODERNIZE, ["review", str(report), "--endpoint", "http://127.0.0.1:9/v1"], cwd=str(tmp_path), env=env,
                          encoding="utf-8", dimensions=(50, 160), timeout=120)
    child.logfile_read = record
    marks: dict[str, int] = {}

    def wait_prompt(name: str) -> None:
        child.expect("review> ")
        marks[name] = len(plain(record.getvalue()))

    wait_prompt("open")
    for k in ("d", "x", "b"):
        child.send(k)
        wait_prompt(k)
    child.send("e")
    child.expect("File to change")
    child.sendline("")
    child.expect("Search text")
    child.sendline(PW_LINE)
    child.sendline(".")
    child.expect("Replacement")
    child.sendline(PW_FIX)
    child.sendline(".")
    wait_prompt("e")
    child.send("a")
    wait_prompt("a")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    screen = plain(record.getvalue())
    parts, start = {}, 0
    for name, end in marks.items():
        parts[name], start = screen[start:end], end
    parts["q"] = screen[start:]
    assert len(PANEL.findall(parts["open"])) == 1 and "[a]pply" not in key_bars(parts["open"])[-1]
    for k in ("d", "x", "b"):
        assert not PANEL.search(parts[k]), (k, parts[k])
    assert "[a]pply" in key_bars(parts["e"])[-1]
    m = re.search(r"S1 fixed: commit ([0-9a-f]{10}) on branch (modernize/review-\d{8}-\d{6})", parts["a"])
    assert m and git(repo, "rev-parse", m.group(2)).startswith(m.group(1))
    assert git(repo, "rev-list", "--count", f"{base}..{m.group(2)}") == "1"
    assert user_side(repo) == before  # HEAD, branch, index and files as they were
    worktree = re.search(r"`git worktree remove (\S+)`", parts["q"]).group(1)
    assert git(Path(worktree), "log", "-1", "--format=%H") .startswith(m.group(1))
