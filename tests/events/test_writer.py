"""The writer's tasks side by side: the same rows, answers and notices as one task would give."""

import asyncio
import random

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dozor.clock import ManualClock
from dozor.config import Settings
from dozor.conversations import service as conversations_service
from dozor.conversations import state
from dozor.conversations.models import Conversation
from dozor.db import sessionmaker, write_sessionmaker
from dozor.events import contract as c
from dozor.events.ingest import StoreResult
from dozor.events.models import StoredEvent
from dozor.events.writer import Writer
from tests.factories import T0, Script


def _conversation(cid: str, messages: int) -> list[c.Event]:
    script = Script(cid).at(
        0, "conversation.opened", channel_id="web", medium="chat", direction="inbound"
    )
    for n in range(messages):
        script.message(1 + n, "client" if n % 2 else "operator")
    return script.events


async def test_writers_side_by_side_fold_every_conversation_as_one_would(
    settings: Settings, engine: AsyncEngine
) -> None:
    """Batches that mix the same conversations, submitted at once, shuffled, some repeated:
    the groups of the writer's tasks take turns on what they share and lose nothing."""
    conversations = {f"c{n}": _conversation(f"c{n}", 12) for n in range(6)}
    events = [e for script in conversations.values() for e in script]
    rng = random.Random(7)
    batches = [rng.sample(events, 8) for _ in range(60)] + [events]
    rng.shuffle(batches)
    # groups of one batch each, so that the tasks do meet
    writer = Writer(
        write_sessionmaker(engine), ManualClock(T0), max_events=1, concurrency=settings.writers
    )
    writer.start()
    try:
        results = await asyncio.gather(*(writer.submit(batch) for batch in batches))
    finally:
        await writer.stop()
    assert sum(r.accepted for r in results) == len(events)
    assert sum(r.accepted + r.duplicates for r in results) == sum(map(len, batches))
    async with sessionmaker(engine)() as session:
        rows = (await session.scalars(select(Conversation))).all()
        stored = await session.scalar(select(func.count()).select_from(StoredEvent))
    assert stored == len(events)
    assert {row.id: conversations_service.state_of(row) for row in rows} == {
        cid: state.fold(script) for cid, script in conversations.items()
    }


async def test_listeners_hear_the_commits_in_their_order(
    settings: Settings, engine: AsyncEngine
) -> None:
    """One conversation's events in many groups at once: the last state a listener hears is the
    one stored, however the writer's tasks met."""
    events = _conversation("c1", 40)
    heard: list[state.ConversationState] = []

    async def listener(results: list[StoreResult]) -> None:
        heard.extend(s for result in results for s in result.conversations)

    writer = Writer(
        write_sessionmaker(engine),
        ManualClock(T0),
        max_events=1,
        concurrency=settings.writers,
        listeners=[listener],
    )
    writer.start()
    try:
        await asyncio.gather(*(writer.submit([event]) for event in reversed(events)))
    finally:
        await writer.stop()
    async with sessionmaker(engine)() as session:
        row = await session.scalar(select(Conversation))
    assert row is not None
    assert heard[-1] == conversations_service.state_of(row) == state.fold(events)


# SQLite writes one transaction at a time: no other can come between
@pytest.mark.parametrize("settings", ["postgresql"], indirect=True)
async def test_an_event_another_transaction_stores_meanwhile_is_a_duplicate(
    settings: Settings, engine: AsyncEngine
) -> None:
    """The writer checks an id, then another writer commits that id first (one event id under
    two conversations locks nothing in common): the insert conflicts, and the group is stored
    again, the event now a duplicate."""
    opened = _conversation("c1", 0)
    writer = Writer(write_sessionmaker(engine), ManualClock(T0), concurrency=settings.writers)
    writer.start()
    try:
        await writer.submit(opened)
        other = await asyncpg.connect(settings.effective_database_url.replace("+asyncpg", ""))
        try:
            transaction = other.transaction()
            await transaction.start()
            await other.execute(
                "INSERT INTO events (id, type, ts, conversation_id, payload, received_at) "
                "VALUES ('m1', 'message.created', now(), 'elsewhere', '{}', now())"
            )
            message = Script("c1").message(5, "client", id="m1").events
            pending = asyncio.create_task(writer.submit(message))
            await asyncio.sleep(0.5)  # the writer now waits on the uncommitted m1
            assert not pending.done()
            await transaction.commit()
            result = await asyncio.wait_for(pending, 10)
        finally:
            await other.close()
    finally:
        await writer.stop()
    assert (result.accepted, result.duplicates) == (0, 1)
    async with sessionmaker(engine)() as session:
        stored = await session.scalar(
            select(StoredEvent.conversation_id).where(StoredEvent.id == "m1")
        )
    assert stored == "elsewhere"
