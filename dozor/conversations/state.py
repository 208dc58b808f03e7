"""A conversation's state as a pure fold over its events: ``apply(state, event) -> state``.

Events are folded in ``sort_key`` order (time, causal rank, id), so the result never depends on
the order they arrived in. Every field here is a column of the ``conversations`` table.
"""

from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter

from dozor.events import contract as c

ACTIVE_DETAILED = ("new", "queued", "in_work", "waiting", "waiting_again", "answered")


# not frozen: a frozen dataclass's __init__ pays object.__setattr__ for each of ~60 fields on
# every event folded (bench/ingest.py); ``apply`` never changes the state it is given
@dataclass(slots=True)
class ConversationState:
    id: str
    created_at: datetime
    changed_at: datetime
    channel_id: str | None = None
    medium: str | None = None
    direction: str = "inbound"
    personal: bool = False
    group_id: str | None = None
    operator_id: str | None = None
    client_id: str | None = None
    client_name: str | None = None
    client_phone: str | None = None
    client_email: str | None = None
    topic: str | None = None
    page_url: str | None = None
    crm_ref: str | None = None
    form_filled: bool = False
    history_requested: bool = False
    status: str = "waiting"
    detailed_status: str = "new"
    work_state: str = "new"
    work_state_since: datetime | None = None
    spam: bool = False
    pinned_operator_id: str | None = None
    client_rating: int | None = None
    supervisor_rating: int | None = None
    supervisor_comment: str | None = None
    close_reason: str | None = None
    closed_by: str | None = None
    # dates
    queued_at: datetime | None = None
    first_answer_at: datetime | None = None
    accepted_at: datetime | None = None
    first_message_at: datetime | None = None
    last_message_at: datetime | None = None
    operator_closed_at: datetime | None = None
    closing_at: datetime | None = None
    closed_at: datetime | None = None
    wrapup_done_at: datetime | None = None
    # what the durations are made of
    first_client_message_at: datetime | None = None
    first_response_at: datetime | None = None
    first_bot_message_at: datetime | None = None
    run_started_at: datetime | None = None
    response_total: float | None = None
    response_count: int = 0
    response_max: float | None = None
    answered_once: bool = False
    awaiting_reply: bool = False
    client_spoke_since_take: bool = False
    hold_since: datetime | None = None
    hold_seconds: float = 0.0
    transfers: int = 0
    messages: int = 0
    # the contact's queue, for the KPIs (docs/metrics.md): only its first exit counts
    queue_since: datetime | None = None
    left_queue_at: datetime | None = None
    queue_group_id: str | None = None
    accepted_operator_id: str | None = None
    # the last event folded in, to tell an in-order event from a late one
    last_ts: datetime | None = None
    last_rank: int = -1
    last_event_id: str = ""

    # -- derived values -----------------------------------------------------------------------

    @property
    def is_call(self) -> bool:
        return self.medium == "call"

    @property
    def wait_first_answer(self) -> float | None:
        return _seconds(self.queued_at or self.created_at, self.first_answer_at)

    @property
    def time_to_accept(self) -> float | None:
        return _seconds(self.created_at, self.accepted_at)

    @property
    def time_to_operator_close(self) -> float | None:
        return _seconds(self.created_at, self.operator_closed_at)

    @property
    def duration(self) -> float | None:
        if self.is_call:
            return _seconds(self.accepted_at, self.closed_at)
        return _seconds(self.first_message_at, self.last_message_at)

    @property
    def first_message_response(self) -> float | None:
        end = self.first_response_at or self.closed_at
        return _seconds(self.first_client_message_at, end)

    @property
    def bot_time(self) -> float | None:
        joined = self.accepted_at or self.first_answer_at
        if self.first_bot_message_at is None or joined is None:
            return None
        if self.first_bot_message_at > joined:
            return None
        return _seconds(self.first_bot_message_at, joined)

    @property
    def response_avg(self) -> float | None:
        if not self.response_count or self.response_total is None:
            return None
        return self.response_total / self.response_count

    @property
    def talk_seconds(self) -> float | None:
        """Accepted → closed minus hold: the talk time of a call."""
        span = _seconds(self.accepted_at, self.closed_at)
        return None if span is None else max(span - self.hold_seconds, 0.0)

    @property
    def queue_wait(self) -> float | None:
        """Seconds from entering the queue to leaving it; 0 when taken without queueing."""
        if self.left_queue_at is None:
            return None
        entered = self.queued_at or self.left_queue_at
        # queued only after an operator took it (a later transfer): it never waited
        return max((self.left_queue_at - entered).total_seconds(), 0.0)

    @property
    def lost(self) -> bool:
        """Queued, then ended before any operator took it; spam is no lost client."""
        return (
            self.left_queue_at is not None and self.accepted_operator_id is None and not self.spam
        )

    @property
    def wrapup_seconds(self) -> float | None:
        """After-call work reported by ``conversation.wrapup_done``: closed → wrap-up done."""
        return _seconds(self.closed_at, self.wrapup_done_at)

    @property
    def wrapup_pending(self) -> bool:
        return (
            self.is_call
            and self.closed_at is not None
            and self.accepted_at is not None
            and self.wrapup_done_at is None
        )


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def new_state(event: c.ConversationEvent) -> ConversationState:
    return ConversationState(id=event.conversation_id, created_at=event.ts, changed_at=event.ts)


def is_late(state: ConversationState, event: c.ConversationEvent) -> bool:
    """True when ``event`` sorts before the last event folded in: the fold must start over."""
    if state.last_ts is None:
        return False
    return c.sort_key(event) <= (state.last_ts, state.last_rank, state.last_event_id)


def fold(events: list[c.ConversationEvent]) -> ConversationState:
    """The state of one conversation from all its events, in any order, duplicates allowed."""
    ordered = sorted({e.id: e for e in events}.values(), key=c.sort_key)
    state = new_state(ordered[0])
    for event in ordered:
        fold_into(state, event)
    return state


def apply(state: ConversationState, event: c.ConversationEvent) -> ConversationState:
    """Fold one event (the latest so far) into a copy of ``state``."""
    new = ConversationState(*_ALL_FIELDS(state))
    fold_into(new, event)
    return new


def fold_into(state: ConversationState, event: c.ConversationEvent) -> None:
    """``apply`` without the copy: changes ``state`` itself, so only for a state that nobody
    else holds (one just built or read). The handlers read the state before the event."""
    closed_before, operator_before, work_before = (
        state.closed_at,
        state.operator_id,
        state.work_state,
    )
    # closed is final: a late take or transfer changes nothing
    if closed_before is None or event.type not in _ROUTING:
        for name, value in _HANDLERS[event.type](state, event).items():
            setattr(state, name, value)
    ts = event.ts
    if ts > state.changed_at:
        state.changed_at = ts
    state.last_ts, state.last_rank, state.last_event_id = ts, c.TYPE_RANK[event.type], event.id
    work = _work_state(state)
    if work != work_before or state.work_state_since is None:
        state.work_state_since = ts
    state.work_state = work
    state.detailed_status = _detailed_status(state)
    state.status = _status(state.detailed_status)
    _leave_queue(state, closed_before, operator_before, ts)


def _leave_queue(
    s: ConversationState, closed_before: datetime | None, operator_before: str | None, ts: datetime
) -> None:
    """The queue as an event changed it: who waits, and the contact's first exit.

    A contact waits from the moment it enters a group's queue with no operator, and keeps its
    wait when moved from queue to queue. It leaves the queue the first time an operator takes
    it (accepted, handed over by a transfer, or answered by an operator's message) or when it
    ends untaken. Only that first exit counts: a re-queue after a take is never a loss.
    """
    if s.operator_id is not None or s.closed_at is not None:
        s.queue_since = None
    if s.left_queue_at is not None or closed_before is not None:
        return
    if s.closed_at is not None:
        if s.queued_at is not None:
            s.left_queue_at, s.queue_group_id = ts, s.group_id
    elif operator_before is None and s.operator_id is not None:
        s.left_queue_at, s.queue_group_id = ts, s.group_id
        s.accepted_operator_id = s.operator_id


# -- statuses ------------------------------------------------------------------------------------


def _work_state(s: ConversationState) -> str:
    if s.closed_at is not None:
        return "closed"
    if s.operator_id is None:
        return "new"
    return "unanswered" if s.awaiting_reply else "answered"


def _detailed_status(s: ConversationState) -> str:
    if s.closed_at is not None:
        return "spam" if s.spam else "closed"
    if s.closing_at is not None:
        return "closing"
    if s.operator_id is None:
        return "queued" if s.queued_at is not None else "new"
    if not s.awaiting_reply:
        return "answered"
    if not s.client_spoke_since_take:
        return "in_work"
    return "waiting_again" if s.answered_once else "waiting"


def _status(detailed: str) -> str:
    if detailed in ("closed", "spam"):
        return "closed"
    return "answered" if detailed in ("answered", "closing") else "waiting"


# -- one handler per event type: each returns the fields it changes ----------------------------


def _opened(s: ConversationState, e: c.ConversationOpened) -> dict:
    changes: dict = dict(
        created_at=min(s.created_at, e.ts),
        channel_id=e.channel_id,
        medium=e.medium or s.medium,
        direction=e.direction,
        personal=e.personal,
        topic=e.topic or s.topic,
        page_url=e.page_url,
        crm_ref=e.crm_ref or s.crm_ref,
    )
    if e.client is not None:
        changes.update(_client(s, e.client))
    if e.group_id is not None:
        changes.update(_enter_queue(s, e.group_id, e.ts))
    return changes


def _enter_queue(s: ConversationState, group_id: str, ts: datetime) -> dict:
    # a move from queue to queue keeps the wait; ``_leave_queue`` drops it while an operator has it
    return dict(group_id=group_id, queued_at=s.queued_at or ts, queue_since=s.queue_since or ts)


def _client(s: ConversationState, client: c.Client) -> dict:
    return dict(
        client_id=client.id or s.client_id,
        client_name=client.name or s.client_name,
        client_phone=client.phone or s.client_phone,
        client_email=client.email or s.client_email,
    )


def _queued(s: ConversationState, e: c.ConversationQueued) -> dict:
    return _enter_queue(s, e.group_id, e.ts)


def _unchanged(s: ConversationState, e: c.ConversationEvent) -> dict:
    return {}


def _accepted(s: ConversationState, e: c.ConversationAccepted) -> dict:
    changes: dict = dict(operator_id=e.operator_id, accepted_at=s.accepted_at or e.ts)
    if s.is_call:
        # answering a call is the answer: nobody waits for a typed reply
        changes.update(awaiting_reply=False, first_answer_at=s.first_answer_at or e.ts)
    elif s.operator_id is None:
        changes.update(awaiting_reply=True, client_spoke_since_take=False)
    return changes


def _transferred(s: ConversationState, e: c.ConversationTransferred) -> dict:
    changes: dict = dict(transfers=s.transfers + 1)
    if e.to_group_id is not None:
        changes.update(_enter_queue(s, e.to_group_id, e.ts))
    if e.to_operator_id is not None:
        changes.update(operator_id=e.to_operator_id)
        if s.operator_id is None and not s.is_call:
            changes.update(awaiting_reply=True, client_spoke_since_take=False)
    elif e.to_group_id is not None:
        changes.update(operator_id=None)
    return changes


def _message(s: ConversationState, e: c.MessageCreated) -> dict:
    changes: dict = dict(
        messages=s.messages + 1,
        first_message_at=s.first_message_at or e.ts,
        last_message_at=e.ts,
    )
    if e.author == "client":
        changes.update(first_client_message_at=s.first_client_message_at or e.ts)
        if s.run_started_at is None:
            changes.update(run_started_at=e.ts)
        if s.operator_id is not None:
            changes.update(awaiting_reply=True, client_spoke_since_take=True)
    elif e.author == "operator":
        changes.update(_operator_message(s, e))
    elif e.author == "bot":
        changes.update(first_bot_message_at=s.first_bot_message_at or e.ts)
    return changes


def _operator_message(s: ConversationState, e: c.MessageCreated) -> dict:
    changes: dict = dict(
        first_answer_at=s.first_answer_at or e.ts,
        answered_once=True,
        awaiting_reply=False,
        run_started_at=None,
    )
    if e.operator_id is not None and s.operator_id is None:
        changes.update(operator_id=e.operator_id)
    if s.first_client_message_at is not None and s.first_response_at is None:
        changes.update(first_response_at=e.ts)
    if s.run_started_at is not None:
        delta = (e.ts - s.run_started_at).total_seconds()
        changes.update(
            response_total=(s.response_total or 0.0) + delta,
            response_count=s.response_count + 1,
            response_max=max(s.response_max or 0.0, delta),
        )
    return changes


def _hold(s: ConversationState, e: c.ConversationHold) -> dict:
    if e.on:
        return dict(hold_since=s.hold_since or e.ts)
    if s.hold_since is None:
        return {}
    held = (e.ts - s.hold_since).total_seconds()
    return dict(hold_since=None, hold_seconds=s.hold_seconds + held)


def _closing(s: ConversationState, e: c.ConversationClosing) -> dict:
    return dict(closing_at=s.closing_at or e.ts)


def _closed(s: ConversationState, e: c.ConversationClosed) -> dict:
    if s.closed_at is not None:
        return {}
    changes: dict = dict(closed_at=e.ts, closed_by=e.by, spam=e.spam, close_reason=e.reason)
    if e.by == "operator":
        changes.update(operator_closed_at=e.ts)
    if s.hold_since is not None:
        changes.update(
            hold_since=None, hold_seconds=s.hold_seconds + (e.ts - s.hold_since).total_seconds()
        )
    if e.operator_id is not None and s.operator_id is None:
        changes.update(operator_id=e.operator_id)
    return changes


def _wrapup_done(s: ConversationState, e: c.ConversationWrapupDone) -> dict:
    return dict(wrapup_done_at=s.wrapup_done_at or e.ts)


def _rated(s: ConversationState, e: c.ConversationRated) -> dict:
    return dict(client_rating=e.score)


def _reviewed(s: ConversationState, e: c.ConversationReviewed) -> dict:
    changes: dict = {}
    if e.rating is not None:
        changes.update(supervisor_rating=e.rating)
    if e.comment is not None:
        changes.update(supervisor_comment=e.comment)
    return changes


def _pinned(s: ConversationState, e: c.ConversationPinned) -> dict:
    return dict(pinned_operator_id=e.operator_id)


def _updated(s: ConversationState, e: c.ConversationUpdated) -> dict:
    changes: dict = {}
    for name in ("topic", "crm_ref", "form_filled", "history_requested"):
        if (value := getattr(e, name)) is not None:
            changes[name] = value
    if e.client is not None:
        changes.update(_client(s, e.client))
    return changes


# events that move a conversation between queues and operators: meaningless once it is closed
_ROUTING = frozenset(
    {
        "conversation.queued",
        "conversation.offered",
        "conversation.declined",
        "conversation.accepted",
        "conversation.transferred",
        "conversation.hold",
        "conversation.closing",
    }
)

_HANDLERS = {
    "conversation.opened": _opened,
    "conversation.queued": _queued,
    "conversation.offered": _unchanged,
    "conversation.declined": _unchanged,
    "conversation.accepted": _accepted,
    "conversation.transferred": _transferred,
    "message.created": _message,
    "conversation.hold": _hold,
    "conversation.closing": _closing,
    "conversation.closed": _closed,
    "conversation.wrapup_done": _wrapup_done,
    "conversation.rated": _rated,
    "conversation.reviewed": _reviewed,
    "conversation.pinned": _pinned,
    "conversation.updated": _updated,
}


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ConversationState))
_ALL_FIELDS = attrgetter(*FIELDS)
