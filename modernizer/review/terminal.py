"""The review session's screen and keyboard: thin, rich-based, no decisions of its own.

A finding is shown whole (its code panel included) once; coming back to it prints a one-line
reminder, and [c] shows the code again: the screen reads as a log of what happened, not as the
same panel over and over. The key bar lists only the keys that act on the finding now
(``state.actions``): no [a]pply before a fix is proposed.

On a terminal a key acts at once (cbreak mode); on piped stdin (scripts, CI, tests) each line is
one command, its first letter the key. Text answers (a reason, an edit) are read a line at a time
in both cases; a block (search or replacement text) ends with a line holding a single ``.``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.rule import Rule
from rich.syntax import Syntax
from rich.text import Text

from modernizer.review.state import Item, ReviewState, actions

if TYPE_CHECKING:
    from modernizer.review.details import FindingDetails
from modernizer.severity_style import SEVERITY_STYLE

KEY_LABELS = {"fix": "[f]ix", "edit": "[e]dit", "apply": "[a]pply", "skip": "[s]kip", "false-positive": "[p] false positive",
              "undo": "[u]ndo", "next": "[n]ext", "back": "[b]ack", "code": "[c]ode", "details": "[d]etails", "quit": "[q]uit",
              "help": "[?]help"}
# when the keys do not fit one line: what acts on the finding, then moving about and looking
KEY_GROUPS = (("fix", "edit", "apply", "skip", "false-positive", "undo"), ("next", "back", "code", "details", "quit", "help"))
KEY_BAR_WIDTH = 80  # the key bar fits 80 columns (or the terminal, when narrower), broken between keys only
KEY_SEP = "  "
HELP = """\
f  ask the model for a fix (the finding and the lines around it; press again for another)
e  write the fix yourself: in $VISUAL/$EDITOR on the cited lines when set, else the exact lines to
   replace and their replacement at the prompts
a  apply the proposed fix (once there is one): a commit on the review branch, in the review's own
   worktree (your work tree is not touched; the work tree itself with --no-git),
   then the grounding re-check and your --test-cmd
s  skip this finding
p  mark it as a false positive (asks why): modernize-suppressions.toml, committed on the review branch
u  undo the last fix, false positive or skip
n  next finding   b  previous   c  show the code again   q  save and quit (resume later)
d  details: the validator's verdict, the plan item, the enclosing symbol, the cited lines, the CWE's help"""
STATUS_STYLE = {"fixed": "green", "false-positive": "magenta", "skipped": "yellow"}
LEVEL_STYLE = {"info": "", "ok": "green", "warn": "yellow", "error": "bold red"}
PROMPT = "review> "


class TerminalUI:
    def __init__(self, console: Console | None = None, stdin: IO[str] | None = None, compact: bool = False,
                 command: str = "modernize") -> None:
        self.console = console or Console(highlight=False)
        self.stdin = stdin or sys.stdin
        try:
            self.tty = self.stdin.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self.compact = compact
        self.command = command  # how the user started modernize: the resume hint names it the same way

    # -- input ------------------------------------------------------------------------------------
    def read_key(self, prompt: str = PROMPT) -> str:
        self.console.print(prompt, end="", markup=False)
        self.console.file.flush()
        if not self.tty:
            line = self.stdin.readline()
            if not line:
                raise EOFError
            self.console.print(line.rstrip("\n"), markup=False, highlight=False)
            return line.strip()[:1].lower()
        import termios
        import tty

        fd = self.stdin.fileno()
        old = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            ch = os.read(fd, 1).decode("utf-8", "replace")
            if ch == "\x1b":  # an arrow or function key: drop the rest of the sequence
                import select

                while select.select([fd], [], [], 0.05)[0]:
                    os.read(fd, 16)
                ch = ""
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, old)
        if ch in ("\x04",):  # Ctrl-D
            raise EOFError
        self.console.print(ch if ch.isprintable() else "", markup=False)
        return ch.lower() if ch.isprintable() else ""

    def read_line(self, prompt: str) -> str | None:
        self.console.print(prompt, end="", markup=False)
        self.console.file.flush()
        if not self.tty:
            line = self.stdin.readline()
            if not line:
                return None
            self.console.print(line.rstrip("\n"), markup=False, highlight=False)
            return line.rstrip("\r\n")
        # canonical mode: the terminal edits the line, one read returns it whole
        fd = self.stdin.fileno()
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = os.read(fd, 4096)
            if not chunk:
                return None if not buf else buf.decode("utf-8", "replace")
            buf += chunk
        return buf.decode("utf-8", "replace").rstrip("\r\n")

    def read_block(self, prompt: str) -> str | None:
        self.console.print(prompt, markup=False)
        lines: list[str] = []
        while True:
            line = self.read_line("  ")
            if line is None:
                return None
            if line == ".":
                return "\n".join(lines)
            lines.append(line)

    # -- output -----------------------------------------------------------------------------------
    def say(self, text: str, level: str = "info") -> None:
        style = LEVEL_STYLE.get(level, "")
        prefix = {"ok": "✓ ", "warn": "! ", "error": "✗ "}.get(level, "· ")
        self.console.print(Text(prefix + text, style=style), soft_wrap=True)

    def show_help(self) -> None:
        self.console.print(Text(HELP), soft_wrap=True)

    def show_keys(self, state: ReviewState, item: Item | None) -> None:
        if self.compact:
            return
        for line in key_lines(item, bool(state.history), min(KEY_BAR_WIDTH, self.console.width)):
            self.console.print(Text(line, style="bold"), soft_wrap=True)

    def _position(self, state: ReviewState, item: Item) -> str:
        return f"{state.order.index(item.ref.id) + 1}/{len(state.order)}"

    def show_heading(self, state: ReviewState, item: Item) -> None:
        r = item.ref
        line = Text()
        line.append(f"[{self._position(state, item)}] ")
        line.append(f" {r.severity.upper()} ", style=SEVERITY_STYLE.get(r.severity, ""))
        line.append(f" {r.id}  {r.title}  ", style="bold")
        line.append(f"{r.file}:{r.line_start}-{r.line_end}", style="cyan")
        self.console.print(line, soft_wrap=True)

    def show_brief(self, state: ReviewState, item: Item) -> None:
        """Back on a finding already shown: one line (where, what, its status), then the keys."""
        if self.compact:
            return
        self.show_brief_line(state, item, hint=True)
        self.show_keys(state, item)

    def show_brief_line(self, state: ReviewState, item: Item, hint: bool = False) -> None:
        r = item.ref
        line = Text()
        line.append(f"{r.id} · {self._position(state, item)} · ")
        line.append(f" {r.severity.upper()} ", style=SEVERITY_STYLE.get(r.severity, ""))
        line.append(f" {r.title}  ", style="bold")
        line.append(f"{r.file}:{r.line_start}-{r.line_end}", style="cyan")
        line.append("  status: ")
        line.append(item.status, style=STATUS_STYLE.get(item.status, "bold"))
        if hint:
            line.append("  ([c] shows the code, [d] the details)", style="dim")
        self.console.print(line, soft_wrap=True)

    def show_details(self, state: ReviewState, item: Item, details: "FindingDetails | None" = None) -> None:
        """What the heading does not say (review/details.py): the verdict, the plan, the symbol,
        the cited lines with a few around them, the weakness's help."""
        if self.compact:
            return
        if details is None:
            self._describe(state, item)
        else:
            self.show_brief_line(state, item)
            for line in detail_lines(item, details):
                self.console.print(line, soft_wrap=True)
            self._code(details.view, title="cited lines")
        if item.note:
            self.console.print(Text(f"Last message: {item.note}", style="yellow"), soft_wrap=True)
        self.show_keys(state, item)

    def show_finding(self, state: ReviewState, item: Item, view: dict[str, Any]) -> None:
        """The whole finding: its text, the code around it, a pending proposal, the keys."""
        if self.compact:
            return
        self._describe(state, item)
        self._code(view)
        if item.note:
            self.console.print(Text(f"Last message: {item.note}", style="yellow"), soft_wrap=True)
        if item.proposal:
            self.show_proposal(item)
        self.show_keys(state, item)

    def _describe(self, state: ReviewState, item: Item) -> None:
        r = item.ref
        self.console.print(Rule(f"{r.id} · {self._position(state, item)} · {r.severity}", style=SEVERITY_STYLE.get(r.severity, "")))
        head = Text()
        head.append(f" {r.severity.upper()} ", style=SEVERITY_STYLE.get(r.severity, ""))
        head.append(f" {r.title}", style="bold")
        head.append(f"   ({r.category}{', ' + r.cwe if r.cwe else ''})", style="dim")
        self.console.print(head, soft_wrap=True)
        where = Text()
        where.append(f"{r.file}:{r.line_start}-{r.line_end}", style="cyan")
        where.append(f"   grounding: {r.grounding}   status: ")
        where.append(item.status, style=STATUS_STYLE.get(item.status, "bold"))
        self.console.print(where, soft_wrap=True)
        self.console.print(Text(f"Why: {r.reason}"), soft_wrap=True)
        if item.fp_reason and item.status == "false-positive":
            self.console.print(Text(f"False positive: {item.fp_reason}", style="magenta"), soft_wrap=True)
        if item.fix:
            where_fix = f"commit {item.fix.commit[:10]}" if item.fix.commit else f"work tree (backup {item.fix.backup})"
            tests = f"; tests {item.fix.tests.status}" if item.fix.tests else ""
            self.console.print(Text(f"Fixed: {where_fix}; re-check: {item.fix.recheck.status}{tests}", style="green"), soft_wrap=True)

    def _code(self, view: dict[str, Any], title: str = "") -> None:
        if "error" in view:
            self.console.print(Text(f"(cannot show the code: {view['error']})", style="yellow"))
        else:
            a, b = view["flagged"]
            code = Syntax(view["code"], Syntax.guess_lexer(view["path"], view["code"]), theme="ansi_dark", line_numbers=True,
                          start_line=view["start"], highlight_lines=set(range(a, b + 1)), word_wrap=True)
            where = f"{view['path']} lines {view['start']}-{view['end']}"
            self.console.print(Panel(code, title=f"{title}: {where}" if title else where, subtitle=view["note"],
                                     title_align="left", subtitle_align="right"))

    def show_proposal(self, item: Item) -> None:
        p = item.proposal
        if p is None:
            return
        who = "the model" if p.source == "model" else "you"
        parts: list[Any] = []
        if p.explanation:
            parts.append(Text(p.explanation))
        for n, e in enumerate(p.edits, 1):
            span = f"line {e.line_start}" if e.line_start == e.line_end else f"lines {e.line_start}-{e.line_end}"
            parts.append(Text(f"edit {n}: {e.file} {span}", style="dim"))
        if p.masked:
            parts.append(Text("(proposed before the session was saved; saved sessions keep no code: press [f] or [e] to make it again)",
                              style="yellow"))
        else:
            parts.append(Syntax(p.diff.rstrip("\n") or "(empty diff)", "diff", theme="ansi_dark", word_wrap=True))
        self.console.print(Panel(Group(*parts), title=f"Proposed fix for {item.ref.id} (by {who})", title_align="left"))

    def show_done(self, state: ReviewState) -> None:
        if self.compact:
            return
        c = state.counts()
        self.console.print(Rule("review"))
        if not state.order:
            left = [f"{len(state.skipped_suppressed)} already suppressed"] if state.skipped_suppressed else []
            left += [f"{len(state.skipped_rejected)} rejected by grounding"] if state.skipped_rejected else []
            extra = f" ({', '.join(left)})" if left else ""
            self.console.print(Text(f"No findings to review{extra}."))
        else:
            head = "Every finding has been reviewed" if not c["pending"] else f"End of the list ({c['pending']} still pending: [b]ack to them)"
            self.console.print(Text(f"{head}: {c['fixed']} fixed, {c['false-positive']} false positive, "
                                    f"{c['skipped']} skipped, {c['pending']} pending."), soft_wrap=True)
        self.console.print(Text(key_bar(None, bool(state.history)), style="bold"))

    def show_summary(self, state: ReviewState, state_file: Path | None, report: Path, ahead: int | None = None) -> None:
        """``ahead``: the commits the review branch holds beyond its base, where the session could
        ask git (None: it could not, or there is no worktree; the state's own count is used)."""
        c = state.counts()
        self.console.print(Rule("session"))
        self.console.print(Text(f"{c['fixed']} fixed, {c['false-positive']} false positive, {c['skipped']} skipped, "
                                f"{c['pending']} pending"), soft_wrap=True)
        commits = [i.fix.commit for i in state.items.values() if i.fix and i.fix.commit]
        if state.branch and state.worktree and ahead == 0:
            for line in empty_branch_notes(state):
                self.console.print(Text(line), soft_wrap=True)
        elif state.branch and state.base_commit:
            n = ahead if ahead is not None else len(commits)
            what = "Fixes are" if commits else "The false positives are"
            self.console.print(Text(f"{what} on branch {state.branch} ({n} commit{'s' if n != 1 else ''} on {state.base_ref}): "
                                    f"see `git log {state.base_ref}..{state.branch}`"), soft_wrap=True)
            if state.worktree:
                for line in worktree_notes(state):
                    self.console.print(Text(line), soft_wrap=True)
        if c["false-positive"]:
            on_branch = any(h.commit for h in state.history if h.kind == "false-positive")
            self.console.print(Text(f"False positives are in modernize-suppressions.toml on branch {state.branch}: merging it takes them "
                                    "with the fixes." if on_branch else
                                    "False positives are in modernize-suppressions.toml: commit it with the code."), soft_wrap=True)
        if state_file is not None:
            self.console.print(Text(f"Session saved to {state_file}; resume with `{self.command} review {report}`."), soft_wrap=True)


def detail_lines(item: Item, d: "FindingDetails") -> list[Text]:
    """The details as lines: each says what it is, and says so when there is nothing to say."""
    r = item.ref
    out = [Text(f"Why: {r.reason}")]
    by = f"  · reported by the {d.source} agent" if d.source else ""
    verdict = {"confirmed": "confirmed", "false-positive": "judged a false positive", "uncertain": "uncertain"}.get(d.verdict or "")
    out.append(Text(f"Validator: {verdict}" + (f": {d.verdict_note}" if d.verdict_note else "") + by if verdict
                    else f"Validator: not judged (the validator gave no verdict on this finding){by}",
                    style={"confirmed": "green", "false-positive": "magenta"}.get(d.verdict or "", "")))
    out.append(Text(f"In: {d.symbol}" if d.symbol else "In: (no enclosing class, method or function: top-level code)"))
    if d.plan:
        out += [Text(f"Plan: {p.id} {p.title} ({p.phase}, effort {p.effort}; {p.how})") for p in d.plan]
    else:
        out.append(Text("Plan: no item of the modernization plan addresses it", style="dim"))
    if d.weakness:
        w = d.weakness
        said = " (the CWE its category means; the finding named none)" if w.inferred else ""
        out.append(Text(f"{w.cwe}: {w.name}{said}", style="bold"))
        out.append(Text(f"  How to fix: {w.remediation}"))
        out.append(Text(f"  {w.uri}", style="cyan"))
    else:
        out.append(Text(f"Weakness: {r.category} (no CWE)", style="dim"))
    if item.fp_reason and item.status == "false-positive":
        out.append(Text(f"False positive: {item.fp_reason}", style="magenta"))
    if item.fix:
        where_fix = f"commit {item.fix.commit[:10]}" if item.fix.commit else f"work tree (backup {item.fix.backup})"
        tests = f"; tests {item.fix.tests.status}" if item.fix.tests else ""
        out.append(Text(f"Fixed: {where_fix}; re-check: {item.fix.recheck.status}{tests}", style="green"))
    return out


def key_bar(item: Item | None, undoable: bool = True) -> str:
    """The keys that act now, on one line (see ``key_lines`` for the bar as printed)."""
    keys = actions(item, undoable)
    return KEY_SEP.join(KEY_LABELS[name] for group in KEY_GROUPS for name in group if name in keys)


def key_lines(item: Item | None, undoable: bool = True, width: int = KEY_BAR_WIDTH) -> list[str]:
    """The key bar as printed: one line when it fits ``width``, else a line for the keys that act
    on the finding and one for moving about (each broken again between keys if still too long);
    never broken inside a key."""
    whole = key_bar(item, undoable)
    if len(whole) <= width:
        return [whole]
    keys = actions(item, undoable)
    lines: list[str] = []
    for group in KEY_GROUPS:
        line = ""
        for name in group:
            if name not in keys:
                continue
            label = KEY_LABELS[name]
            if line and len(line) + len(KEY_SEP) + len(label) > width:
                lines.append(line)
                line = label
            else:
                line = f"{line}{KEY_SEP}{label}" if line else label
        if line:
            lines.append(line)
    return lines


def empty_branch_notes(state: ReviewState) -> list[str]:
    """The review branch holds no commit beyond its base (every fix was undone, or none applied):
    nothing to merge. The session leaves the worktree and the branch in place (quitting means
    "resume later", and a resumed session fixes there again); this says how to remove them."""
    wt, branch = state.worktree, state.branch
    base = state.base_ref or "the commit it started from"
    return [f"Nothing to merge: branch {branch} has no commits beyond {base} (no fix is applied there).",
            f"  To remove its worktree and the branch: `git worktree remove {wt} && git branch -D {branch}` "
            "(or resume the session to fix more there)."]


def worktree_notes(state: ReviewState) -> list[str]:
    """Where the fixes are and what to do with them: said when the session ends."""
    wt, branch = state.worktree, state.branch
    return [f"  The branch is checked out in its own worktree, {wt} (your work tree was not switched): look there, "
            f"or `git diff {state.base_ref}...{branch}`.",
            f"  To take the fixes: `git merge {branch}` on {state.base_ref}. When done: `git worktree remove {wt}` "
            f"(and `git branch -D {branch}` if you do not merge it)."]
