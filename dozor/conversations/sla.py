"""Overdue (seed 000): a conversation is overdue while it has stayed in its work state longer
than its group's target for its medium. Time alone flips it; no event is needed.

DESIGN.md's default targets live here; the admin's own targets and business hours, and the
judgement itself, are ``dozor.live.targets`` (the console) and ``dozor.conversations.overdue``
(the dialog list)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from dozor.conversations.state import ConversationState


@dataclass(frozen=True)
class Targets:
    """Seconds allowed in each work state; None: no target."""

    new: float | None
    unanswered: float | None
    answered: float | None


DEFAULT_TARGETS: dict[str, Targets] = {
    "chat": Targets(new=60, unanswered=120, answered=30 * 60),
    "call": Targets(new=20, unanswered=None, answered=None),
    "email": Targets(new=4 * 3600, unanswered=4 * 3600, answered=None),
}


def deadline(
    state: ConversationState, targets: dict[str, Targets] = DEFAULT_TARGETS
) -> datetime | None:
    """When the conversation turns overdue in its current work state, or None."""
    medium_targets = targets.get(state.medium or "chat")
    if medium_targets is None or state.work_state == "closed" or state.work_state_since is None:
        return None
    limit = getattr(medium_targets, state.work_state)
    return None if limit is None else state.work_state_since + timedelta(seconds=limit)
