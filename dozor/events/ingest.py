"""Store batches of events and update the projections, inside the caller's transaction.

The writer hands over all the batches of one group commit together, so each statement below
runs once per group rather than once per batch; every batch is still accepted or rejected on
its own, with the outcome it would have had if the batches had been stored one after another.

0. Lock the conversations and operators the batches touch (on PostgreSQL, where writers run
   side by side: ``pg.begin``), so that what is read below is not being changed.
1. Read what is stored of what they touch: which of their event ids, the media of the channels
   they open conversations on, the conversations, the operators' statuses.
2. Drop events whose id is already stored, or repeated in the batch or in an earlier batch:
   they change nothing.
3. Reject a batch that opens a conversation on a channel whose medium nobody has given.
4. Create the directory rows (groups, operators, channels, topics) first seen in the batches.
5. Fold the new events into the conversations and operators they touch. An event that sorts
   before the last one folded into its conversation (a late arrival) makes that conversation
   fold again from all its events, stored and new, so arrival order never changes the result.
6. Write: the new events appended to the log, the conversations first seen inserted and the
   others overwritten, the operators' statuses overwritten.

The statements come in two forms with the same functions: ``portable`` (what SQLite runs: reads
through SQLAlchemy, rows bound straight to sqlite3) and ``pg`` (on PostgreSQL the read of step 1
and the write of step 6 are one set-based statement each, far less Python per row and few round
trips).
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any, TypeGuard, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations import state as conversation_state
from dozor.directory import service as directory_service
from dozor.events import contract as c
from dozor.events import pg, portable
from dozor.events.group import Changes, Wanted
from dozor.events.models import StoredEvent
from dozor.events.portable import operator_columns as operator_columns  # for events/refold.py
from dozor.operators import state as operator_state

Kind = TypeVar("Kind", bound=c.OperatorStatus | c.ConversationEvent)


class Rejected(Exception):
    """The batch breaks a rule that needs the database to see; nothing of it is stored."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class StoreResult:
    accepted: int = 0
    duplicates: int = 0
    conversation_ids: set[str] = field(default_factory=set)
    operator_ids: set[str] = field(default_factory=set)
    # the states as folded by this commit, so that the live console (dozor/live) need not read
    # them back; a conversation touched by two batches of one group shows its final state in both
    conversations: list[conversation_state.ConversationState] = field(default_factory=list)
    operators: dict[str, operator_state.StatusState] = field(default_factory=dict)


async def store_batches(
    session: AsyncSession, batches: list[list[c.Event]], *, received_at: datetime
) -> list[StoreResult | Rejected]:
    """Store each of ``batches`` as if one after the other: a rejected one stores nothing."""
    db = _statements(session)
    wanted = _wanted(batches)
    await db.begin(session, wanted)
    stored = await db.read(session, wanted)
    outcomes: list[StoreResult | Rejected] = []
    new_events: list[c.Event] = []
    for events in batches:
        outcome, new = _admit(events, stored.event_ids, stored.media)
        outcomes.append(outcome)
        new_events.extend(new)
    if not new_events:
        return outcomes
    await ensure_directory(session, new_events, stored.media)
    changes = Changes(new_events, received_at)
    conversation_events: list[c.ConversationEvent] = []
    status_events: list[c.OperatorStatus] = []
    for event in new_events:
        if isinstance(event, c.OperatorStatus):
            status_events.append(event)
        else:
            conversation_events.append(event)
    await _fold_conversations(session, stored.conversations, conversation_events, changes)
    await _fold_operators(session, stored.operators, status_events, changes)
    await db.write(session, changes)
    folded = {s.id: s for s in changes.new + changes.stored}
    for outcome in outcomes:
        if isinstance(outcome, StoreResult):
            outcome.conversations = [folded[i] for i in outcome.conversation_ids]
            outcome.operators = {i: changes.operators[i] for i in outcome.operator_ids}
    return outcomes


def _wanted(batches: list[list[c.Event]]) -> Wanted:
    events = [e for batch in batches for e in batch]
    return Wanted(
        event_ids=list({e.id for e in events}),
        channel_ids=list({e.channel_id for e in events if _is(e, c.ConversationOpened)}),
        conversation_ids=list(
            {e.conversation_id for e in events if not _is(e, c.OperatorStatus)}  # type: ignore[union-attr]
        ),
        operator_ids=list({e.operator_id for e in events if _is(e, c.OperatorStatus)}),
    )


async def ensure_directory(
    session: AsyncSession, events: list[c.Event], media: dict[str, str]
) -> None:
    """Create the directory rows of ids first seen in ``events``, named by their id until
    renamed; a channel with its medium from ``media``."""
    await _statements(session).insert_missing(session, directory_service.new_rows(events, media))


def _statements(session: AsyncSession) -> ModuleType:
    """The module whose statements store on this session's database."""
    return pg if session.bind.dialect.name == "postgresql" else portable


def _admit(
    events: list[c.Event], known: set[str], media: dict[str, str]
) -> tuple[StoreResult | Rejected, list[c.Event]]:
    """One batch's outcome and the events it adds. What storing it would record for the
    batches after it is recorded here: its ids in ``known``, its channels in ``media``."""
    unique = list({e.id: e for e in reversed(events)}.values())[::-1]
    new = [e for e in unique if e.id not in known]
    result = StoreResult(duplicates=len(events) - len(new))
    if not new:
        return result, []
    batch_media = dict(media)
    for event in events:
        if _is(event, c.ConversationOpened) and event.medium is not None:
            batch_media.setdefault(event.channel_id, event.medium)
    if errors := _media_errors(events, batch_media):
        return Rejected(errors), []
    new = [_with_medium(e, batch_media) if _is(e, c.ConversationOpened) else e for e in new]
    for event in new:
        if isinstance(event, c.OperatorStatus):
            result.operator_ids.add(event.operator_id)
            continue
        result.conversation_ids.add(event.conversation_id)
        if _is(event, c.ConversationOpened):
            media.setdefault(event.channel_id, batch_media[event.channel_id])
    known.update(e.id for e in new)
    result.accepted = len(new)
    return result, new


def _is(event: c.Event, kind: type[Kind]) -> TypeGuard[Kind]:
    # isinstance() costs 4 times as much (pydantic's metaclass is an ABCMeta): it stays only
    # where the code after it relies on the event being "not that kind"
    return type(event) is kind


def _media_errors(events: list[c.Event], media: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "index": index,
            "field": "medium",
            "reason": f"channel {event.channel_id!r} is not known yet: give its medium "
            "(chat, call or email)",
        }
        for index, event in enumerate(events)
        if _is(event, c.ConversationOpened) and event.channel_id not in media
    ]


def _with_medium(event: c.ConversationOpened, media: dict[str, str]) -> c.ConversationOpened:
    """An opening carries its channel's medium, so the fold (now and on replay) knows it."""
    if event.medium != media[event.channel_id]:
        return event.model_copy(update={"medium": media[event.channel_id]})
    return event


# what ``from_stored`` reads: select these to rebuild events from the log
STORED_COLUMNS = (StoredEvent.id, StoredEvent.type, StoredEvent.ts, StoredEvent.payload)


def from_stored(row: Any) -> c.Event:
    """An event as it was accepted, rebuilt from its stored row."""
    data = {**row.payload, "id": row.id, "type": row.type, "ts": row.ts}
    return c.event_adapter.validate_python(data, strict=False)


async def _fold_conversations(
    session: AsyncSession,
    current: dict[str, conversation_state.ConversationState],
    events: list[c.ConversationEvent],
    changes: Changes,
) -> None:
    """Fold ``events`` into their conversations' stored states ``current``, or into new ones,
    and put the states in ``changes``."""
    by_conversation: dict[str, list[c.ConversationEvent]] = defaultdict(list)
    for event in events:
        by_conversation[event.conversation_id].append(event)
    late: dict[str, list[c.ConversationEvent]] = {}
    for conversation_id, batch in by_conversation.items():
        batch.sort(key=c.sort_key)
        state = current.get(conversation_id)
        if state is None:
            state = conversation_state.new_state(batch[0])
            changes.new.append(state)
        elif conversation_state.is_late(state, batch[0]):
            late[conversation_id] = batch
            continue
        else:
            changes.stored.append(state)
        for event in batch:  # the state was just read or built: nobody else holds it yet
            conversation_state.fold_into(state, event)
    changes.stored.extend(await refold(session, list(late), unstored=late))


async def refold(
    session: AsyncSession,
    conversation_ids: list[str],
    *,
    unstored: Mapping[str, list[c.ConversationEvent]] | None = None,
) -> list[conversation_state.ConversationState]:
    """Each conversation folded again from all its events: the stored ones, and those of
    ``unstored`` (a group's, not written yet)."""
    events: dict[str, list[c.ConversationEvent]] = defaultdict(list)
    for chunk in portable.chunks(conversation_ids):
        rows = await session.execute(
            select(*STORED_COLUMNS).where(StoredEvent.conversation_id.in_(chunk))
        )
        for row in rows:
            events[row.payload["conversation_id"]].append(from_stored(row))  # type: ignore[arg-type]
    for conversation_id, batch in (unstored or {}).items():
        events[conversation_id].extend(batch)
    return [conversation_state.fold(events[cid]) for cid in conversation_ids]


async def save_conversations(
    session: AsyncSession,
    *,
    new: list[conversation_state.ConversationState] | None = None,
    stored: list[conversation_state.ConversationState] | None = None,
) -> None:
    """Insert the rows of ``new`` and overwrite the stored rows of ``stored`` (each id once)."""
    await _statements(session).write(session, Changes(new=new or [], stored=stored or []))


async def _fold_operators(
    session: AsyncSession,
    current: dict[str, operator_state.StatusState],
    events: list[c.OperatorStatus],
    changes: Changes,
) -> None:
    by_operator: dict[str, list[c.OperatorStatus]] = defaultdict(list)
    for event in events:
        by_operator[event.operator_id].append(event)
    for operator_id, batch in by_operator.items():
        batch.sort(key=_status_order)
        state = current.get(operator_id, operator_state.StatusState())
        if operator_state.is_late(state, batch[0]):
            stored = await stored_status_events(session, operator_id)
            batch, state = sorted(stored + batch, key=_status_order), operator_state.StatusState()
        for event in batch:
            state = operator_state.apply(state, event)
        changes.operators[operator_id] = state


def _status_order(event: c.OperatorStatus) -> tuple[datetime, str]:
    return event.ts, event.id


async def stored_status_events(session: AsyncSession, operator_id: str) -> list[c.OperatorStatus]:
    rows = await session.execute(
        select(*STORED_COLUMNS)
        .where(StoredEvent.operator_id == operator_id, StoredEvent.type == "operator.status")
        .order_by(StoredEvent.ts, StoredEvent.id)
    )
    return [from_stored(row) for row in rows]  # type: ignore[misc]
