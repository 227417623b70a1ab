"""[e]dit: the reviewer writes the fix. With ``$VISUAL`` or ``$EDITOR`` set, the cited lines open in
that editor (a temporary file holding just those lines) and what is saved replaces them; without
one, the search and replacement texts are typed at a line prompt, as before (and the session says
how to get the editor).

Either way the result is the same ``EditEntered`` event, checked like the model's fixes (the
search text must occur exactly once: the editor's lines are anchored with as many neighbouring
lines as it takes to be unique, so a cited ``}`` still lands where it was). Saved unchanged or
empty, or an editor that exits non-zero: no change, and the session says which. The editor is the
reviewer's own program, named by their environment; nothing from the analysed repository runs.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from modernizer.errors import ModernizerError
from modernizer.review import state as st
from modernizer.review.apply import locate_finding
from modernizer.review.state import FindingRef

MAX_ANCHOR = 12  # neighbouring lines added, at most, to make the cited lines unique in the file
NO_EDITOR = "(set $VISUAL or $EDITOR, e.g. `export EDITOR=nano`, to edit the cited lines in your editor)"


def editor_command(env: dict[str, str] | None = None) -> list[str] | None:
    """``$VISUAL``, else ``$EDITOR``, split as a shell would (``code --wait``); None when neither is set."""
    env = os.environ if env is None else env
    for name in ("VISUAL", "EDITOR"):
        value = (env.get(name) or "").strip()
        if value:
            try:
                return shlex.split(value) or None
            except ValueError:
                return value.split()
    return None


def anchored(lines: list[str], a: int, b: int, new: str) -> tuple[str, str]:
    """(search, replace) for replacing lines ``a``-``b`` by ``new``: the cited lines, widened by
    neighbours on both sides until they occur once in the file (or MAX_ANCHOR is reached)."""
    text = "\n".join(lines)
    for k in range(MAX_ANCHOR + 1):
        lo, hi = max(1, a - k), min(len(lines), b + k)
        search = "\n".join(lines[lo - 1:hi])
        if text.count(search) == 1 or (lo == 1 and hi == len(lines)):
            break
    before, after = lines[lo - 1:a - 1], lines[b:hi]
    return search, "\n".join([*before, new, *after]) if (before or after) else new


def edit_in_editor(root: Path, ref: FindingRef, command: list[str], interactive: bool) -> tuple[st.EditEntered | None, str]:
    """Open the cited lines in ``command``; (the edit, or None, and what to tell the reviewer).
    ``interactive``: the editor gets the terminal; else its stdin is closed (a script's input is
    the session's keys, not the editor's)."""
    try:
        tf, a, b, _ = locate_finding(root, ref)
    except ModernizerError as exc:
        return None, f"cannot open the cited lines: {exc.message}"
    lines = tf.text.replace("\r\n", "\n").split("\n")
    cited = "\n".join(lines[a - 1:b])
    with tempfile.TemporaryDirectory(prefix="modernize-edit-") as tmp:
        suffix = re.sub(r"[^A-Za-z0-9.]", "", Path(ref.file).suffix)[:12]  # the editor highlights by it; the name is the report's
        path = Path(tmp) / f"{re.sub(r'[^A-Za-z0-9]', '', ref.id)[:12] or 'finding'}-lines-{a}-{b}{suffix}"
        path.write_text(cited + "\n", encoding="utf-8")
        try:
            proc = subprocess.run([*command, str(path)], stdin=None if interactive else subprocess.DEVNULL, check=False)
        except OSError as exc:
            return None, f"cannot start the editor {command[0]!r} ({exc.strerror or exc}): nothing changed {NO_EDITOR}"
        if proc.returncode != 0:
            return None, f"the editor exited with status {proc.returncode}: nothing changed"
        new = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
    new = new[:-1] if new.endswith("\n") else new  # editors end a file with a newline; the cited lines had none after them
    if not new.strip():
        return None, "the edited lines are empty: nothing changed (to delete lines, use the line prompt: unset $VISUAL and $EDITOR)"
    if new == cited:
        return None, "the cited lines were saved unchanged: nothing changed"
    search, replace = anchored(lines, a, b, new)
    return st.EditEntered(edits=((ref.file, search, replace),), explanation=f"edited in {Path(command[0]).name}"), \
        f"lines {a}-{b} of {ref.file} edited in {Path(command[0]).name}"


def read_edit(ui: Any, ref: FindingRef, root: Path) -> st.EditEntered | None:
    """[e]: the editor when one is set, else the line prompts."""
    command = editor_command()
    if command is not None:
        edit, message = edit_in_editor(root, ref, command, getattr(ui, "tty", False))
        ui.say(message, "info" if edit else "warn")
        return edit
    ui.say(f"Write the fix at the prompts {NO_EDITOR}", "info")
    file = ui.read_line(f"File to change [{ref.file}]: ")
    if file is None:
        return None
    file = file.strip() or ref.file
    search = ui.read_block("Search text: the exact lines to replace, then a line with a single '.':")
    if not search:
        ui.say("Cancelled: no search text", "warn")
        return None
    replace = ui.read_block("Replacement: the new lines, then a line with a single '.':")
    if replace is None:
        ui.say("Cancelled", "warn")
        return None
    return st.EditEntered(edits=((file, search, replace),))
