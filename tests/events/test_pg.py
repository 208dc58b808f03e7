"""PostgreSQL's set-based statements (events/pg.py) store exactly what the portable ones store
on SQLite, and only inside the writer's transaction."""

import asyncio
import random
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta, timezone
from operator import attrgetter
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Text, cast, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dozor.config import Settings
from dozor.conversations import state as conversation_state
from dozor.conversations.models import Conversation
from dozor.db import Base, create_engine, write_sessionmaker
from dozor.directory.models import Channel, Group, Topic
from dozor.events import contract as c
from dozor.events import ingest
from dozor.events.models import StoredEvent
from dozor.operators.models import Operator
from dozor.simulate import generate
from tests.factories import T0, Script, status

_fields = attrgetter(*conversation_state.FIELDS)
TEXT = 'Анна «Ёлка» 🙂 \\ "quoted"\ttab\nline\u2028sep ǅ 日本語'


def _event(**data: Any) -> c.Event:
    return c.event_adapter.validate_python(data, strict=False)


def _edge_cases() -> list[list[list[c.Event]]]:
    """Groups of batches: what the set-based statements could get wrong."""
    moscow = T0.astimezone(timezone(timedelta(hours=3)))  # an offset other than UTC
    chat = (
        Script("chat", start=moscow)
        .at(
            0,
            "conversation.opened",
            channel_id="web",
            medium="chat",
            direction="inbound",
            group_id="support",
            topic="delivery",
            client={"name": TEXT, "phone": "+7 900 000-00-00", "email": "анна@пример.рф"},
            page_url="https://example.com/?q=ü&x=1",
        )
        .message(0.000001, "client", text=TEXT)
        .at(0.1, "conversation.accepted", operator_id="bob")
        .message(0.3, "operator", operator_id="bob", text="x" * 5000)
        .message(1.7, "client", text="")
        .message(2.0000007, "operator", operator_id="bob", text="ок")
    )
    call = (
        Script("call")
        .at(0, "conversation.opened", channel_id="pbx", medium="call", direction="inbound")
        .at(1, "conversation.queued", group_id="support")
        .at(3, "conversation.accepted", operator_id="bob")
        .at(4, "conversation.hold", on=True)
        .at(9.25, "conversation.hold", on=False)
        .at(20, "conversation.closed", by="operator", operator_id="bob", reason=TEXT)
        .at(21, "conversation.rated", score=5)
        .at(22, "conversation.reviewed", rating=2, comment=TEXT, actor="alice")
    )
    first, second = chat.events[:3], chat.events[3:]
    return [
        [  # one conversation in two batches of a group; repeats within a batch and across
            first + [first[0]],
            [status("bob", 0, "online", 1)],
            second + [first[1], status("bob", 5, "away", 2, reason=TEXT)],
            call.events[:4],
        ],
        [  # late events: a conversation and an operator fold again; a batch is rejected
            call.events[4:] + [call.events[3]],
            [
                _event(
                    id="pin",
                    type="conversation.pinned",
                    ts=T0,
                    conversation_id="chat",
                    operator_id="bob",
                )
            ],
            [status("bob", 2, "offline", 3)],
            Script("lost")
            .at(0, "conversation.opened", channel_id="new", direction="inbound")
            .events,
        ],
    ]


def _simulated() -> list[list[list[c.Event]]]:
    """An hour of the demo in groups of batches, a few batches held back so they arrive late."""
    events = [_event(**e) for e in generate(3, T0, hours=1)]
    batches = [events[i : i + 50] for i in range(0, len(events), 50)]
    random.Random(7).shuffle(late := batches[5:9])
    ordered = batches[:5] + batches[9:] + late
    return [ordered[i : i + 6] for i in range(0, len(ordered), 6)]


def _outcome(outcome: ingest.StoreResult | ingest.Rejected) -> tuple[Any, ...]:
    if isinstance(outcome, ingest.Rejected):
        return ("rejected", outcome.errors)
    return (
        outcome.accepted,
        outcome.duplicates,
        sorted(outcome.conversation_ids),
        sorted(outcome.operator_ids),
        sorted(map(_fields, outcome.conversations)),
        sorted(outcome.operators.items()),
    )


async def _store(engine: AsyncEngine, groups: list[list[list[c.Event]]]) -> list[Any]:
    sessions = write_sessionmaker(engine)
    outcomes = []
    for number, group in enumerate(groups):
        async with sessions() as session, session.begin():
            received_at = T0 + timedelta(minutes=number, microseconds=number)
            outcomes += await ingest.store_batches(session, group, received_at=received_at)
    return [_outcome(o) for o in outcomes]


async def _rows(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row but the sequence numbers, which only PostgreSQL leaves gaps in."""
    events = select(
        StoredEvent.id,
        StoredEvent.type,
        StoredEvent.ts,
        StoredEvent.conversation_id,
        StoredEvent.operator_id,
        StoredEvent.payload,
        cast(StoredEvent.payload, Text),  # and its very text
        StoredEvent.received_at,
    )
    conversation = [Conversation.__table__.c[n] for n in conversation_state.FIELDS]
    async with engine.connect() as connection:
        read = connection.execute
        rows = {
            "events": (await read(events.order_by(StoredEvent.seq))).all(),
            "conversations": (await read(select(*conversation).order_by(Conversation.id))).all(),
        }
        for model in (Operator, Channel, Group, Topic):
            rows[model.__tablename__] = (await read(select(model).order_by(model.id))).all()
    return {name: [tuple(row) for row in table] for name, table in rows.items()}


@pytest.fixture
async def engines(
    sqlite_template: Path, postgres_url: str, tmp_path: Path
) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    shutil.copy(sqlite_template, tmp_path / "dozor.sqlite3")
    sqlite = create_engine(Settings(data_dir=tmp_path))
    postgresql = create_engine(Settings(database_url=postgres_url, data_dir=tmp_path))
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    async with postgresql.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield sqlite, postgresql
    await sqlite.dispose()
    await postgresql.dispose()


@pytest.mark.parametrize("groups", [_edge_cases(), _simulated()], ids=["edge_cases", "simulated"])
async def test_postgresql_stores_what_sqlite_stores(
    engines: tuple[AsyncEngine, AsyncEngine], groups: list[list[list[c.Event]]]
) -> None:
    sqlite, postgresql = engines
    assert await _store(postgresql, groups) == await _store(sqlite, groups)
    stored = await _rows(postgresql)
    assert stored == await _rows(sqlite)
    assert stored["events"] and stored["conversations"] and stored["operators"]


async def test_edge_cases_do_what_they_say(engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    _, postgresql = engines
    outcomes = await _store(postgresql, _edge_cases())
    assert [o[:2] for o in outcomes] == [(3, 1), (1, 0), (4, 1), (4, 0), (4, 1), (1, 0), (1, 0)] + [
        ("rejected", outcomes[-1][1])
    ]
    rows = await _rows(postgresql)
    chat = next(r for r in rows["conversations"] if r[0] == "chat")
    state = conversation_state.ConversationState(*chat)
    assert state.client_name == TEXT and state.pinned_operator_id == "bob"
    assert state.response_total == pytest.approx(0.3 - 0.000001 + 0.3000007)
    assert state.closed_at is None and state.first_bot_message_at is None
    assert [r[0] for r in rows["operators"]] == ["bob"]
    # the late "offline" at 2 s folds in before the "away" at 5 s
    assert rows["operators"][0][3:6] == ("away", T0 + timedelta(seconds=5), TEXT)


async def _count(sessions: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_failed_transaction_keeps_nothing_of_the_set_based_statements(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    _, postgresql = engines
    sessions = write_sessionmaker(postgresql)
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await ingest.store_batches(session, _simulated()[0], received_at=T0)
            raise RuntimeError("a checkpoint failed")
    state = conversation_state.fold(Script("c").message(0, "client").events)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            # the first statement: BEGIN first
            await ingest.save_conversations(session, new=[state])
            raise RuntimeError("then something failed")
    assert await _count(sessions, StoredEvent) == await _count(sessions, Conversation) == 0


async def test_an_overlong_value_is_refused_not_cut(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    _, postgresql = engines
    state = conversation_state.fold(Script("c").message(0, "client").events)  # type: ignore[arg-type]
    state.client_name = "x" * 501
    with pytest.raises(asyncpg.StringDataRightTruncationError):
        async with write_sessionmaker(postgresql)() as session, session.begin():
            await ingest.save_conversations(session, new=[state])


async def test_a_first_seen_row_does_not_wait_for_a_writer_that_changed_a_stored_one(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """Every group names the operators of its events: naming one whose row another writer has
    just changed (its status) must not wait for that writer to commit."""
    _, postgresql = engines
    sessions = write_sessionmaker(postgresql)
    async with sessions() as session, session.begin():
        await ingest.ensure_directory(session, [status("bob", 0, "online", 1)], {})
    offered = Script("c").at(0, "conversation.offered", operator_id="bob").events
    queued = Script("d").at(0, "conversation.queued", group_id="sales").events
    async with sessions() as holder, holder.begin():
        await holder.execute(update(Operator).where(Operator.id == "bob").values(status="away"))
        async with sessions() as other, other.begin():
            await asyncio.wait_for(ingest.ensure_directory(other, offered + queued, {}), 5)
    async with sessions() as session:
        assert await session.scalar(select(Operator.status).where(Operator.id == "bob")) == "away"
        assert await session.scalar(select(Group.id)) == "sales"


@pytest.mark.parametrize("groups", [_edge_cases(), _simulated()], ids=["edge_cases", "simulated"])
async def test_each_message_text_is_indexed_under_its_conversations_number(
    engines: tuple[AsyncEngine, AsyncEngine], groups: list[list[list[c.Event]]]
) -> None:
    """``message_texts`` holds the text of every stored message, with its event's seq and the
    number of its conversation, whether that was inserted by the same statement or before."""
    _, postgresql = engines
    await _store(postgresql, groups)
    logged = (
        "SELECT c.number, e.seq, e.payload ->> 'text' FROM events AS e"
        " JOIN conversations AS c ON c.id = e.conversation_id"
        " WHERE e.type = 'message.created' AND e.payload ->> 'text' IS NOT NULL ORDER BY e.seq"
    )
    async with postgresql.connect() as connection:
        indexed = (await connection.exec_driver_sql(
            "SELECT number, seq, text FROM message_texts ORDER BY seq"
        )).all()  # fmt: skip
        expected = (await connection.exec_driver_sql(logged)).all()
        messages = await connection.scalar(
            select(func.count()).where(StoredEvent.type == "message.created")
        )
    assert indexed == expected
    assert 0 < len(indexed) <= messages
