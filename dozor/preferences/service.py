"""A user's preferences and saved filters."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.db import upsert
from dozor.preferences.models import SavedFilter, UserPreference


async def get(session: AsyncSession, *, user_id: int, key: str, default: Any = None) -> Any:
    value = await session.scalar(
        select(UserPreference.value).where(
            UserPreference.user_id == user_id, UserPreference.key == key
        )
    )
    return default if value is None else value


async def put(session: AsyncSession, *, user_id: int, key: str, value: Any) -> None:
    statement = upsert(
        UserPreference.__table__,
        session.get_bind().dialect.name,
        key=["user_id", "key"],
        update=["value"],
    )
    await session.execute(statement, {"user_id": user_id, "key": key, "value": value})


async def saved_filters(session: AsyncSession, *, user_id: int, page: str) -> list[SavedFilter]:
    rows = await session.scalars(
        select(SavedFilter)
        .where(SavedFilter.user_id == user_id, SavedFilter.page == page)
        .order_by(SavedFilter.name)
    )
    return list(rows)


async def save_filter(
    session: AsyncSession, *, user_id: int, page: str, name: str, query: str, now: datetime
) -> None:
    """Save the filter under ``name``; a filter of the same name is replaced."""
    statement = upsert(
        SavedFilter.__table__,
        session.get_bind().dialect.name,
        key=["user_id", "page", "name"],
        update=["query", "created_at"],
    )
    values = {"user_id": user_id, "page": page, "name": name, "query": query, "created_at": now}
    await session.execute(statement, values)


async def delete_filter(session: AsyncSession, *, user_id: int, filter_id: int) -> bool:
    result = await session.execute(
        delete(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.user_id == user_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
