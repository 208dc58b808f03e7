"""The migrations build exactly the schema the models describe, on both databases.

Three kinds of object are left out of the comparison: an index the models create on the other
database only (``ddl_if``: PostgreSQL's trigram indexes), a table they declare for the other
database only (``info={"only": …}``: PostgreSQL's ``message_texts``), and SQLite's full-text
search, which migration 0008 creates by hand because models cannot declare it (FTS5 virtual
tables, their shadow tables, a view and triggers). A test below checks that those are there.
"""

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from dozor import models  # noqa: F401  (every table on the metadata)
from dozor.config import Settings
from dozor.db import Base, create_engine
from dozor.migrate import FULL_TEXT, include_object

POSTGRESQL_SEARCH = {
    "pg_trgm",
    "ix_message_texts_text",
    *(f"ix_conversations_{n}_trgm" for n in ("client_name", "client_phone", "client_email")),
}
SQLITE_SEARCH = {
    *FULL_TEXT,
    "message_texts",
    "events_message_search",
    "conversations_client_search_insert",
    "conversations_client_search_update",
    "conversations_client_search_delete",
}


def _differences(settings: Settings) -> list:  # type: ignore[type-arg]
    async def compare() -> list:  # type: ignore[type-arg]
        engine = create_engine(settings)
        dialect = engine.dialect.name

        opts = {"compare_type": True, "include_object": include_object(dialect)}
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts=opts), Base.metadata
                )
            )
        await engine.dispose()
        return diff

    return asyncio.run(compare())


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
def test_migrations_match_the_models(settings: Settings) -> None:
    assert _differences(settings) == []


def test_each_database_has_its_search_indexes(settings: Settings) -> None:
    """SQLite: the full-text tables and their triggers, made by hand; PostgreSQL: the trigram
    indexes (declared in the models, so the comparison above checks them too) and pg_trgm."""
    sqlite = settings.effective_database_url.startswith("sqlite")
    query = (
        "SELECT name FROM sqlite_master"
        if sqlite
        else "SELECT indexname FROM pg_indexes UNION SELECT extname FROM pg_extension"
    )

    async def names() -> set[str]:
        engine = create_engine(settings)
        async with engine.connect() as connection:
            found = set((await connection.execute(text(query))).scalars())
        await engine.dispose()
        return found

    expected = SQLITE_SEARCH if sqlite else POSTGRESQL_SEARCH
    assert asyncio.run(names()) >= expected
