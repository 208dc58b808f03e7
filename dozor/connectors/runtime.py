"""What a connector command runs on: a migrated database and a running writer."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.clock import Clock, SystemClock
from dozor.config import Settings
from dozor.db import create_engine, write_sessionmaker
from dozor.events.writer import Writer
from dozor.migrate import upgrade


@dataclass
class Runtime:
    writer: Writer
    sessions: async_sessionmaker[AsyncSession]  # for reads and directory writes
    clock: Clock


@asynccontextmanager
async def running(settings: Settings, *, clock: Clock | None = None) -> AsyncIterator[Runtime]:
    """Migrate, start the writer; on the way out commit what is queued and close the engine."""
    engine = create_engine(settings)
    await upgrade(settings, engine=engine)
    clock = clock or SystemClock()
    writer = Writer(
        write_sessionmaker(engine),
        clock,
        max_events=settings.writer_max_events,
        concurrency=settings.writers,
    )
    writer.start()
    try:
        yield Runtime(writer=writer, sessions=write_sessionmaker(engine), clock=clock)
    finally:
        await writer.stop()
        await engine.dispose()


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less when ``stop`` is set meanwhile."""
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
