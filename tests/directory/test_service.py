"""Rows first seen in events: what ``ingest.ensure_directory`` writes, on SQLite and through
PostgreSQL's single statement alike."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dozor.db import write_sessionmaker
from dozor.directory import service
from dozor.directory.models import Channel, Group, Topic
from dozor.events.ingest import ensure_directory
from dozor.operators.models import Operator
from tests.factories import Script, status


async def _rows(engine: AsyncEngine, model: Any) -> list[tuple[Any, ...]]:
    async with write_sessionmaker(engine)() as session:
        rows = await session.execute(select(model.__table__).order_by(model.id))
        return [tuple(row) for row in rows]


async def test_new_ids_get_rows_named_by_them_and_known_rows_stay(engine: AsyncEngine) -> None:
    sessions = write_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await service.create(session, Group, values={"id": "support", "name": "Поддержка"})
    events = [
        *Script("c1")
        .at(0, "conversation.opened", channel_id="pbx", medium="call", direction="inbound")
        .at(1, "conversation.queued", group_id="support")
        .at(2, "conversation.accepted", operator_id="bob")
        .at(3, "conversation.transferred", to_operator_id="carol", to_group_id="sales")
        .at(4, "conversation.updated", topic="billing")
        .events,
        *Script("c2")
        .at(0, "conversation.opened", channel_id="web", direction="inbound", group_id="sales")
        .events,
        status("dave", 0, "online", 1),
    ]
    async with sessions() as session, session.begin():
        await ensure_directory(session, events, {"pbx": "call", "web": "chat"})
        await ensure_directory(session, events, {"pbx": "email", "web": "email"})

    assert await _rows(engine, Operator) == [
        (name, name, 3, "offline", None, None, None, "") for name in ("bob", "carol", "dave")
    ]
    assert await _rows(engine, Group) == [
        ("sales", "sales", 5, 20, "abandons_missed"),
        ("support", "Поддержка", 5, 20, "abandons_missed"),
    ]
    assert await _rows(engine, Topic) == [("billing", "billing")]
    assert await _rows(engine, Channel) == [
        ("pbx", "pbx", "call", "phone"),
        ("web", "web", "chat", "other"),
    ]


async def test_events_naming_no_directory_row_write_nothing(engine: AsyncEngine) -> None:
    events = Script("c1").message(0, "client", text="hi").at(1, "conversation.closing").events
    assert service.new_rows(events, {}) == []
    async with write_sessionmaker(engine)() as session, session.begin():
        await ensure_directory(session, events, {})
    for model in (Operator, Group, Topic, Channel):
        assert await _rows(engine, model) == []
