"""What a notification owes: one delivery per recipient, each once, in its language, with the
webhook's body fixed at the decision; and the backoff between attempts."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dozor.alerts import outbox
from dozor.alerts.models import AlertDelivery, AlertLog
from dozor.clock import ManualClock
from dozor.config import Settings
from dozor.db import write_sessionmaker
from tests.alerts.decisions import decide, people, rule
from tests.factories import T0


@pytest.fixture
def writes(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return write_sessionmaker(engine)


async def _owed(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        rows = await session.scalars(select(AlertDelivery).order_by(AlertDelivery.id))
        return [
            (d.channel, d.target, d.language, d.status, d.attempts, d.next_at, d.body is None)
            for d in rows
        ]


async def test_each_user_in_their_language_each_address_once_and_the_webhook(
    writes: async_sessionmaker[AsyncSession], settings: Settings, clock: ManualClock
) -> None:
    ids = await people(writes, now=T0)
    rule_id = await rule(
        writes,
        now=T0,
        email_user_ids=[ids["eve"], ids["carol"], ids["alice"], ids["oleg"]],
        email_addresses=["duty@center.example", "ALICE@center.example", "duty@center.example"],
        webhook_url="https://hooks.center.example/dozor",
        webhook_secret="s3cret",
    )
    clock.advance(60)
    await decide(writes, rule_id, settings=settings, now=clock.now())
    now = T0 + timedelta(seconds=60)
    assert await _owed(writes) == [
        # users in id order; carol has no address; oleg has no language: the default one
        ("email", "alice@center.example", "ru", "pending", 0, now, True),
        ("email", "eve@center.example", "en", "pending", 0, now, True),
        ("email", "oleg@center.example", "ru", "pending", 0, now, True),
        # alice's address in capitals and the repeated address are not sent twice
        ("email", "duty@center.example", "ru", "pending", 0, now, True),
        ("webhook", "https://hooks.center.example/dozor", "ru", "pending", 0, now, False),
    ]


async def test_the_default_language_is_the_settings_one(
    writes: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    ids = await people(writes, now=T0)
    english = settings.model_copy(update={"language": "en"})
    rule_id = await rule(
        writes, now=T0, email_user_ids=[ids["oleg"]], email_addresses=["duty@center.example"]
    )
    await decide(writes, rule_id, settings=english, now=T0)
    assert [row[:3] for row in await _owed(writes)] == [
        ("email", "oleg@center.example", "en"),
        ("email", "duty@center.example", "en"),
    ]


async def test_colour_only_owes_nothing_but_the_log_row_stays(
    writes: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    ids = await people(writes, now=T0)
    rule_id = await rule(writes, now=T0, email_user_ids=[ids["carol"]])  # she has no address
    log_id = await decide(writes, rule_id, settings=settings, now=T0)
    assert await _owed(writes) == []
    async with writes() as session:
        assert await session.scalar(select(func.count()).select_from(AlertLog)) == 1
        assert (await session.get(AlertLog, log_id)) is not None


async def test_the_webhook_body_is_fixed_at_the_decision(
    writes: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    await people(writes, now=T0)
    public = settings.model_copy(update={"base_url": "https://dozor.center.example"})
    rule_id = await rule(
        writes,
        now=T0,
        name="Боб ждет",
        scope="operator",
        scope_ids=["op-bob"],
        webhook_url="https://hooks.center.example/dozor",
        webhook_secret="s3cret",
    )
    log_id = await decide(writes, rule_id, settings=public, now=T0, kind="yellow", value=75.5)
    async with writes() as session:
        body = (await session.scalars(select(AlertDelivery.body))).one()
    assert body == {
        "id": log_id,
        "rule": {"id": rule_id, "name": "Боб ждет"},
        "indicator": "max_wait_now",
        "window": "5m",
        "scope": "operator",
        "scope_id": "op-bob",
        "scope_name": "Боб",
        "kind": "yellow",
        "zone": "yellow",
        "zone_from": "red",
        "value": 75.5,
        "threshold": 120.0,
        "since": "2026-03-02T08:59:30Z",
        "at": "2026-03-02T09:00:00Z",
        "url": "https://dozor.center.example/console?op=op-bob&w=5m",
    }


async def test_the_company_has_no_scope_name_and_a_gone_group_keeps_its_id(
    writes: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    hook = {"webhook_url": "https://hooks.center.example/dozor", "webhook_secret": "k"}
    company = await rule(writes, now=T0, scope="all", scope_ids=[], **hook)
    gone = await rule(writes, now=T0, scope_ids=["archive"], **hook)
    await decide(writes, company, settings=settings, now=T0)
    await decide(writes, gone, settings=settings, now=T0)
    async with writes() as session:
        bodies = list(await session.scalars(select(AlertDelivery.body).order_by("id")))
    assert [(b["scope"], b["scope_id"], b["scope_name"]) for b in bodies] == [
        ("all", "", None),
        ("group", "archive", "archive"),
    ]


def test_the_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    settings = Settings(alert_retry_base=10, alert_retry_max=3600)
    waits = [outbox.backoff(n, settings).total_seconds() for n in range(1, 11)]
    assert waits == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]
    assert outbox.backoff(500, settings) == timedelta(hours=1)
