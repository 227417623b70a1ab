"""A repository written by an attacker: every place git (or a build tool) would run a program from
it is planted with a command that creates a marker file, so a test can tell what ran.

``plant`` returns the repository; ``fired`` lists the markers that exist. The control test runs
plain git on a copy to show the plants are live (so "nothing fired" means something).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

HOTEL = Path(__file__).resolve().parents[2] / "sample_repos" / "legacy-hotel"
# a small slice of the hotel sample: real legacy code with real findings, quick to analyse on CPU
FILES = [
    "src/main/java/com/grandhotel/util/DBUtil.java",
    "src/main/java/com/grandhotel/security/Authenticator.java",
    "src/main/resources/application.properties",
    "src/main/webapp/mybooking.jsp",
    "build.xml",
]
HOOKS = ["pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "post-checkout", "post-merge", "pre-rebase",
         "post-rewrite", "reference-transaction", "post-index-change", "pre-auto-gc", "pre-push", "fsmonitor-watchman"]


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    ident = ["-c", "user.name=Attacker", "-c", "user.email=a@evil.test", "-c", "core.hooksPath=/dev/null"]
    return subprocess.run(["git", *ident, *args], cwd=repo, capture_output=True, text=True, check=True, env=env)


def _touch(markers: Path, name: str) -> str:
    return f"touch {markers / name}"


def _script(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body + "\ncat 2>/dev/null\nexit 0\n")
    path.chmod(0o755)


def plant(repo: Path, markers: Path) -> Path:
    """Build the hostile repository at ``repo``; markers appear under ``markers``."""
    markers.mkdir(parents=True, exist_ok=True)
    for rel in FILES:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(HOTEL / rel, repo / rel)
    # build files and scripts a careless tool might run
    (repo / "Makefile").write_text(f"all:\n\t{_touch(markers, 'makefile')}\n")
    (repo / "package.json").write_text('{"name": "x", "scripts": {"postinstall": "%s", "test": "%s"}}\n'
                                       % (_touch(markers, "npm-postinstall"), _touch(markers, "npm-test")))
    (repo / "setup.py").write_text(f"import os\nos.system({_touch(markers, 'setup-py')!r})\n")
    (repo / "conftest.py").write_text(f"import os\nos.system({_touch(markers, 'conftest')!r})\n")
    (repo / ".envrc").write_text(_touch(markers, "direnv") + "\n")
    # attributes naming drivers that the config below defines
    (repo / ".gitattributes").write_text("*.java filter=evil diff=evil merge=evil\n*.jsp filter=inc\n*.xml filter=proc\n*.properties diff=inc2\n")
    # a config file inside the tree, pulled in by include.path and includeIf
    (repo / ".evil-include").write_text(f'[filter "inc"]\n\tclean = {_touch(markers, "include-filter-clean")}; cat\n'
                                        f'\tsmudge = {_touch(markers, "include-filter-smudge")}; cat\n')
    (repo / ".evil-includeif").write_text(f'[diff "inc2"]\n\ttextconv = sh -c \'{_touch(markers, "includeif-textconv")}; cat "$1"\' -\n')
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "vendor drop")
    # a submodule whose own git directory carries an fsmonitor command
    sub = repo / "libs" / "sub"
    sub.mkdir(parents=True)
    (sub / "Lib.java").write_text("class Lib {}\n")
    _git(sub, "init", "-q", "-b", "main")
    _git(sub, "add", "-A")
    _git(sub, "commit", "-q", "-m", "lib")
    _git(sub, "config", "core.fsmonitor", f"{_touch(markers, 'submodule-fsmonitor')}; true")
    _git(repo, "add", "libs/sub")
    _git(repo, "commit", "-q", "-m", "add lib")

    cfg = {
        "core.fsmonitor": f"{_touch(markers, 'fsmonitor')}; true",
        "core.hooksPath": str(repo / ".githooks"),
        "filter.evil.clean": f"{_touch(markers, 'filter-clean')}; cat",
        "filter.evil.smudge": f"{_touch(markers, 'filter-smudge')}; cat",
        "filter.proc.process": _touch(markers, "filter-process"),
        "diff.evil.textconv": f"sh -c '{_touch(markers, 'textconv')}; cat \"$1\"' -",
        "diff.evil.command": _touch(markers, "diff-command"),
        "diff.external": _touch(markers, "diff-external"),
        "merge.evil.driver": _touch(markers, "merge-driver"),
        "core.pager": f"{_touch(markers, 'pager')}; cat",
        "pager.status": f"{_touch(markers, 'pager-status')}; cat",
        "core.editor": _touch(markers, "editor"),
        "sequence.editor": _touch(markers, "sequence-editor"),
        "core.sshCommand": _touch(markers, "ssh-command"),
        "core.gitProxy": _touch(markers, "git-proxy"),
        "core.askPass": _touch(markers, "askpass"),
        "credential.helper": f"!{_touch(markers, 'credential-helper')}",
        "gpg.program": str(repo / ".githooks" / "gpg"),
        "commit.gpgSign": "true",
        "tag.gpgSign": "true",
        "uploadpack.packObjectsHook": _touch(markers, "pack-objects-hook"),
        "core.alternateRefsCommand": _touch(markers, "alternate-refs"),
        "protocol.allow": "always",
        "remote.origin.url": f"ext::sh -c {_touch(markers, 'ext-remote').replace(' ', '% ')}",
        "core.repositoryformatversion": "1",
        "extensions.partialClone": "origin",
        "include.path": "../.evil-include",
        "includeIf.gitdir:/.path": "../.evil-includeif",
        "gc.auto": "1",
        "alias.st": f"!{_touch(markers, 'alias')}",
    }
    for key, value in cfg.items():
        _git(repo, "config", key, value)
    for name in HOOKS:
        _script(repo / ".git" / "hooks" / name, _touch(markers, f"hook-{name}"))
        _script(repo / ".githooks" / name, _touch(markers, f"hookspath-{name}"))
    _script(repo / ".githooks" / "gpg", _touch(markers, "gpg-program"))
    # dirty the tree: a tracked file changed in place (same size), so plain git must hash it
    jsp = repo / FILES[3]
    text = jsp.read_text()
    jsp.write_text(text.replace("Booking", "Bxoking", 1))
    return repo


def fired(markers: Path) -> list[str]:
    return sorted(p.name for p in markers.iterdir()) if markers.exists() else []


def tree_state(repo: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of every file and link under ``repo``, .git included: what a run may not change."""
    out = {}
    for p in sorted(repo.rglob("*")):
        st = p.lstat()
        out[p.relative_to(repo).as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


def craft_index(repo: Path, entries: list[tuple[str, int, bytes]]) -> None:
    """Write ``repo``'s git index by hand, listing ``entries`` (path, mode, content): paths git
    itself refuses to stage (``../outside/Secret.java``, a file under a tracked link) included, as a
    crafted repository can ship them. Index version 2, with its trailing checksum."""
    import hashlib
    import struct

    body = []
    for path, mode, data in sorted(entries, key=lambda e: e[0].encode()):
        sha = subprocess.run(["git", "hash-object", "-w", "--stdin"], input=data, cwd=repo, capture_output=True, check=True).stdout.strip()
        name = path.encode()
        entry = struct.pack(">10I", 0, 0, 0, 0, 0, 0, mode, 0, 0, len(data)) + bytes.fromhex(sha.decode())
        entry += struct.pack(">H", min(len(name), 0xFFF)) + name
        body.append(entry + b"\0" * (8 - len(entry) % 8))
    blob = b"DIRC" + struct.pack(">II", 2, len(body)) + b"".join(body)
    (repo / ".git" / "index").write_bytes(blob + hashlib.sha1(blob).digest())
