"""The demo's directory rows and login users, written before its first event.

Idempotent: names and capacities are brought back to the demo's, nothing else is touched (an
operator's status belongs to the events), and users that exist are left as they are. The
supervisor is assigned Support and Sales and watches each on the KPI panel; an example alert
rule is written while there is none.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.alerts import service as alerts_service
from dozor.alerts.models import AlertRule
from dozor.auth import service as auth_service
from dozor.auth.models import User, UserGroup
from dozor.clock import Clock
from dozor.config import Settings
from dozor.console import service as console_service
from dozor.db import create_engine, sessionmaker, upsert
from dozor.directory.models import Channel, Group, Topic
from dozor.migrate import upgrade
from dozor.operators.models import Operator, OperatorGroup
from dozor.simulate import center

# the groups the demo's supervisor is assigned to (VIP is the admin's alone)
SUPERVISED = ("support", "sales")
# the demo users' e-mail addresses (a reserved domain: nothing can reach it), so that alert
# rules can e-mail them; without DOZOR_SMTP_HOST the alert log shows "e-mail is off"
MAIL_DOMAIN = "dozor.example"
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
            await ensure_alert_rule(session, clock=clock)
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
            session,
            username=username,
            password=password,
            role=role,
            name=name,
            email=f"{username}@{MAIL_DOMAIN}",
            clock=clock,
        )
        if role == "operator":
            user.operator_id = center.OPERATORS[0].id
        if role == "supervisor":  # watching each of the groups on the KPI panel too
            await session.flush()
            session.add_all(UserGroup(user_id=user.id, group_id=g) for g in SUPERVISED)
            watched = console_service.clean({"groups": list(SUPERVISED)})
            await console_service.put_preferences(session, user_id=user.id, value=watched)


async def ensure_alert_rule(session: AsyncSession, *, clock: Clock) -> None:
    """The demo's example alert rule (colour only), unless an alert rule exists already: the
    longest wait in Support's queue, yellow at 60 s and red at 120 s."""
    if await session.scalar(select(AlertRule.id).limit(1)) is not None:
        return
    example = alerts_service.Fields(
        name="Долгое ожидание в очереди",
        indicator="max_wait_now",
        scope="group",
        scope_ids=["support"],
        yellow=60,
        red=120,
        hysteresis=5,
        min_duration=10,
    )
    await alerts_service.save(session, visible=None, values=example, now=clock.now())
