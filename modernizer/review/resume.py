"""Sessions saved by older versions of the review, brought up to date when they are resumed."""

from __future__ import annotations

from modernizer.review.state import ReviewState


def drop_rejected(state: ReviewState) -> ReviewState:
    """A session saved before rejected findings were left out: its untouched rejected findings
    leave the walk (one acted on stays, so its fix or false positive can still be undone)."""
    touched = {h.finding_id for h in state.history}
    gone = [fid for fid in state.order if state.items[fid].ref.grounding == "rejected"
            and state.items[fid].status == "pending" and fid not in touched]
    if not gone:
        return state
    order = [fid for fid in state.order if fid not in gone]
    current = state.order[state.cursor] if 0 <= state.cursor < len(state.order) else None
    if current in order:
        cursor = order.index(current)
    else:  # the first kept finding after where the cursor was
        later = [fid for fid in state.order[state.cursor:] if fid in order] if current else []
        cursor = order.index(later[0]) if later else len(order)
    history = [h.model_copy(update={"cursor": order.index(h.finding_id)}) for h in state.history]
    return state.model_copy(update={"order": order, "items": {fid: state.items[fid] for fid in order}, "cursor": cursor,
                                    "history": history, "skipped_rejected": [*state.skipped_rejected, *gone]})
