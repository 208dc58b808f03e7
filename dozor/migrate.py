"""Apply the Alembic migrations: ``dozor db upgrade`` and ``dozor serve`` on start."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from dozor.config import Settings
from dozor.db import create_engine


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
