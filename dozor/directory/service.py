"""Directory queries: rows first seen in events, the channels' media, and the CRUD of rows."""

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.db import upsert
from dozor.directory.models import Channel, Group, Topic
from dozor.events import contract as c
from dozor.operators.models import Operator

_OPERATOR_FIELDS = ("operator_id", "to_operator_id")
_GROUP_FIELDS = ("group_id", "to_group_id")


async def channel_media(session: AsyncSession, *, events: list[c.Event]) -> dict[str, str]:
    """The medium of every channel the batch opens a conversation on, where it is known."""
    opened = [e for e in events if isinstance(e, c.ConversationOpened)]
    if not opened:
        return {}
    ids = list({e.channel_id for e in opened})
    rows = await session.execute(select(Channel.id, Channel.medium).where(Channel.id.in_(ids)))
    media = {row[0]: row[1] for row in rows}
    for event in opened:
        if event.medium is not None:
            media.setdefault(event.channel_id, event.medium)
    return media


def _referenced(events: list[c.Event]) -> tuple[set[str], set[str], set[str]]:
    operators: set[str] = set()
    groups: set[str] = set()
    topics: set[str] = set()
    for event in events:
        for name in _OPERATOR_FIELDS:
            if value := event.__dict__.get(name):  # getattr of a missing field is slow
                operators.add(value)
        for name in _GROUP_FIELDS:
            if value := event.__dict__.get(name):
                groups.add(value)
        if topic := event.__dict__.get("topic"):
            topics.add(topic)
    return operators, groups, topics


async def ensure(session: AsyncSession, *, events: list[c.Event], media: dict[str, str]) -> None:
    """Create the rows of ids first seen in ``events``, named by their id until renamed."""
    dialect = session.bind.dialect.name
    operators, groups, topics = _referenced(events)
    channels = {e.channel_id for e in events if isinstance(e, c.ConversationOpened)}
    for model, ids in ((Operator, operators), (Group, groups), (Topic, topics)):
        if ids:
            await session.execute(
                upsert(model.__table__, dialect, key=["id"]),
                [{"id": i, "name": i} for i in sorted(ids)],
            )
    if channels:
        await session.execute(
            upsert(Channel.__table__, dialect, key=["id"]),
            [
                {"id": i, "name": i, "medium": media[i], "kind": _default_kind(media[i])}
                for i in sorted(channels)
            ],
        )


def _default_kind(medium: str) -> str:
    return {"call": "phone", "email": "email"}.get(medium, "other")


# -- the directory's JSON CRUD: one set of small functions for its four tables -----------------

Entry = TypeVar("Entry", Group, Channel, Topic, Operator)


async def entries(session: AsyncSession, model: type[Entry]) -> Sequence[Entry]:
    return (await session.scalars(select(model).order_by(model.name, model.id))).all()


async def entry(session: AsyncSession, model: type[Entry], entry_id: str) -> Entry | None:
    # populate_existing: a row changed by a Core statement must not come back stale
    return await session.get(model, entry_id, populate_existing=True)


async def create(session: AsyncSession, model: type[Entry], *, values: dict[str, Any]) -> bool:
    """Insert a row; False when its id is taken.

    One INSERT … ON CONFLICT DO NOTHING, so an event creating the same id at the same moment
    makes this a plain "taken" instead of a constraint error.
    """
    statement = upsert(model.__table__, session.get_bind().dialect.name, key=["id"])
    result = await session.execute(statement, values)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def replace(session: AsyncSession, model: type[Entry], *, values: dict[str, Any]) -> bool:
    """Create the row, or overwrite the given columns of it; True when it was created."""
    if await create(session, model, values=values):
        return True
    changes = {name: value for name, value in values.items() if name != "id"}
    await session.execute(update(model).where(model.id == values["id"]).values(changes))
    return False


async def remove(session: AsyncSession, model: type[Entry], *, entry_id: str) -> bool:
    """Delete a row (memberships go with it); False when there was none."""
    result = await session.execute(delete(model).where(model.id == entry_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def names(session: AsyncSession, model: Any, ids: set[str]) -> dict[str, str]:
    """Display names of the rows of ``model`` (Group, Channel, Topic, Operator) with ``ids``."""
    if not ids:
        return {}
    rows = await session.execute(select(model.id, model.name).where(model.id.in_(list(ids))))
    return {row[0]: row[1] for row in rows}
