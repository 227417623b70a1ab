"""What flows through the review's state machine (state.py): events in (a key, or the outcome of
an effect) and effects out (what the I/O layer must do). Plain frozen data, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal, Union

if TYPE_CHECKING:  # annotations only: state.py imports this module
    from modernizer.findings.suppressions import Suppression
    from modernizer.review.state import AppliedFix, Proposal


# -- events: what happened (a key, or the outcome of an effect) ---------------------------------

@dataclass(frozen=True)
class Begin:
    resumed: bool = False


@dataclass(frozen=True)
class Next:
    pass


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class Details:
    pass


@dataclass(frozen=True)
class ShowCode:
    """Show the current finding's code again (it is shown by itself only the first time)."""


@dataclass(frozen=True)
class Goto:
    finding_id: str


@dataclass(frozen=True)
class Skip:
    pass


@dataclass(frozen=True)
class AskFix:
    """Ask the model for a fix to the current finding."""


@dataclass(frozen=True)
class EditEntered:
    """The user wrote a fix: search/replace pairs, checked exactly like the model's."""

    edits: tuple[tuple[str, str, str], ...]  # (file, search, replace)
    explanation: str = ""


@dataclass(frozen=True)
class FixProposed:
    finding_id: str
    proposal: Proposal


@dataclass(frozen=True)
class FixRejected:
    finding_id: str
    message: str


@dataclass(frozen=True)
class Apply:
    pass


@dataclass(frozen=True)
class FixApplied:
    finding_id: str
    fix: AppliedFix
    base_ref: str | None = None      # set when this fix created the review branch
    base_commit: str | None = None


@dataclass(frozen=True)
class ApplyFailed:
    finding_id: str
    message: str


@dataclass(frozen=True)
class MarkFalsePositive:
    reason: str
    owner: str
    today: date


@dataclass(frozen=True)
class SuppressionAdded:
    finding_id: str
    previous: Suppression | None = None
    commit: str | None = None        # git mode: its commit on the review branch (review/falsepos.py)
    created: bool = False
    base_ref: str | None = None      # set when this mark created the review branch
    base_commit: str | None = None


@dataclass(frozen=True)
class SuppressionFailed:
    finding_id: str
    message: str


@dataclass(frozen=True)
class Undo:
    pass


@dataclass(frozen=True)
class Reverted:
    finding_id: str


@dataclass(frozen=True)
class RevertFailed:
    finding_id: str
    message: str


@dataclass(frozen=True)
class Quit:
    pass


Event = Union[Begin, Next, Back, Details, ShowCode, Goto, Skip, AskFix, EditEntered, FixProposed, FixRejected, Apply, FixApplied,
              ApplyFailed, MarkFalsePositive, SuppressionAdded, SuppressionFailed, Undo, Reverted, RevertFailed, Quit]


# -- effects: what the I/O layer must do ----------------------------------------------------------

@dataclass(frozen=True)
class Show:
    """Show the current finding, or the end screen when none is left. ``view``: "auto" shows the
    whole finding with its code (read from disk) the first time, a one-line reminder after;
    "code" shows it whole again; "details" shows its text without the code."""

    finding_id: str | None
    view: Literal["auto", "code", "details"] = "auto"


@dataclass(frozen=True)
class ShowProposal:
    finding_id: str


@dataclass(frozen=True)
class Say:
    text: str
    level: Literal["info", "ok", "warn", "error"] = "info"


@dataclass(frozen=True)
class RequestFix:
    finding_id: str
    attempt: int  # 1 for the first request; later ones sample differently


@dataclass(frozen=True)
class CheckEdits:
    finding_id: str
    edits: tuple[tuple[str, str, str], ...]
    explanation: str


@dataclass(frozen=True)
class ApplyFix:
    finding_id: str
    proposal: Proposal
    branch: str | None


@dataclass(frozen=True)
class RevertFix:
    finding_id: str
    fix: AppliedFix
    branch: str | None


@dataclass(frozen=True)
class AddSuppression:
    finding_id: str
    suppression: Suppression


@dataclass(frozen=True)
class RemoveSuppression:
    finding_id: str
    fingerprint: str
    previous: Suppression | None
    commit: str | None = None
    created: bool = False


@dataclass(frozen=True)
class SaveState:
    pass


@dataclass(frozen=True)
class Exit:
    pass


Effect = Union[Show, ShowProposal, Say, RequestFix, CheckEdits, ApplyFix, RevertFix, AddSuppression, RemoveSuppression,
               SaveState, Exit]
