"""The write path's statements on PostgreSQL: one set-based statement each, through asyncpg.

SQLAlchemy's ``executemany`` processes every parameter of every row in Python, and asyncpg's
own encoding of arrays costs ~0.3 µs a value (0.7 µs a timestamp). Here the rows go as one JSON
document, an array of arrays that orjson writes in C, and PostgreSQL reads each value back with
the type of its column (text, timestamps with their offsets, floats in their shortest exact form:
what is stored is what the portable path stores, ``tests/events/test_pg.py``). The statements
run on the connection of the writer's session, in its transaction. Column lists and types come
from the models: a new column needs no change here.
"""

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from hashlib import blake2b
from operator import attrgetter
from typing import Any

import asyncpg
import orjson
from sqlalchemy import String, Table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator

from dozor.conversations import state as conversation_state
from dozor.conversations.models import Conversation
from dozor.directory import service as directory_service
from dozor.events import contract as c
from dozor.events.models import StoredEvent
from dozor.events.portable import OPERATOR_STATE_COLUMNS, PAYLOAD_EXCLUDES
from dozor.operators import state as operator_state
from dozor.operators.models import Operator

EVENTS: Table = StoredEvent.__table__  # type: ignore[assignment]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
OPERATORS: Table = Operator.__table__  # type: ignore[assignment]
# what ``append`` writes per event, the payload as JSON text; ``received_at`` is one for all
EVENT_COLUMNS = ("id", "type", "ts", "conversation_id", "operator_id", "payload")
OPERATOR_COLUMNS = ("id", *OPERATOR_STATE_COLUMNS)
_conversation_values = attrgetter(*conversation_state.FIELDS)
_operator_values = attrgetter(*OPERATOR_STATE_COLUMNS)


async def connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under ``session``, inside the session's transaction."""
    raw = await (await session.connection()).get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    if not driver.is_in_transaction():
        # SQLAlchemy's adapter sends BEGIN with its first statement: without one, asyncpg
        # would run ours in autocommit
        await session.execute(text("SELECT 1"))
    return driver


def _json(rows: Iterable[tuple[Any, ...]]) -> bytes:
    # every datetime here is aware (the contract's AwareDatetime, the clock's now, the columns
    # read back), so each is written with its offset
    return orjson.dumps(list(rows))


def _sql_type(table: Table, name: str) -> str:
    type_ = table.c[name].type
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    # text, not varchar(n): a cast to varchar(n) cuts an overlong value where the insert refuses it
    if isinstance(type_, String):
        return "text"
    return type_.compile(dialect=postgresql.dialect())


def _values(table: Table, names: Iterable[str]) -> str:
    """``names`` read from a row of ``_ROWS``, each as the type of its column in ``table``."""
    return ", ".join(f"(r->>{i})::{_sql_type(table, name)}" for i, name in enumerate(names))


# the rows a statement writes: $1 is a JSON array of rows, each an array of values, sent as the
# UTF-8 that orjson writes (as text, the driver would encode again what was just decoded)
_ROWS = "jsonb_array_elements(convert_from($1::bytea, 'UTF8')::jsonb) AS r"


@cache
def _statements() -> dict[str, str]:
    """Built once from the models."""
    conversations = ", ".join(conversation_state.FIELDS)
    updates = ", ".join(f"{n} = excluded.{n}" for n in conversation_state.FIELDS if n != "id")
    received_at = f"$2::{_sql_type(EVENTS, 'received_at')}"
    operators = ", ".join(OPERATOR_COLUMNS)
    return {
        "stored_ids": "SELECT id FROM events WHERE id = ANY($1::text[])",
        "channel_media": "SELECT id, medium FROM channels WHERE id = ANY($1::text[])",
        "append": f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}, received_at) "
        f"SELECT {_values(EVENTS, EVENT_COLUMNS)}, {received_at} FROM {_ROWS}",
        "load_conversations": f"SELECT {conversations} FROM conversations "
        "WHERE id = ANY($1::text[])",
        "save_conversations": f"INSERT INTO conversations ({conversations}) "
        f"SELECT {_values(CONVERSATIONS, conversation_state.FIELDS)} FROM {_ROWS} "
        f"ON CONFLICT (id) DO UPDATE SET {updates}",
        "load_operators": f"SELECT {operators} FROM operators WHERE id = ANY($1::text[])",
        "save_operators": "UPDATE operators SET "
        + ", ".join(f"{n} = u.{n}" for n in OPERATOR_STATE_COLUMNS)
        + f" FROM (SELECT {_values(OPERATORS, OPERATOR_COLUMNS)} FROM {_ROWS}) AS u({operators})"
        " WHERE operators.id = u.id",
    }


def _sql(name: str) -> str:
    return _statements()[name]


# unnest gives the keys in the array's order: the locks are taken in that order
_BEGIN = text(
    "SELECT set_config('enable_seqscan', 'off', true), "
    "(SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) AS k)"
)


def _lock_key(name: str) -> int:
    return int.from_bytes(blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


async def begin(session: AsyncSession, names: Iterable[str]) -> None:
    """Begin the transaction: lock each of ``names`` (``ingest.lock_names``) until it ends, and
    keep the planner off sequential scans.

    Writers that touch the same conversation or operator then take turns, so each reads what
    the other committed; writers that touch different ones run side by side. Every writer takes
    its locks in one order (of the keys, 64-bit hashes of the names), so none waits in a circle.
    Every statement of the write path finds rows by a key; on a table whose statistics are not
    gathered yet (a new database, the first minute of an import) the planner would guess a
    sequential scan, whose cost then grows with the table.
    """
    keys = sorted({_lock_key(name) for name in names})
    await session.execute(_BEGIN, {"keys": keys})  # through SQLAlchemy, which sends BEGIN with it


async def stored_ids(session: AsyncSession, ids: list[str]) -> set[str]:
    rows = await (await connection(session)).fetch(_sql("stored_ids"), ids)
    return {row[0] for row in rows}


async def channel_media(session: AsyncSession, ids: list[str]) -> dict[str, str]:
    rows = await (await connection(session)).fetch(_sql("channel_media"), ids)
    return {row[0]: row[1] for row in rows}


async def append(session: AsyncSession, events: list[c.Event], received_at: datetime) -> None:
    """Append ``events`` in their order (``seq`` follows it, as with one insert per event)."""
    rows = (
        (
            e.id,
            e.type,
            e.ts,
            e.__dict__.get("conversation_id"),
            e.__dict__.get("operator_id"),
            # ``model_dump_json`` without its Python wrapper (half of its cost): the same text
            e.__pydantic_serializer__.to_json(
                e, exclude=PAYLOAD_EXCLUDES, exclude_none=True
            ).decode(),
        )
        for e in events
    )
    await (await connection(session)).execute(_sql("append"), _json(rows), received_at)


async def load_conversations(
    session: AsyncSession, ids: list[str]
) -> dict[str, conversation_state.ConversationState]:
    rows = await (await connection(session)).fetch(_sql("load_conversations"), ids)
    return {row[0]: conversation_state.ConversationState(*row) for row in rows}


async def save_conversations(
    session: AsyncSession, states: list[conversation_state.ConversationState]
) -> None:
    """Insert or overwrite the conversations' rows; ``states`` holds each id once."""
    rows = _json(map(_conversation_values, states))
    await (await connection(session)).execute(_sql("save_conversations"), rows)


async def load_operators(
    session: AsyncSession, ids: list[str]
) -> dict[str, operator_state.StatusState]:
    rows = await (await connection(session)).fetch(_sql("load_operators"), ids)
    return {row[0]: operator_state.StatusState(*row[1:]) for row in rows}


async def save_operators(
    session: AsyncSession, states: dict[str, operator_state.StatusState]
) -> None:
    rows = _json((operator_id, *_operator_values(s)) for operator_id, s in states.items())
    await (await connection(session)).execute(_sql("save_operators"), rows)


# -- the directory: rows for the ids first seen (directory/service.py) ---------------------------


@cache
def _defaults(table: Table, given: tuple[str, ...]) -> dict[str, Any]:
    """What SQLAlchemy's insert would fill in for the columns not ``given``."""
    defaults = [c for c in table.columns if c.name not in given and c.default is not None]
    if any(not column.default.is_scalar for column in defaults):  # type: ignore[union-attr]
        raise TypeError(f"{table.name}: only constant defaults are written here")
    return {column.name: column.default.arg for column in defaults}  # type: ignore[union-attr]


@cache
def _insert_missing_sql(shape: tuple[tuple[Table, tuple[str, ...]], ...]) -> str:
    """One statement for the tables of ``shape``: a data-modifying WITH per table but the last."""
    inserts = []
    for number, (table, given) in enumerate(shape, start=1):
        names = (*given, *_defaults(table, given))
        rows = _ROWS.replace("$1", f"${number}")  # each table's rows are a parameter of their own
        inserts.append(
            f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {_values(table, names)} "
            f"FROM {rows} ON CONFLICT (id) DO NOTHING"
        )
    *first, last = inserts
    if not first:
        return last
    return "WITH " + ", ".join(f"t{i} AS ({sql})" for i, sql in enumerate(first)) + " " + last


async def insert_missing(session: AsyncSession, tables: directory_service.NewRows) -> None:
    """Insert the rows whose id is not stored yet, every table's in one statement: for each
    table, the columns given and the rows (``directory.service.new_rows``); SQLAlchemy's
    ``executemany`` cost ~1 ms of CPU a group commit (bench/ingest.py)."""
    if not tables:
        return
    shape = tuple((table, given) for table, given, _ in tables)
    documents = [
        _json((*row, *_defaults(table, given).values()) for row in rows)
        for table, given, rows in tables
    ]
    await (await connection(session)).execute(_insert_missing_sql(shape), *documents)
