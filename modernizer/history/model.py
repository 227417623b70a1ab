"""What the history holds and what the report shows of it: pure data, no I/O.

A recorded run keeps each finding's fingerprint (what baselines and suppressions match), severity
and where it points, never its quoted code: the history answers "how many, since when", the
report of that run has the rest."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

FindingState = Literal["open", "suppressed", "rejected", "not-reported"]


class RecordedFinding(BaseModel):
    fingerprint: str
    severity: str
    state: FindingState = Field(description="open: grounded and not suppressed; not-reported: a baseline finding "
                                            "the model left out although its code is unchanged (still open)")
    category: str = ""
    cwe: str = ""
    file: str = ""
    line: int = 0
    title: str = ""


class RecordedRun(BaseModel):
    """One run as the history keeps it. ``id`` is given by the store (0 until recorded)."""

    id: int = 0
    generated_at: str
    repo: str
    commit: str | None = None
    branch: str | None = None
    dirty: bool = False
    model: str = Field(default="", description="the served model's name; empty for a --no-llm run")
    mode: str = ""
    tool_version: str = ""
    complete: bool = Field(default=True, description="every agent and module finished (exit 0 or 1, not 5)")
    report: str = Field(default="", description="the report's file name (without extension)")
    findings: list[RecordedFinding] = Field(default_factory=list)
    sightings: list[tuple[str, str, str]] = Field(default_factory=list, description=(
        "(fingerprint, severity, state) of each finding: how the history reads back older runs, whose titles and "
        "places the trend does not show (a year of runs of a large tree is 100,000 rows)"))


class TrendRun(BaseModel):
    """One run in the report's trend: open findings by severity, and what changed since the
    previous complete run (the same run a baseline comes from)."""

    run: int
    generated_at: str
    commit: str | None = None
    model: str = ""
    complete: bool = True
    open_by_severity: dict[str, int]
    new: int = Field(description="open findings whose fingerprint was not open in the previous complete run")
    fixed: int | None = Field(description="fingerprints open in the previous complete run, gone (or rejected) in this one; "
                                          "None for an incomplete run (what it did not see is not fixed: the next complete run counts it)")


class OpenSince(BaseModel):
    """An open finding and how long it has been open: the run it was first seen in, counting back
    over the runs it was open (or not reported although its code is unchanged) without a gap."""

    fingerprint: str
    severity: str
    title: str = ""
    file: str = ""
    line: int = 0
    first_run: int
    first_seen: str
    runs: int = Field(description="how many recorded runs in a row it has been open, this one included")


class Trend(BaseModel):
    """The history as the report shows it (report schema 1.6): the latest runs, oldest first."""

    source: str = Field(default="", description="the history file's name")
    total_runs: int
    runs: list[TrendRun] = Field(default_factory=list, description="the latest runs (at most 52), oldest first")
    open_critical: int = 0
    oldest_critical: OpenSince | None = Field(default=None, description="the open critical finding open the longest")
