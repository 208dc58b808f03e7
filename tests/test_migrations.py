"""The migrations build exactly the schema the models describe, on both databases."""

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dozor import models  # noqa: F401  (every table on the metadata)
from dozor.config import Settings
from dozor.db import Base, create_engine


def _differences(settings: Settings) -> list:  # type: ignore[type-arg]
    async def compare() -> list:  # type: ignore[type-arg]
        engine = create_engine(settings)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
        await engine.dispose()
        return diff

    return asyncio.run(compare())


def test_migrations_match_the_models(settings: Settings) -> None:
    assert _differences(settings) == []
