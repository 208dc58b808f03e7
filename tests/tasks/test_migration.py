"""The hand-written migration 0004 builds exactly the tables the models describe."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from dozor import models  # noqa: F401  (every other table, as Alembic sees them)
from dozor.config import Settings
from dozor.db import Base, create_engine
from dozor.tasks import models as task_models  # noqa: F401

OURS = {"task_kinds", "tasks", "task_comments", "task_notifications"}


def _table_of(diff: Any) -> str | None:
    """The table a difference reported by Alembic is about."""
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        name = getattr(part, "name", None) if hasattr(part, "columns") else None
        table = getattr(part, "table", None)
        if table is not None and hasattr(table, "name"):
            return table.name
        if name:
            return name
        if isinstance(part, str):
            return part
    return None


async def test_the_schema_of_tasks_matches_the_models(settings: Settings) -> None:
    engine = create_engine(settings)
    async with engine.connect() as connection:

        def differences(sync: Any) -> list[Any]:
            context = MigrationContext.configure(sync, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)

        diffs = await connection.run_sync(differences)
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("users")}
        )
        kinds = (await connection.execute(select(task_models.TaskKind.id))).scalars().all()
    await engine.dispose()
    assert [d for d in diffs if _table_of(d) in OURS] == []
    assert "email" in columns
    if settings.is_sqlite:  # the PostgreSQL fixture empties every table before each test
        assert kinds == ["assignment"]
