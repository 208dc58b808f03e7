"""Fixtures: every storage test runs on SQLite and on PostgreSQL (a fresh database per run).

PostgreSQL comes from ``DOZOR_TEST_POSTGRES`` (default: 127.0.0.1:5432, database ``test``). When
it cannot be reached the PostgreSQL half is skipped, except under ``CI=true``, where it fails.
"""

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dozor.app import create_app
from dozor.clock import ManualClock
from dozor.config import Settings
from dozor.db import Base, create_engine, sessionmaker, write_sessionmaker
from dozor.events.writer import Writer
from dozor.migrate import upgrade

POSTGRES = os.environ.get("DOZOR_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    settings = Settings(data_dir=folder)
    _run(upgrade(settings))
    return folder / "dozor.sqlite3"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"dozor_test_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        connection = await asyncpg.connect(POSTGRES, timeout=5)
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    try:
        _run(create())
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {POSTGRES} is not reachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    base = POSTGRES.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    _run(upgrade(Settings(database_url=url)))
    yield url

    async def drop() -> None:
        connection = await asyncpg.connect(POSTGRES)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()

    _run(drop())


async def _truncate(url: str) -> None:
    engine = create_engine(Settings(database_url=url))
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings on an empty, migrated database of each kind."""
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp_path / "dozor.sqlite3")
        return Settings(data_dir=tmp_path, secret_key="test-secret")
    url = request.getfixturevalue("postgres_url")
    _run(_truncate(url))
    return Settings(database_url=url, data_dir=tmp_path, secret_key="test-secret")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return sessionmaker(engine)


@pytest.fixture
async def writer(
    settings: Settings, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[Writer]:
    writer = Writer(write_sessionmaker(engine), clock, concurrency=settings.writers)
    writer.start()
    yield writer
    await writer.stop()


@pytest.fixture
def app_client(settings: Settings, clock: ManualClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


@pytest.fixture
def api_token(app_client: TestClient) -> str:
    from dozor.auth import service

    async def create() -> str:
        async with app_client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
            return await service.create_token(
                session, name="tests", clock=app_client.app.state.clock
            )  # type: ignore[attr-defined]

    return app_client.portal.call(create)  # type: ignore[union-attr]


@pytest.fixture
def api(app_client: TestClient, api_token: str) -> TestClient:
    """A client that sends the integration's token with every request."""
    app_client.headers["Authorization"] = f"Bearer {api_token}"
    return app_client
