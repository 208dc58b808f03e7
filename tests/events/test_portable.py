"""SQLite's write path binds its rows by hand: what it stores is, to the character, what
SQLAlchemy's column types would have bound, so every query built with SQLAlchemy meets it."""

from datetime import timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Column, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.conversations import state as conversation_state
from dozor.conversations.models import Conversation
from dozor.events.ingest import store_batches
from dozor.events.models import StoredEvent
from tests.factories import T0, Script

pytestmark = pytest.mark.parametrize("settings", ["sqlite"], indirect=True)

MOSCOW = timezone(timedelta(hours=3))


def _call() -> Script:
    return (
        Script("call", start=T0.astimezone(MOSCOW))
        .at(0, "conversation.opened", channel_id="pbx", medium="call", direction="inbound")
        .at(1.5, "conversation.queued", group_id="support")
        .at(3.000001, "conversation.accepted", operator_id="bob")
        .at(4, "conversation.hold", on=True)
        .at(9.25, "conversation.hold", on=False)
        .at(20, "conversation.closed", by="operator", operator_id="bob", reason="готово")
    )


def _bound(column: Column[Any], state: object, dialect: Dialect) -> Any:
    """The value SQLAlchemy would bind for ``column`` from ``state``."""
    value = getattr(state, column.name)
    bind = column.type.dialect_impl(dialect).bind_processor(dialect)
    return value if bind is None else bind(value)


async def test_the_rows_hold_the_text_sqlalchemy_binds(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    events = _call().events
    received_at = (T0 + timedelta(minutes=1, microseconds=250)).astimezone(MOSCOW)
    async with sessions() as session, session.begin():
        await store_batches(session, [events], received_at=received_at)
    folded = conversation_state.fold(events)
    async with sessions() as session:
        dialect = session.bind.dialect
        row = (await session.execute(text("SELECT * FROM conversations"))).one()._mapping
        for name in conversation_state.FIELDS:
            assert row[name] == _bound(Conversation.__table__.c[name], folded, dialect), name
        assert row["accepted_at"] == "2026-03-02 09:00:03.000001"  # UTC, no offset, to the µs
        assert row["created_at"] == "2026-03-02 09:00:00.000000"  # a whole second too
        assert row["hold_since"] is None

        stored = (await session.execute(text("SELECT id, ts, received_at FROM events"))).all()
        timestamp = StoredEvent.__table__.c.ts.type.dialect_impl(dialect).bind_processor(dialect)
        assert sorted(stored) == sorted(
            (e.id, timestamp(e.ts), timestamp(received_at)) for e in events
        )
        assert stored[0].received_at == "2026-03-02 09:01:00.000250"

        # and so a query SQLAlchemy binds finds them
        found = await session.scalar(
            select(Conversation.id).where(Conversation.accepted_at == folded.accepted_at)
        )
        assert found == "call"
        assert (
            await session.scalar(select(StoredEvent.id).where(StoredEvent.ts == events[2].ts))
            == events[2].id
        )
