"""The write path's statements on SQLite, the reference the PostgreSQL ones (``events/pg.py``)
must store alike. Same functions, same arguments.

Reads go through SQLAlchemy. The rows a group writes are bound here, straight to sqlite3: through
SQLAlchemy, converting ~25 timestamps a conversation to UTC and then to text, one parameter at a
time, took half the ingest's CPU. The text bound is the text SQLAlchemy binds
(``tests/events/test_portable.py``), so every other reader and query sees the same rows.

Lists of ids go in chunks: SQLite caps the parameters of one statement.
"""

from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations import service as conversations_service
from dozor.conversations import state as conversation_state
from dozor.conversations.models import Conversation
from dozor.db import UTCDateTime, upsert
from dozor.directory import service as directory_service
from dozor.directory.models import Channel
from dozor.events import contract as c
from dozor.events.group import Changes, Stored, Wanted
from dozor.events.models import StoredEvent
from dozor.operators import service as operators_service
from dozor.operators import state as operator_state
from dozor.operators.models import Operator

CHUNK = 500
OPERATOR_STATE_COLUMNS = tuple(f.name for f in fields(operator_state.StatusState))
# what the payload leaves out: the event's own columns (``ingest.from_stored`` puts them back);
# a set, not a frozenset, which pydantic-core converts on every call
PAYLOAD_EXCLUDES = {"id", "type", "ts"}
# what the write path appends per event (``event_values``); ``received_at`` is one for a group
EVENT_COLUMNS = ("id", "type", "ts", "conversation_id", "operator_id", "payload")


def chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def operator_columns(state: operator_state.StatusState) -> dict[str, Any]:
    return {name: getattr(state, name) for name in OPERATOR_STATE_COLUMNS}


async def begin(session: AsyncSession, wanted: Wanted) -> None:
    """Nothing to lock: an SQLite write transaction (BEGIN IMMEDIATE) holds the whole database."""


async def insert_missing(session: AsyncSession, tables: directory_service.NewRows) -> None:
    """Insert the rows whose id is not stored yet (``directory.service.new_rows``)."""
    for table, columns, rows in tables:
        await session.execute(
            upsert(table, session.bind.dialect.name, key=["id"]),
            [dict(zip(columns, row, strict=True)) for row in rows],
        )


async def read(session: AsyncSession, wanted: Wanted) -> Stored:
    return Stored(
        event_ids=await _stored_ids(session, wanted.event_ids),
        media=await _channel_media(session, wanted.channel_ids),
        conversations=await _load_conversations(session, wanted.conversation_ids),
        operators=await _load_operators(session, wanted.operator_ids),
    )


async def write(session: AsyncSession, changes: Changes) -> None:
    connection = await session.connection()
    if changes.events:
        received_at = _timestamp(changes.received_at)
        await connection.exec_driver_sql(
            _APPEND, [(*event_values(e, _timestamp(e.ts)), received_at) for e in changes.events]
        )
    if conversations := changes.new + changes.stored:  # one upsert does both here
        await connection.exec_driver_sql(_UPSERT, [_conversation_row(s) for s in conversations])
    if changes.operators:
        rows = [{"b_id": i, **operator_columns(state)} for i, state in changes.operators.items()]
        await operators_service.save_states(session, rows)


async def _stored_ids(session: AsyncSession, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(ids):
        rows = await session.execute(select(StoredEvent.id).where(StoredEvent.id.in_(chunk)))
        found.update(rows.scalars())
    return found


async def _channel_media(session: AsyncSession, ids: list[str]) -> dict[str, str]:
    media: dict[str, str] = {}
    for chunk in chunks(ids):
        rows = await session.execute(
            select(Channel.id, Channel.medium).where(Channel.id.in_(chunk))
        )
        media.update({row.id: row.medium for row in rows})
    return media


async def _load_conversations(
    session: AsyncSession, ids: list[str]
) -> dict[str, conversation_state.ConversationState]:
    table = Conversation.__table__
    columns = [table.c[name] for name in conversation_state.FIELDS]
    loaded = {}
    for chunk in chunks(ids):
        rows = await session.execute(select(*columns).where(table.c.id.in_(chunk)))
        for row in rows:
            loaded[row.id] = conversations_service.state_of(row)
    return loaded


async def _load_operators(
    session: AsyncSession, ids: list[str]
) -> dict[str, operator_state.StatusState]:
    table = Operator.__table__
    loaded = {}
    for chunk in chunks(ids):
        rows = await session.execute(
            select(table.c.id, *[table.c[n] for n in OPERATOR_STATE_COLUMNS]).where(
                table.c.id.in_(chunk)
            )
        )
        for row in rows:
            loaded[row.id] = operator_state.StatusState(
                **{n: getattr(row, n) for n in OPERATOR_STATE_COLUMNS}
            )
    return loaded


def _timestamp(value: datetime | None) -> str | None:
    """A timestamp as ``UTCDateTime`` stores it on SQLite: in UTC, without offset, to the µs."""
    return None if value is None else value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def _payload(e: c.Event) -> str:
    """The event's stored payload: its JSON without its own columns (``PAYLOAD_EXCLUDES``);
    ``model_dump_json`` without its Python wrapper, which is half of its cost."""
    return e.__pydantic_serializer__.to_json(
        e, exclude=PAYLOAD_EXCLUDES, exclude_none=True
    ).decode()


def event_values(e: c.Event, ts: Any) -> tuple[Any, ...]:
    """The values of ``EVENT_COLUMNS`` for ``e``, its time given as each database binds it."""
    return (
        e.id,
        e.type,
        ts,
        e.__dict__.get("conversation_id"),
        e.__dict__.get("operator_id"),
        _payload(e),
    )


def _conversation_row(state: conversation_state.ConversationState) -> tuple[Any, ...]:
    row = list(_STATE_VALUES(state))
    for i in _TIMESTAMPS:
        row[i] = _timestamp(row[i])
    return tuple(row)


def _insert(table: Any, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"


_APPEND = _insert(StoredEvent.__table__, (*EVENT_COLUMNS, "received_at"))
_UPSERT = _insert(Conversation.__table__, conversation_state.FIELDS) + (
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{n} = excluded.{n}" for n in conversation_state.FIELDS if n != "id")
)
_STATE_VALUES = attrgetter(*conversation_state.FIELDS)
_TIMESTAMPS = [
    i
    for i, name in enumerate(conversation_state.FIELDS)
    if isinstance(Conversation.__table__.c[name].type, UTCDateTime)
]
