"""People, rules and decisions written as the evaluator writes them (the log row and what it owes,
in one transaction), for the tests of the outbox, the delivery worker and restarts.

group support «Поддержка», operator op-bob «Боб»
alice  speaks Russian, alice@center.example
eve    speaks English, eve@center.example
oleg   no language of his own, oleg@center.example
carol  no e-mail address
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.alerts import outbox
from dozor.alerts.models import AlertLog, AlertRule
from dozor.auth.models import User
from dozor.config import Settings
from dozor.directory.models import Group
from dozor.operators.models import Operator

ZONE_TO = {"repeat": "red", "recovered": "ok"}


async def people(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> dict[str, int]:
    """The group, the operator and the users above; the users' ids by name."""
    users = {
        "alice": ("ru", "alice@center.example"),
        "eve": ("en", "eve@center.example"),
        "oleg": (None, "oleg@center.example"),
        "carol": ("ru", None),
    }
    async with sessions() as session, session.begin():
        session.add(Group(id="support", name="Поддержка"))
        session.add(Operator(id="op-bob", name="Боб"))
        rows = {
            name: User(
                username=name,
                name=name.capitalize(),
                password_hash="-",
                role="supervisor",
                language=language,
                email=email,
                created_at=now,
            )
            for name, (language, email) in users.items()
        }
        session.add_all(rows.values())
        await session.flush()
        return {name: row.id for name, row in rows.items()}


async def rule(sessions: async_sessionmaker[AsyncSession], *, now: datetime, **fields: Any) -> int:
    """«max wait now in support: yellow at 60 s, red at 120 s», telling nobody unless told."""
    values: dict[str, Any] = {
        "name": "Ожидание в поддержке",
        "indicator": "max_wait_now",
        "scope": "group",
        "scope_ids": ["support"],
        "window": "5m",
        "worse": "higher",
        "yellow": 60.0,
        "red": 120.0,
        "email_user_ids": [],
        "email_addresses": [],
        "webhook_url": None,
        "webhook_secret": None,
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    async with sessions() as session, session.begin():
        row = AlertRule(**values)
        session.add(row)
        await session.flush()
        return row.id


async def decide(
    sessions: async_sessionmaker[AsyncSession],
    rule_id: int,
    *,
    settings: Settings,
    now: datetime,
    kind: str = "red",
    **fields: Any,
) -> int:
    """One notification of the rule, committed with its deliveries; the log row's id."""
    async with sessions() as session, session.begin():
        found = await session.get(AlertRule, rule_id)
        assert found is not None
        entry = AlertLog(
            **{
                "rule_id": found.id,
                "rule_name": found.name,
                "indicator": found.indicator,
                "window": found.window,
                "scope": found.scope,
                "scope_id": found.scope_ids[0] if found.scope_ids else "",
                "kind": kind,
                "zone_from": "yellow" if kind in ("red", "recovered") else "red",
                "zone_to": ZONE_TO.get(kind, kind),
                "value": 125.0,
                "threshold": 120.0,
                "since": now - timedelta(seconds=30),
                "at": now,
                **fields,
            }
        )
        session.add(entry)
        await session.flush()
        await outbox.owe(session, found, entry, settings=settings, now=now)
        return entry.id
