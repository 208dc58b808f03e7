"""The deliveries an alert owes, queued in ``alert_deliveries``, and the queue's moves.

The evaluator calls ``owe`` in the transaction that records the decision, so a notification
and everything it owes are committed together (or not at all). The delivery worker then takes
rows with ``claim`` (a conditional UPDATE: one taker wins, even across nodes), and ends each
attempt with ``sent`` or ``retry``. Only the claim that is still current may end an attempt:
a claim that ran past its lease and was taken over by another worker changes nothing.

A row's ``attempts`` counts the claims: an attempt cut short by a crash counts too, so a row
that kills its worker every time still ends ``failed`` instead of looping forever.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.alerts import texts
from dozor.alerts.models import AlertDelivery, AlertLog, AlertRule
from dozor.auth.models import User
from dozor.config import Settings
from dozor.directory.models import Group
from dozor.lib import i18n
from dozor.operators.models import Operator


async def owe(
    session: AsyncSession, rule: AlertRule, log: AlertLog, *, settings: Settings, now: datetime
) -> list[AlertDelivery]:
    """Add (no commit) one pending delivery per recipient of ``rule`` for ``log``:

    1. each chosen user with an e-mail address, in the user's language (else the default);
    2. each address of the rule, in the default language, unless a chosen user has it already;
    3. the webhook, with its JSON body fixed now: every attempt sends the same facts.

    A rule with no recipient (colour only) owes nothing.
    """
    if log.id is None:
        await session.flush()  # the body and the rows name the log row by its id
    owed: list[AlertDelivery] = []
    seen: set[str] = set()

    def email(address: str, language: str) -> None:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            owed.append(_pending(log, "email", address, language, now=now))

    for user in await _users(session, rule.email_user_ids):
        email((user.email or "").strip(), i18n.choose(user.language, default=settings.language))
    for address in rule.email_addresses:
        email(address.strip(), settings.language)
    if rule.webhook_url:
        name = await scope_name(session, log.scope, log.scope_id)
        body = webhook_body(rule, log, scope_name=name, settings=settings)
        url = rule.webhook_url
        owed.append(_pending(log, "webhook", url, settings.language, now=now, body=body))
    session.add_all(owed)
    return owed


async def _users(session: AsyncSession, ids: list[int]) -> list[User]:
    if not ids:
        return []
    statement = select(User).where(User.id.in_(ids), User.email.is_not(None)).order_by(User.id)
    return list(await session.scalars(statement))


def _pending(
    log: AlertLog,
    channel: str,
    target: str,
    language: str,
    *,
    now: datetime,
    body: dict[str, Any] | None = None,
) -> AlertDelivery:
    return AlertDelivery(
        log_id=log.id,
        channel=channel,
        target=target,
        language=language,
        body=body,
        status="pending",
        attempts=0,
        next_at=now,
        created_at=now,
    )


async def scope_name(session: AsyncSession, scope: str, scope_id: str) -> str | None:
    """The group's or the operator's name (its id once it is gone); None for the company."""
    model = {"group": Group, "operator": Operator}.get(scope)
    if model is None:
        return None
    name = await session.scalar(select(model.name).where(model.id == scope_id))
    return name or scope_id


def webhook_body(
    rule: AlertRule, log: AlertLog, *, scope_name: str | None, settings: Settings
) -> dict[str, Any]:
    """The JSON a webhook receives (docs/alerts.md, "Webhook")."""
    return {
        "id": log.id,
        "rule": {"id": rule.id, "name": rule.name},
        "indicator": log.indicator,
        "window": log.window,
        "scope": log.scope,
        "scope_id": log.scope_id,
        "scope_name": scope_name,
        "kind": log.kind,
        "zone": log.zone_to,
        "zone_from": log.zone_from,
        "value": log.value,
        "threshold": log.threshold,
        "since": _iso(log.since),
        "at": _iso(log.at),
        "url": texts.console_link(
            settings, scope=log.scope, scope_id=log.scope_id, window=log.window
        ),
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# -- the queue -------------------------------------------------------------------------------


def backoff(attempts: int, settings: Settings) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: base·2^(attempts−1), capped."""
    seconds = settings.alert_retry_base * 2 ** min(attempts - 1, 62)
    return timedelta(seconds=min(seconds, settings.alert_retry_max))


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(AlertDelivery.status == "pending", AlertDelivery.next_at <= now),
        and_(AlertDelivery.status == "sending", AlertDelivery.lease_until < now),
    )


async def due(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Ids of the deliveries due and free to take, oldest first."""
    statement = (
        select(AlertDelivery.id)
        .where(_claimable(now))
        .order_by(AlertDelivery.next_at, AlertDelivery.id)
        .limit(limit)
    )
    return list(await session.scalars(statement))


async def claim(
    session: AsyncSession, *, delivery_id: int, now: datetime, lease_until: datetime
) -> bool:
    """Take one delivery until ``lease_until``: True for exactly one of any number of takers,
    as the UPDATE only matches while the row is still free."""
    result = await session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.id == delivery_id, _claimable(now))
        .values(status="sending", lease_until=lease_until, attempts=AlertDelivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _ours(delivery_id: int, lease_until: datetime) -> list[ColumnElement[bool]]:
    return [
        AlertDelivery.id == delivery_id,
        AlertDelivery.status == "sending",
        AlertDelivery.lease_until == lease_until,
    ]


async def sent(
    session: AsyncSession, *, delivery_id: int, lease_until: datetime, now: datetime
) -> None:
    """Delivered: never taken again."""
    await session.execute(
        update(AlertDelivery)
        .where(*_ours(delivery_id, lease_until))
        .values(status="sent", sent_at=now, lease_until=None, error=None)
        .execution_options(synchronize_session=False)
    )


async def retry(
    session: AsyncSession,
    *,
    delivery_id: int,
    attempts: int,
    lease_until: datetime,
    now: datetime,
    error: str,
    settings: Settings,
    final: bool = False,
) -> None:
    """Not delivered: tried again after the backoff, or ``failed`` once ``final`` or out of
    attempts. ``attempts`` is the count its claim made."""
    values: dict[str, Any] = {"lease_until": None, "error": error[:1000]}
    if final or attempts >= settings.alert_max_attempts:
        values["status"] = "failed"
    else:
        values |= {"status": "pending", "next_at": now + backoff(attempts, settings)}
    await session.execute(
        update(AlertDelivery)
        .where(*_ours(delivery_id, lease_until))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def release(
    session: AsyncSession, *, delivery_id: int, lease_until: datetime, now: datetime
) -> None:
    """Hand back a claim whose attempt was stopped (a shutdown): due again at once."""
    await session.execute(
        update(AlertDelivery)
        .where(*_ours(delivery_id, lease_until))
        .values(status="pending", next_at=now, lease_until=None)
        .execution_options(synchronize_session=False)
    )


async def claimed(
    session: AsyncSession, ids: list[int]
) -> list[tuple[AlertDelivery, AlertLog, str | None]]:
    """The claimed deliveries with their log rows and their rule's webhook secret."""
    statement = (
        select(AlertDelivery, AlertLog, AlertRule.webhook_secret)
        .join(AlertLog, AlertLog.id == AlertDelivery.log_id)
        .outerjoin(AlertRule, AlertRule.id == AlertLog.rule_id)
        .where(AlertDelivery.id.in_(ids))
        .order_by(AlertDelivery.id)
    )
    return [(row[0], row[1], row[2]) for row in await session.execute(statement)]
