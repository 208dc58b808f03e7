"""The demo's directory and users: written once, harmless to write again."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.alerts.models import AlertRule
from dozor.auth import service as auth_service
from dozor.auth.models import User, UserGroup
from dozor.clock import ManualClock
from dozor.console.models import ConsolePreference
from dozor.directory.models import Channel, Group, Topic
from dozor.events import contract as c
from dozor.events.writer import Writer
from dozor.operators.models import Operator, OperatorGroup
from dozor.simulate import center, setup


async def _set_up(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    async with sessions() as session, session.begin():
        await setup.ensure_directory(session)
        await setup.ensure_users(session, clock=clock)
        await setup.ensure_alert_rule(session, clock=clock)


async def test_setup_writes_the_directory_and_users_and_runs_twice(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await _set_up(sessions, clock)
    await _set_up(sessions, clock)
    async with sessions() as session:
        groups = {g.id: g.name for g in (await session.scalars(select(Group))).all()}
        assert groups == {"sales": "Продажи", "support": "Поддержка", "vip": "VIP"}
        kinds = set((await session.scalars(select(Channel.kind))).all())
        assert kinds == {"phone", "web-chat", "telegram", "vk", "email"}
        assert await session.scalar(select(func.count()).select_from(Topic)) == 6
        operators = {o.id: o for o in (await session.scalars(select(Operator))).all()}
        assert len(operators) == 20
        assert operators["op-03"].name == "Елена Кузнецова"
        assert operators["op-03"].chat_capacity == 2
        memberships = await session.scalar(select(func.count()).select_from(OperatorGroup))
        assert memberships == sum(len(o.groups) for o in center.OPERATORS)
        users = {
            u.username: (u.role, u.operator_id, u.email)
            for u in (await session.scalars(select(User))).all()
        }
        assert users == {
            "admin": ("admin", None, "admin@dozor.example"),
            "supervisor": ("supervisor", None, "supervisor@dozor.example"),
            "operator": ("operator", "op-01", "operator@dozor.example"),
        }
        for username, _, password, _ in setup.USERS:
            user = await auth_service.authenticate(session, username=username, password=password)
            assert user is not None
        supervised = await session.scalars(
            select(UserGroup.group_id).join(User).where(User.username == "supervisor")
        )
        assert sorted(supervised) == ["sales", "support"]
        watched = await session.scalar(
            select(ConsolePreference.value).join(User).where(User.username == "supervisor")
        )
        assert watched["groups"] == ["support", "sales"]
        rules = (await session.scalars(select(AlertRule))).all()
        assert [(r.indicator, r.scope_ids, r.yellow, r.red) for r in rules] == [
            ("max_wait_now", ["support"], 60, 120)
        ]


async def test_setup_again_keeps_what_events_said(
    writer: Writer, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await _set_up(sessions, clock)
    online = c.OperatorStatus(
        id="s1", type="operator.status", ts=clock.now(), operator_id="op-01", status="online"
    )
    await writer.submit([online])
    clock.advance(timedelta(minutes=5).total_seconds())
    await _set_up(sessions, clock)
    async with sessions() as session:
        operator = await session.get(Operator, "op-01")
        assert operator is not None
        assert (operator.status, operator.name) == ("online", "Анна Смирнова")
