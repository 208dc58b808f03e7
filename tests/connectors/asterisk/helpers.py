"""Shared by the Asterisk connector's tests: the fixture files, CLI environment, reading back."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dozor.config import Settings
from dozor.conversations.models import Conversation
from dozor.db import create_engine, sessionmaker
from dozor.operators.models import Operator

DATA = Path(__file__).parent / "data"
# the fixture queue_log starts at 2026-03-02 09:00 Moscow time
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
EPOCH = int(T0.timestamp())


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def env(settings: Settings) -> dict[str, str]:
    return {
        "DOZOR_DATA_DIR": str(settings.data_dir),
        "DOZOR_DATABASE_URL": settings.database_url,
        "DOZOR_TIMEZONE": "Europe/Moscow",
    }


async def _rows(settings: Settings, statement: Any) -> list[Any]:
    engine = create_engine(settings)
    async with sessionmaker(engine)() as session:
        rows = (await session.execute(statement)).all()
    await engine.dispose()
    return list(rows)


def rows(settings: Settings, statement: Any) -> list[Any]:
    return asyncio.run(_rows(settings, statement))


def conversations(settings: Settings) -> dict[str, Any]:
    return {row[0].id: row[0] for row in rows(settings, select(Conversation))}


def operators(settings: Settings) -> dict[str, Any]:
    return {row[0].id: row[0] for row in rows(settings, select(Operator))}
