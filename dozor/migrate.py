"""Apply the Alembic migrations: ``dozor db upgrade`` and ``dozor serve`` on start."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from dozor.config import Settings
from dozor.db import create_engine

# SQLite's full-text tables of migration 0008 (and FTS5's shadow tables named after them): the
# models cannot declare them, so autogenerate must not propose to drop them
FULL_TEXT = ("message_search", "client_search")


def include_object(dialect: str) -> Callable[..., bool]:
    """What autogenerate compares on ``dialect``: not the full-text tables, not an index the
    models declare for another database only (``ddl_if``), not a table they declare for
    another database only (``info={"only": …}``)."""

    def include(item: Any, name: str | None, kind: str, _reflected: bool, _other: Any) -> bool:
        ddl_if = getattr(item, "_ddl_if", None)
        if ddl_if is not None and ddl_if.dialect not in (None, dialect):
            return False
        if kind == "table" and getattr(item, "info", {}).get("only", dialect) != dialect:
            return False
        return not (kind == "table" and (name or "").startswith(FULL_TEXT))

    return include


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


async def upgrade(settings: Settings, *, engine: AsyncEngine | None = None) -> None:
    """Bring the database of ``settings`` (or ``engine``) to the newest schema."""
    own = engine is None
    engine = engine or create_engine(settings)
    config = alembic_config()
    async with engine.begin() as connection:
        config.attributes["connection"] = connection
        await connection.run_sync(lambda sync: _upgrade(config, sync))
    if own:
        await engine.dispose()


def _upgrade(config: Config, connection: object) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
