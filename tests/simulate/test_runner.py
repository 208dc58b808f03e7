"""The runner feeds the writer as the clock moves: the projections fill with the demo center."""

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.clock import ManualClock
from dozor.conversations.models import Conversation
from dozor.events.models import StoredEvent
from dozor.events.writer import Writer
from dozor.operators.models import Operator
from dozor.simulate import generate
from dozor.simulate.engine import Simulation
from dozor.simulate.runner import Runner

SEED = 3


async def _caught_up(runner: Runner, moment: datetime) -> None:
    async with asyncio.timeout(10):
        while runner.released_until != moment:
            await asyncio.sleep(0.002)


async def _count(session: AsyncSession, *where: object) -> int:
    return await session.scalar(select(func.count()).select_from(Conversation).where(*where))  # type: ignore[arg-type,return-value]


async def test_half_an_hour_of_the_center_lands_in_the_projections(
    writer: Writer, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    start = clock.now()
    runner = Runner(Simulation(SEED, start), writer, clock, interval=0.001)
    task = asyncio.create_task(runner.run())
    for _ in range(30):
        clock.advance(60)
        await _caught_up(runner, clock.now())
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    expected = list(generate(SEED, start, 0.5))
    conversation_ids = {e["conversation_id"] for e in expected if "conversation_id" in e}
    assert runner.stored == len(expected)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(StoredEvent)) == len(expected)
        assert await _count(session) == len(conversation_ids) > 50
        assert await _count(session, Conversation.status == "closed") > 10
        assert await _count(session, Conversation.status != "closed") > 0
        lost = await _count(
            session,
            Conversation.queued_at.is_not(None),
            Conversation.accepted_at.is_(None),
            Conversation.closed_at.is_not(None),
        )
        assert lost > 0
        assert await _count(session, Conversation.client_rating.is_not(None)) > 0
        online = await session.scalar(
            select(func.count()).select_from(Operator).where(Operator.status == "online")
        )
        assert online is not None and online >= 10
        last = await session.scalar(select(func.max(StoredEvent.ts)))
        assert last is not None and start < last <= start + timedelta(minutes=30)


async def test_a_failed_batch_is_sent_again(
    writer: Writer, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    runner = Runner(Simulation(SEED, clock.now()), writer, clock)
    await writer.stop()  # the writer refuses: nothing is lost, the events wait
    clock.advance(300)
    with pytest.raises(RuntimeError):
        await runner.step()
    pending = runner.pending
    assert pending > 0 and runner.stored == 0
    writer.start()
    await runner.step()
    assert runner.stored == pending
