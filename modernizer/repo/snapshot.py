"""The repository as the rest of the tool sees it: decoded text plus a record of what was left out.

A Snapshot is plain data, built once by ``ingest`` and passed everywhere else, so that every later
step (facts, context, grounding) reads the same bytes and nothing touches the disk again.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SkipReason = Literal[
    "excluded-dir",
    "excluded-pattern",
    "lockfile",
    "minified",
    "generated",
    "binary",
    "too-large",
    "unreadable",
    "symlink-outside-repo",
    "outside-repo",
    "symlink-loop",
    "not-regular-file",
    "gitignored",
]


class SourceFile(BaseModel):
    path: str = Field(description="POSIX path relative to the repository root")
    language: str
    text: str
    sha256: str
    lines: int
    size_bytes: int
    encoding: str = "utf-8"
    decode_note: str | None = Field(
        default=None, description="set when the bytes were not clean UTF-8 and a fallback was used"
    )
    role: str = Field(default="source", description="what the file is to the application (roles.py)")


class SetAside(BaseModel):
    """A readable file of a role that is not analysed (tests, docs, translations, third-party...):
    listed, never sent to the model."""

    path: str
    role: str
    lines: int
    size_bytes: int
    tokens: int = Field(description="approximate: characters / 4 (set-aside files are not counted exactly)")
    why: str = Field(default="", description="what in the tree decided the role, where the tree did (treeroles.py): "
                                             "the folder's README.libs, its own licence and manifest, a known library's layout...")


class SkippedFile(BaseModel):
    path: str
    reason: SkipReason
    detail: str = ""


class GitInfo(BaseModel):
    commit: str | None = None
    branch: str | None = None
    dirty: bool = False
    prefix: str = Field(default="", description=(
        "the analysed folder's POSIX path relative to the git work tree's top level ('' when it is the top level): "
        "SARIF locations and source links are made relative to the top level with it, which is where GitHub resolves them"))


class Snapshot(BaseModel):
    root: str
    name: str
    git: GitInfo | None = None
    files: list[SourceFile] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)
    set_aside: list[SetAside] = Field(default_factory=list, description="readable files of roles not analysed this run")
    notes: list[str] = Field(default_factory=list, description="what ingestion decided that a reader should know (a test-only tree analysed)")

    def file(self, path: str) -> SourceFile | None:
        for f in self.files:
            if f.path == path:
                return f
        return None

    @property
    def total_lines(self) -> int:
        return sum(f.lines for f in self.files)
