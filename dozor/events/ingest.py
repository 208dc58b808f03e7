"""Store a batch of events and update the projections, inside the caller's transaction.

1. Drop events whose id is already stored (or repeated in the batch): they change nothing.
2. Create the directory rows (groups, operators, channels, topics) first seen in the batch.
3. Append the new events to the log.
4. Fold them into the conversations and operators they touch. An event that sorts before the
   last one folded into its conversation (a late arrival) makes that conversation fold again
   from all its stored events, so arrival order never changes the result.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations import service as conversations_service
from dozor.conversations import state as conversation_state
from dozor.conversations.models import Conversation
from dozor.db import upsert
from dozor.directory import service as directory_service
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


async def store(
    session: AsyncSession, events: list[c.Event], *, received_at: datetime
) -> StoreResult:
    """Store ``events``; raises ``Rejected`` before writing anything when the batch is bad."""
    unique = list({e.id: e for e in reversed(events)}.values())[::-1]
    known = await _stored_ids(session, [e.id for e in unique])
    new = [e for e in unique if e.id not in known]
    result = StoreResult(duplicates=len(events) - len(new))
    if not new:
        return result
    media = await directory_service.channel_media(session, events=events)
    _check_media(events, media)
    new = [_with_medium(e, media) for e in new]
    await directory_service.ensure(session, events=new, media=media)
    await _append(session, new, received_at)
    conversation_events = [e for e in new if not isinstance(e, c.OperatorStatus)]
    status_events = [e for e in new if isinstance(e, c.OperatorStatus)]
    result.accepted = len(new)
    result.conversation_ids = await _project_conversations(session, conversation_events)
    result.operator_ids = await _project_operators(session, status_events)
    return result


def _check_media(events: list[c.Event], media: dict[str, str]) -> None:
    errors = [
        {
            "index": index,
            "field": "medium",
            "reason": f"channel {event.channel_id!r} is not known yet: give its medium "
            "(chat, call or email)",
        }
        for index, event in enumerate(events)
        if isinstance(event, c.ConversationOpened) and event.channel_id not in media
    ]
    if errors:
        raise Rejected(errors)


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


def from_stored(row: Any) -> c.Event:
    """An event as it was accepted, rebuilt from its stored row."""
    data = {**row.payload, "id": row.id, "type": row.type, "ts": row.ts}
    return c.event_adapter.validate_python(data, strict=False)


async def _project_conversations(
    session: AsyncSession, events: list[c.ConversationEvent]
) -> set[str]:
    by_conversation: dict[str, list[c.ConversationEvent]] = defaultdict(list)
    for event in events:
        by_conversation[event.conversation_id].append(event)
    if not by_conversation:
        return set()
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
    states.extend(await _refold(session, late))
    await _save_conversations(session, states, session.bind.dialect.name)
    return set(by_conversation)


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


async def _refold(
    session: AsyncSession, conversation_ids: list[str]
) -> list[conversation_state.ConversationState]:
    stored: dict[str, list[c.ConversationEvent]] = defaultdict(list)
    for chunk in _chunks(conversation_ids):
        rows = await session.execute(
            select(StoredEvent.id, StoredEvent.type, StoredEvent.ts, StoredEvent.payload).where(
                StoredEvent.conversation_id.in_(chunk)
            )
        )
        for row in rows:
            stored[row.payload["conversation_id"]].append(from_stored(row))  # type: ignore[arg-type]
    return [conversation_state.fold(stored[cid]) for cid in conversation_ids]


async def _save_conversations(
    session: AsyncSession, states: list[conversation_state.ConversationState], dialect: str
) -> None:
    statement = upsert(
        Conversation.__table__,
        dialect,
        key=["id"],
        update=[n for n in conversation_state.FIELDS if n != "id"],
    )
    rows = [{name: getattr(s, name) for name in conversation_state.FIELDS} for s in states]
    for chunk in _chunks(rows):
        await session.execute(statement, chunk)


async def _project_operators(session: AsyncSession, events: list[c.OperatorStatus]) -> set[str]:
    by_operator: dict[str, list[c.OperatorStatus]] = defaultdict(list)
    for event in events:
        by_operator[event.operator_id].append(event)
    if not by_operator:
        return set()
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
    updates = []
    for operator_id, batch in by_operator.items():
        batch.sort(key=lambda e: (e.ts, e.id))
        state = current.get(operator_id, operator_state.StatusState())
        if operator_state.is_late(state, batch[0]):
            batch = await _stored_status_events(session, operator_id)
            state = operator_state.StatusState()
        for event in batch:
            state = operator_state.apply(state, event)
        updates.append(
            {"b_id": operator_id, **{n: getattr(state, n) for n in OPERATOR_STATE_COLUMNS}}
        )
    await operators_service.save_states(session, updates)
    return set(by_operator)


async def _stored_status_events(session: AsyncSession, operator_id: str) -> list[c.OperatorStatus]:
    rows = await session.execute(
        select(StoredEvent.id, StoredEvent.type, StoredEvent.ts, StoredEvent.payload)
        .where(StoredEvent.operator_id == operator_id, StoredEvent.type == "operator.status")
        .order_by(StoredEvent.ts, StoredEvent.id)
    )
    return [from_stored(row) for row in rows]  # type: ignore[misc]
