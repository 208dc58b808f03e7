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
from dozor.events.group import Changes, Stored, Wanted
from dozor.events.models import StoredEvent
from dozor.events.portable import EVENT_COLUMNS, OPERATOR_STATE_COLUMNS, event_values
from dozor.operators import state as operator_state
from dozor.operators.models import Operator

EVENTS: Table = StoredEvent.__table__  # type: ignore[assignment]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
OPERATORS: Table = Operator.__table__  # type: ignore[assignment]
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
    """``names`` read from a row ``r`` of ``_rows``, each as the type of its column in ``table``."""
    return ", ".join(f"(r->>{i})::{_sql_type(table, name)}" for i, name in enumerate(names))


# the rows a statement writes: a JSON array of rows, each an array of values, sent as the UTF-8
# that orjson writes (as text, the driver would encode again what was just decoded)
def _rows(parameter: int) -> str:
    return f"jsonb_array_elements(convert_from(${parameter}::bytea, 'UTF8')::jsonb) AS r"


def _together(statements: list[str]) -> str:
    """One statement doing all of ``statements``: data-modifying WITHs but the last. Each must
    touch rows none of the others touches: they all see the snapshot the statement began with."""
    *first, last = statements
    if not first:
        return last
    return "WITH " + ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(first)) + " " + last


# unnest gives the keys in the array's order: the locks are taken in that order
_BEGIN = text(
    "SELECT set_config('enable_seqscan', 'off', true), "
    "(SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) AS k)"
)


def _lock_key(name: str) -> int:
    return int.from_bytes(blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


async def begin(session: AsyncSession, wanted: Wanted) -> None:
    """Begin the transaction: lock each conversation and operator status ``wanted`` until it
    ends, and keep the planner off sequential scans.

    Writers that touch the same conversation or operator then take turns, so each reads what
    the other committed; writers that touch different ones run side by side. Every writer takes
    its locks in one order (of the keys, 64-bit hashes of the names), so none waits in a circle.
    Every statement of the write path finds rows by a key; on a table whose statistics are not
    gathered yet (a new database, the first minute of an import) the planner would guess a
    sequential scan, whose cost then grows with the table.
    """
    names = [f"conversation {i}" for i in wanted.conversation_ids]
    names += [f"operator {i}" for i in wanted.operator_ids]
    keys = sorted({_lock_key(name) for name in names})
    await session.execute(_BEGIN, {"keys": keys})  # through SQLAlchemy, which sends BEGIN with it


_CONVERSATIONS = ", ".join(conversation_state.FIELDS)
_OPERATORS = ", ".join(OPERATOR_COLUMNS)
_READ = (
    "SELECT ARRAY(SELECT id FROM events WHERE id = ANY($1::text[])), "
    "ARRAY(SELECT ROW(id, medium) FROM channels WHERE id = ANY($2::text[])), "
    f"ARRAY(SELECT ROW({_CONVERSATIONS}) FROM conversations WHERE id = ANY($3::text[])), "
    f"ARRAY(SELECT ROW({_OPERATORS}) FROM operators WHERE id = ANY($4::text[]))"
)


async def read(session: AsyncSession, wanted: Wanted) -> Stored:
    """Everything a group asks about in one statement: each table's rows as an array of
    records, which asyncpg decodes with each column's type."""
    known, media, conversations, operators = await (await connection(session)).fetchrow(
        _READ,
        wanted.event_ids,
        wanted.channel_ids,
        wanted.conversation_ids,
        wanted.operator_ids,
    )
    return Stored(
        event_ids=set(known),
        media=dict(media),
        conversations={row[0]: conversation_state.ConversationState(*row) for row in conversations},
        operators={row[0]: operator_state.StatusState(*row[1:]) for row in operators},
    )


# the texts of the messages just inserted (``w0``), under their conversation's number: one
# inserted by the same statement (joined as ``n``), else a stored one (the snapshot's)
_MESSAGE_TEXTS = (
    "INSERT INTO message_texts (number, seq, text) SELECT coalesce({number}, "
    "(SELECT number FROM conversations AS c WHERE c.id = e.conversation_id)), e.seq, e.text "
    "FROM w0 AS e {join}WHERE e.text IS NOT NULL"
)


@cache
def _write_sql(events: bool, new: bool, stored: bool, operators: bool) -> str:
    """The statement writing what ``Changes`` holds, the parts it has: each part's rows are a
    parameter of their own, in this order (the events' ``received_at`` after their rows). The
    events' messages go to ``message_texts`` (models.MessageText) with their numbers."""
    statements, parameter = [], 1
    if events:
        statements.append(
            f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}, received_at) "
            f"SELECT {_values(EVENTS, EVENT_COLUMNS)}, "
            f"${parameter + 1}::{_sql_type(EVENTS, 'received_at')} FROM {_rows(parameter)} "
            "RETURNING seq, conversation_id, "
            "CASE WHEN type = 'message.created' THEN payload ->> 'text' END AS text"
        )
        parameter += 2
    values = _values(CONVERSATIONS, conversation_state.FIELDS)
    if new:
        statements.append(
            f"INSERT INTO conversations ({_CONVERSATIONS}) SELECT {values} FROM {_rows(parameter)}"
            " RETURNING id, number"
        )
        parameter += 1
    if stored:
        updates = ", ".join(f"{n} = u.{n}" for n in conversation_state.FIELDS if n != "id")
        statements.append(
            f"UPDATE conversations SET {updates} FROM (SELECT {values} FROM {_rows(parameter)}) "
            f"AS u({_CONVERSATIONS}) WHERE conversations.id = u.id"
        )
        parameter += 1
    if operators:
        updates = ", ".join(f"{n} = u.{n}" for n in OPERATOR_STATE_COLUMNS)
        statements.append(
            f"UPDATE operators SET {updates} FROM (SELECT {_values(OPERATORS, OPERATOR_COLUMNS)} "
            f"FROM {_rows(parameter)}) AS u({_OPERATORS}) WHERE operators.id = u.id"
        )
    if events:  # the events' insert is w0, the new conversations' (if any) w1
        join = "LEFT JOIN w1 AS n ON n.id = e.conversation_id " if new else ""
        statements.append(_MESSAGE_TEXTS.format(number="n.number" if new else "NULL", join=join))
    return _together(statements)


async def write(session: AsyncSession, changes: Changes) -> None:
    """All of ``changes`` in one statement; the events keep their order (``seq`` follows it).
    The conversations first seen are inserted and the stored ones updated, apart: ``INSERT … ON
    CONFLICT DO UPDATE`` cost the database a fifth more per row (bench/ingest.py)."""
    arguments: list[Any] = []
    if changes.events:
        arguments += [_json(event_values(e, e.ts) for e in changes.events), changes.received_at]
    for states in (changes.new, changes.stored):
        if states:
            arguments.append(_json(map(_conversation_values, states)))
    if changes.operators:
        arguments.append(_json((i, *_operator_values(s)) for i, s in changes.operators.items()))
    if arguments:
        sql = _write_sql(
            bool(changes.events), bool(changes.new), bool(changes.stored), bool(changes.operators)
        )
        await (await connection(session)).execute(sql, *arguments)


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
    """One statement for the tables of ``shape``, each table's rows a parameter of their own.

    A row whose id is stored is left out before the insert: the insert's own check would wait
    for any writer that changed that row (an operator's status) to commit."""
    return _together(
        [
            f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {_values(table, names)} "
            f"FROM {_rows(number)} WHERE NOT EXISTS "
            f"(SELECT FROM {table.name} AS t WHERE t.id = r->>{names.index('id')}) "
            "ON CONFLICT (id) DO NOTHING"
            for number, (table, given) in enumerate(shape, start=1)
            for names in [(*given, *_defaults(table, given))]
        ]
    )


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
