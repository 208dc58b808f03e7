"""An operator's status as a pure fold over ``operator.status`` events."""

from dataclasses import dataclass, replace
from datetime import datetime

from dozor.events.contract import OperatorStatus


@dataclass(frozen=True, slots=True)
class StatusState:
    status: str = "offline"
    status_since: datetime | None = None
    status_reason: str | None = None
    last_ts: datetime | None = None
    last_event_id: str = ""


def is_late(state: StatusState, event: OperatorStatus) -> bool:
    return state.last_ts is not None and (event.ts, event.id) <= (
        state.last_ts,
        state.last_event_id,
    )


def apply(state: StatusState, event: OperatorStatus) -> StatusState:
    """Fold the latest status event: "since" moves only when the status itself changes."""
    changed = event.status != state.status or state.status_since is None
    return replace(
        state,
        status=event.status,
        status_since=event.ts if changed else state.status_since,
        status_reason=event.reason,
        last_ts=event.ts,
        last_event_id=event.id,
    )


def fold(events: list[OperatorStatus]) -> StatusState:
    state = StatusState()
    for event in sorted({e.id: e for e in events}.values(), key=lambda e: (e.ts, e.id)):
        state = apply(state, event)
    return state
