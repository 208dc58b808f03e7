"""Store batches of events and update the projections, inside the caller's transaction.

The writer hands over all the batches of one group commit together, so each statement below
runs once per group rather than once per batch; every batch is still accepted or rejected on
its own, with the outcome it would have had if the batches had been stored one after another.

1. Drop events whose id is already stored, or repeated in the batch or in an earlier batch:
   they change nothing.
2. Reject a batch that opens a conversation on a channel whose medium nobody has given.
3. Create the directory rows (groups, operators, channels, topics) first seen in the batches.
4. Append the new events to the log.
5. Fold them into the conversations and operators they touch. An event that sorts before the
   last one folded into its conversation (a late arrival) makes that conversation fold again
   from all its stored events, so arrival order never changes the result.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations import service as conversations_service
from dozor.conversations import state as conversation_state
from dozor.conversations.models import Conversation
from dozor.db import upsert
from dozor.directory import service as directory_service
from dozor.directory.models import Channel
from dozor.events import contract as c
from dozor.events.models import StoredEvent
from dozor.operators import service as operators_service
from dozor.operators import state as operator_state
from dozor.operators.models import Operator

CHUNK = 500
OPERATOR_STATE_COLUMNS = [f.name for f in fields(operator_state.StatusState)]


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
    if session.bind.dialect.name == "postgresql":
        # Every statement here finds rows by a key. On a table whose statistics are not yet
        # gathered (a new database, the first minute of an import) the planner guesses a
        # sequential scan, whose cost then grows with the table.
        await session.execute(text("SET LOCAL enable_seqscan = off"))
    known = await _stored_ids(session, list({e.id for events in batches for e in events}))
    media = await _known_media(session, batches)
    outcomes: list[StoreResult | Rejected] = []
    new_events: list[c.Event] = []
    for events in batches:
        outcome, new = _admit(events, known, media)
        outcomes.append(outcome)
        new_events.extend(new)
    if new_events:
        await directory_service.ensure(session, events=new_events, media=media)
        await _append(session, new_events, received_at)
        folded = await _project_conversations(
            session, [e for e in new_events if not isinstance(e, c.OperatorStatus)]
        )
        statuses = await _project_operators(
            session, [e for e in new_events if isinstance(e, c.OperatorStatus)]
        )
        for outcome in outcomes:
            if isinstance(outcome, StoreResult):
                outcome.conversations = [folded[i] for i in outcome.conversation_ids]
                outcome.operators = {i: statuses[i] for i in outcome.operator_ids}
    return outcomes


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
        if isinstance(event, c.ConversationOpened) and event.medium is not None:
            batch_media.setdefault(event.channel_id, event.medium)
    if errors := _media_errors(events, batch_media):
        return Rejected(errors), []
    new = [_with_medium(e, batch_media) for e in new]
    known.update(e.id for e in new)
    for event in new:
        if isinstance(event, c.ConversationOpened):
            media.setdefault(event.channel_id, batch_media[event.channel_id])
    result.accepted = len(new)
    result.conversation_ids = {
        e.conversation_id for e in new if not isinstance(e, c.OperatorStatus)
    }
    result.operator_ids = {e.operator_id for e in new if isinstance(e, c.OperatorStatus)}
    return result, new


async def _known_media(session: AsyncSession, batches: list[list[c.Event]]) -> dict[str, str]:
    """The medium of every stored channel the batches open a conversation on."""
    ids = list(
        {e.channel_id for events in batches for e in events if isinstance(e, c.ConversationOpened)}
    )
    media: dict[str, str] = {}
    for chunk in _chunks(ids):
        rows = await session.execute(
            select(Channel.id, Channel.medium).where(Channel.id.in_(chunk))
        )
        media.update({row.id: row.medium for row in rows})
    return media


def _media_errors(events: list[c.Event], media: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "index": index,
            "field": "medium",
            "reason": f"channel {event.channel_id!r} is not known yet: give its medium "
            "(chat, call or email)",
        }
        for index, event in enumerate(events)
        if isinstance(event, c.ConversationOpened) and event.channel_id not in media
    ]


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def _stored_ids(session: AsyncSession, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        rows = await session.execute(select(StoredEvent.id).where(StoredEvent.id.in_(chunk)))
        found.update(rows.scalars())
    return found


def _with_medium(event: c.Event, media: dict[str, str]) -> c.Event:
    """An opening carries its channel's medium, so the fold (now and on replay) knows it."""
    if isinstance(event, c.ConversationOpened) and event.medium != media[event.channel_id]:
        return event.model_copy(update={"medium": media[event.channel_id]})
    return event


def _payload(event: c.Event) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude={"id", "type", "ts"}, exclude_none=True)


async def _append(session: AsyncSession, events: list[c.Event], received_at: datetime) -> None:
    rows = [
        {
            "id": e.id,
            "type": e.type,
            "ts": e.ts,
            "conversation_id": getattr(e, "conversation_id", None),
            "operator_id": getattr(e, "operator_id", None),
            "payload": _payload(e),
            "received_at": received_at,
        }
        for e in events
    ]
    await session.execute(StoredEvent.__table__.insert(), rows)


# what ``from_stored`` reads: select these to rebuild events from the log
STORED_COLUMNS = (StoredEvent.id, StoredEvent.type, StoredEvent.ts, StoredEvent.payload)


def from_stored(row: Any) -> c.Event:
    """An event as it was accepted, rebuilt from its stored row."""
    data = {**row.payload, "id": row.id, "type": row.type, "ts": row.ts}
    return c.event_adapter.validate_python(data, strict=False)


async def _project_conversations(
    session: AsyncSession, events: list[c.ConversationEvent]
) -> dict[str, conversation_state.ConversationState]:
    by_conversation: dict[str, list[c.ConversationEvent]] = defaultdict(list)
    for event in events:
        by_conversation[event.conversation_id].append(event)
    if not by_conversation:
        return {}
    current = await _load_conversations(session, list(by_conversation))
    states, late = [], []
    for conversation_id, batch in by_conversation.items():
        batch.sort(key=c.sort_key)
        state = current.get(conversation_id)
        if state is not None and conversation_state.is_late(state, batch[0]):
            late.append(conversation_id)
            continue
        state = state or conversation_state.new_state(batch[0])
        for event in batch:
            state = conversation_state.apply(state, event)
        states.append(state)
    states.extend(await refold(session, late))
    await save_conversations(session, states)
    return {s.id: s for s in states}


async def _load_conversations(
    session: AsyncSession, ids: list[str]
) -> dict[str, conversation_state.ConversationState]:
    table = Conversation.__table__
    columns = [table.c[name] for name in conversation_state.FIELDS]
    loaded = {}
    for chunk in _chunks(ids):
        rows = await session.execute(select(*columns).where(table.c.id.in_(chunk)))
        for row in rows:
            loaded[row.id] = conversations_service.state_of(row)
    return loaded


async def refold(
    session: AsyncSession, conversation_ids: list[str]
) -> list[conversation_state.ConversationState]:
    stored: dict[str, list[c.ConversationEvent]] = defaultdict(list)
    for chunk in _chunks(conversation_ids):
        rows = await session.execute(
            select(*STORED_COLUMNS).where(StoredEvent.conversation_id.in_(chunk))
        )
        for row in rows:
            stored[row.payload["conversation_id"]].append(from_stored(row))  # type: ignore[arg-type]
    return [conversation_state.fold(stored[cid]) for cid in conversation_ids]


@cache
def _conversation_upsert(dialect: str) -> Any:
    # built once: generating ``excluded`` for every column costs more than storing a batch
    fields = [n for n in conversation_state.FIELDS if n != "id"]
    return upsert(Conversation.__table__, dialect, key=["id"], update=fields)


async def save_conversations(
    session: AsyncSession, states: list[conversation_state.ConversationState]
) -> None:
    statement = _conversation_upsert(session.bind.dialect.name)
    rows = [{name: getattr(s, name) for name in conversation_state.FIELDS} for s in states]
    for chunk in _chunks(rows):
        await session.execute(statement, chunk)


async def _project_operators(
    session: AsyncSession, events: list[c.OperatorStatus]
) -> dict[str, operator_state.StatusState]:
    by_operator: dict[str, list[c.OperatorStatus]] = defaultdict(list)
    for event in events:
        by_operator[event.operator_id].append(event)
    if not by_operator:
        return {}
    table = Operator.__table__
    rows = await session.execute(
        select(table.c.id, *[table.c[n] for n in OPERATOR_STATE_COLUMNS]).where(
            table.c.id.in_(list(by_operator))
        )
    )
    current = {
        row.id: operator_state.StatusState(**{n: getattr(row, n) for n in OPERATOR_STATE_COLUMNS})
        for row in rows
    }
    updates, folded = [], {}
    for operator_id, batch in by_operator.items():
        batch.sort(key=lambda e: (e.ts, e.id))
        state = current.get(operator_id, operator_state.StatusState())
        if operator_state.is_late(state, batch[0]):
            batch = await stored_status_events(session, operator_id)
            state = operator_state.StatusState()
        for event in batch:
            state = operator_state.apply(state, event)
        folded[operator_id] = state
        updates.append({"b_id": operator_id, **operator_columns(state)})
    await operators_service.save_states(session, updates)
    return folded


def operator_columns(state: operator_state.StatusState) -> dict[str, Any]:
    return {name: getattr(state, name) for name in OPERATOR_STATE_COLUMNS}


async def stored_status_events(session: AsyncSession, operator_id: str) -> list[c.OperatorStatus]:
    rows = await session.execute(
        select(*STORED_COLUMNS)
        .where(StoredEvent.operator_id == operator_id, StoredEvent.type == "operator.status")
        .order_by(StoredEvent.ts, StoredEvent.id)
    )
    return [from_stored(row) for row in rows]  # type: ignore[misc]
