"""Directory queries: the rows of ids first seen in events, and the CRUD of rows."""

from collections.abc import Sequence
from typing import Any, TypeVar, get_args

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.db import upsert
from dozor.directory.models import Channel, Group, Topic
from dozor.events import contract as c
from dozor.operators.models import Operator

OPERATORS, GROUPS, TOPICS, CHANNELS = (m.__table__ for m in (Operator, Group, Topic, Channel))
# the table each id field of an event names
_TABLE_OF: dict[str, Table] = {
    "operator_id": OPERATORS,
    "to_operator_id": OPERATORS,
    "group_id": GROUPS,
    "to_group_id": GROUPS,
    "topic": TOPICS,
    "channel_id": CHANNELS,
}
# for each event type, its fields that name a directory row: the loop below looks at no other
_REFERENCES = {
    model: tuple((name, table) for name, table in _TABLE_OF.items() if name in model.model_fields)
    for model in (c.OperatorStatus, *get_args(c.ConversationEvent))
}
# a table, the columns given, a row for each id
NewRows = list[tuple[Table, tuple[str, ...], list[tuple[str, ...]]]]


def _referenced(events: list[c.Event]) -> dict[Table, set[str]]:
    """The ids ``events`` give each directory table."""
    found: dict[Table, set[str]] = {table: set() for table in (OPERATORS, GROUPS, TOPICS, CHANNELS)}
    for event in events:
        values = event.__dict__  # faster than getattr; pydantic puts every field there
        for name, table in _REFERENCES[type(event)]:
            if value := values[name]:
                found[table].add(value)
    return found


def new_rows(events: list[c.Event], media: dict[str, str]) -> NewRows:
    """The rows of the ids ``events`` name, for the tables they name ids of: the tables in one
    order and the ids sorted, the order concurrent writers then lock rows in."""
    tables: NewRows = []
    for table, ids in _referenced(events).items():
        if not ids:
            continue
        if table is CHANNELS:
            rows = [(i, i, media[i], _default_kind(media[i])) for i in sorted(ids)]
            tables.append((table, ("id", "name", "medium", "kind"), rows))
        else:
            tables.append((table, ("id", "name"), [(i, i) for i in sorted(ids)]))
    return tables


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
