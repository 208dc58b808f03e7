"""The demo's directory rows and login users, written before its first event.

Idempotent: names and capacities are brought back to the demo's, nothing else is touched (an
operator's status belongs to the events), and users that exist are left as they are.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.auth import service as auth_service
from dozor.auth.models import User
from dozor.clock import Clock
from dozor.config import Settings
from dozor.db import create_engine, sessionmaker, upsert
from dozor.directory.models import Channel, Group, Topic
from dozor.migrate import upgrade
from dozor.operators.models import Operator, OperatorGroup
from dozor.simulate import center

# username, role, password, name: printed by ``dozor demo``, so they are not secrets
USERS = (
    ("admin", "admin", "dozor-admin", "Администратор"),
    ("supervisor", "supervisor", "dozor-supervisor", "Руководитель смены"),
    ("operator", "operator", "dozor-operator", center.OPERATORS[0].name),
)


async def prepare(settings: Settings, *, clock: Clock) -> None:
    """Migrate the database of ``settings``, then write the demo's directory and users."""
    engine = create_engine(settings)
    try:
        await upgrade(settings, engine=engine)
        async with sessionmaker(engine)() as session, session.begin():
            await ensure_directory(session)
            await ensure_users(session, clock=clock)
    finally:
        await engine.dispose()


async def ensure_directory(session: AsyncSession) -> None:
    groups = [{"id": g.id, "name": g.name} for g in center.GROUPS]
    channels = [
        {"id": ch.id, "name": ch.name, "medium": ch.medium, "kind": ch.kind}
        for ch in center.CHANNELS
    ]
    topics = [
        {"id": topic_id, "name": name}
        for group_topics in center.TOPICS.values()
        for topic_id, name in group_topics
    ]
    operators = [
        {"id": o.id, "name": o.name, "chat_capacity": o.chat_capacity} for o in center.OPERATORS
    ]
    memberships = [
        {"operator_id": o.id, "group_id": group} for o in center.OPERATORS for group in o.groups
    ]
    await _upsert(session, Group, groups, update=["name"])
    await _upsert(session, Channel, channels, update=["name", "medium", "kind"])
    await _upsert(session, Topic, topics, update=["name"])
    await _upsert(session, Operator, operators, update=["name", "chat_capacity"])
    await _upsert(session, OperatorGroup, memberships, key=["operator_id", "group_id"])


async def _upsert(
    session: AsyncSession,
    model: Any,
    rows: list[dict[str, Any]],
    *,
    update: list[str] | None = None,
    key: list[str] | None = None,
) -> None:
    dialect = session.get_bind().dialect.name
    statement = upsert(model.__table__, dialect, key=key or ["id"], update=update)
    await session.execute(statement, rows)


async def ensure_users(session: AsyncSession, *, clock: Clock) -> None:
    """Create the demo's users that do not exist yet; the operator logs in as op-01."""
    usernames = [username for username, *_ in USERS]
    existing = set(
        (await session.scalars(select(User.username).where(User.username.in_(usernames)))).all()
    )
    for username, role, password, name in USERS:
        if username in existing:
            continue
        user = await auth_service.create_user(
            session, username=username, password=password, role=role, name=name, clock=clock
        )
        if role == "operator":
            user.operator_id = center.OPERATORS[0].id
