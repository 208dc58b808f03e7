"""The delivery worker against real receivers on loopback: an SMTP server (aiosmtpd) and an HTTP
webhook receiver; retries after exactly the backoff of the injected clock; slow receivers that
hold nothing back; one delivery per row however many workers race for it."""

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dozor.alerts import outbox
from dozor.alerts.delivery import LEASE, Deliverer
from dozor.alerts.models import AlertDelivery, AlertRule
from dozor.app import create_app
from dozor.clock import ManualClock
from dozor.config import Settings
from dozor.db import sessionmaker, write_sessionmaker
from tests.alerts.decisions import decide, people, rule
from tests.alerts.receivers import HANG, Receiver
from tests.factories import T0
from tests.tasks.smtp import SmtpServer

SECRET = "s3cret-of-the-hook"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_starttls": False,
            "base_url": "https://dozor.center.example",
            "alert_retry_base": 10.0,
            "alert_retry_max": 3600.0,
            "alert_max_attempts": 3,
            "alert_webhook_timeout": 3.0,
        }
    )


@pytest.fixture
def writes(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return write_sessionmaker(engine)


def _deliverer(engine: AsyncEngine, clock: ManualClock, settings: Settings) -> Deliverer:
    return Deliverer(sessionmaker(engine), write_sessionmaker(engine), clock, settings, grace=0.2)


@pytest.fixture
async def deliverer(
    engine: AsyncEngine, clock: ManualClock, settings: Settings
) -> AsyncIterator[Deliverer]:
    worker = _deliverer(engine, clock, settings)
    yield worker
    await worker.stop()


async def _round(worker: Deliverer) -> int:
    """Claim what is due, and wait for the attempts to end."""
    claimed = await worker.tick()
    await worker.drain()
    return claimed


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[AlertDelivery]:
    async with sessions() as session:
        return list(await session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))


def _text(message: EmailMessage) -> str:
    return message.get_content().replace("\r\n", "\n")


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        await asyncio.sleep(0.01)


async def test_an_e_mail_reaches_the_smtp_server_in_the_users_language(
    writes: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: ManualClock,
    deliverer: Deliverer,
    smtp: SmtpServer,
) -> None:
    ids = await people(writes, now=T0)
    rule_id = await rule(writes, now=T0, email_user_ids=[ids["alice"], ids["eve"]])
    await decide(writes, rule_id, settings=settings, now=T0)
    clock.advance(2)
    assert await _round(deliverer) == 2
    by_address = {str(m["To"]): m for m in smtp.messages}
    assert sorted(by_address) == ["alice@center.example", "eve@center.example"]
    russian = by_address["alice@center.example"]
    assert russian["Subject"] == "[Dozor] Красная зона: Максимальное ожидание сейчас — Поддержка"
    text = _text(russian)
    assert "Значение: 2:05\n" in text and "Красный уровень: 2:00\n" in text
    assert "Открыть консоль: https://dozor.center.example/console?g=support&w=5m\n" in text
    english = by_address["eve@center.example"]
    assert english["Subject"] == "[Dozor] Red zone: Longest wait now — Поддержка"
    assert "Value: 2:05\n" in _text(english)
    rows = await _rows(writes)
    assert [(r.status, r.attempts, r.sent_at, r.error) for r in rows] == [
        ("sent", 1, T0 + timedelta(seconds=2), None)
    ] * 2
    assert await _round(deliverer) == 0 and len(smtp.messages) == 2


async def test_a_round_called_while_another_is_under_way_waits_for_its_sends(
    writes: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: ManualClock,
    deliverer: Deliverer,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker's own round may have claimed a row and not yet started sending it: a round
    called then (``tick`` and ``drain``, as the tests' "deliver now" does) returns once the
    e-mail is sent, not at once with nothing under way."""
    ids = await people(writes, now=T0)
    rule_id = await rule(writes, now=T0, email_user_ids=[ids["eve"]])
    await decide(writes, rule_id, settings=settings, now=T0)
    clock.advance(2)
    claimed, claiming = outbox.claimed, asyncio.Event()

    async def slowly(session: AsyncSession, taken: list[int]) -> object:
        claiming.set()
        await asyncio.sleep(0.3)  # between the claim and the sends
        return await claimed(session, taken)

    monkeypatch.setattr(outbox, "claimed", slowly)
    first = asyncio.create_task(deliverer.tick())
    await claiming.wait()
    assert await _round(deliverer) == 0  # the other round has it
    assert [str(m["To"]) for m in smtp.messages] == ["eve@center.example"]
    assert await first == 1


async def test_a_webhook_is_signed_over_the_bytes_it_receives(
    writes: async_sessionmaker[AsyncSession], settings: Settings, deliverer: Deliverer
) -> None:
    await people(writes, now=T0)
    async with Receiver(204) as hook:
        rule_id = await rule(writes, now=T0, webhook_url=hook.url, webhook_secret=SECRET)
        log_id = await decide(writes, rule_id, settings=settings, now=T0)
        assert await _round(deliverer) == 1
    [request] = hook.requests
    [row] = await _rows(writes)
    assert (request.method, request.path) == ("POST", "/hooks/dozor")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-dozor-event"] == "alert"
    assert request.headers["x-dozor-delivery"] == str(row.id)
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-dozor-signature"] == f"sha256={expected}"
    body = json.loads(request.body)
    assert body == row.body
    assert (body["id"], body["kind"], body["scope_name"], body["value"]) == (
        log_id,
        "red",
        "Поддержка",
        125.0,
    )
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, T0)


async def test_a_failing_webhook_is_tried_again_after_exactly_the_backoff(
    writes: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: ManualClock,
    deliverer: Deliverer,
) -> None:
    async with Receiver(500, 503, 200) as hook:
        rule_id = await rule(writes, now=T0, webhook_url=hook.url, webhook_secret=SECRET)
        await decide(writes, rule_id, settings=settings, now=T0)
        assert await _round(deliverer) == 1
        [row] = await _rows(writes)
        assert (row.status, row.attempts, row.error) == ("pending", 1, "HTTP 500 from the webhook")
        assert row.next_at == T0 + timedelta(seconds=10) and row.lease_until is None
        clock.advance(9.999)
        assert await _round(deliverer) == 0
        clock.advance(0.001)
        assert await _round(deliverer) == 1
        [row] = await _rows(writes)
        assert (row.status, row.attempts, row.error) == ("pending", 2, "HTTP 503 from the webhook")
        assert row.next_at == T0 + timedelta(seconds=10 + 20)
        clock.advance(19)
        assert await _round(deliverer) == 0
        clock.advance(1)
        assert await _round(deliverer) == 1
    [row] = await _rows(writes)
    assert (row.status, row.attempts, row.error) == ("sent", 3, None)
    assert row.sent_at == T0 + timedelta(seconds=30)
    # every attempt sent the same bytes under the same signature
    assert len(hook.requests) == 3
    assert len({(r.body, r.headers["x-dozor-signature"]) for r in hook.requests}) == 1


async def test_after_the_last_attempt_a_delivery_is_failed_and_left_alone(
    writes: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: ManualClock,
    deliverer: Deliverer,
) -> None:
    async with Receiver(500) as hook:
        rule_id = await rule(writes, now=T0, webhook_url=hook.url, webhook_secret=SECRET)
        await decide(writes, rule_id, settings=settings, now=T0)
        for wait in (10, 20):
            assert await _round(deliverer) == 1
            clock.advance(wait)
        assert await _round(deliverer) == 1  # the third and last
        clock.advance(24 * 3600)
        assert await _round(deliverer) == 0
    [row] = await _rows(writes)
    assert (row.status, row.attempts, row.error) == ("failed", 3, "HTTP 500 from the webhook")
    assert row.sent_at is None and len(hook.requests) == 3


async def test_a_webhook_that_never_answers_holds_back_no_e_mail(
    writes: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: ManualClock,
    deliverer: Deliverer,
    smtp: SmtpServer,
) -> None:
    async with Receiver(HANG, 200) as hook:
        rule_id = await rule(
            writes,
            now=T0,
            email_addresses=["duty@center.example"],
            webhook_url=hook.url,
            webhook_secret=SECRET,
        )
        await decide(writes, rule_id, settings=settings, now=T0)
        started = time.monotonic()
        assert await deliverer.tick() == 2
        await _until(lambda: len(smtp.messages) == 1)
        # the next round is not held back either
        second = await rule(writes, now=T0, email_addresses=["night@center.example"])
        await decide(writes, second, settings=settings, now=T0)
        assert await deliverer.tick() == 1
        await _until(lambda: len(smtp.messages) == 2)
        assert time.monotonic() - started < settings.alert_webhook_timeout
        assert len(hook.requests) == 1  # still waiting for its answer
        await deliverer.drain()
        assert time.monotonic() - started >= settings.alert_webhook_timeout
        webhook = next(r for r in await _rows(writes) if r.channel == "webhook")
        assert (webhook.status, webhook.attempts) == ("pending", 1)
        assert webhook.error == "no answer in time"
        assert webhook.next_at == T0 + timedelta(seconds=10)
        clock.advance(10)
        assert await _round(deliverer) == 1
    assert [(r.channel, r.status) for r in await _rows(writes)] == [
        ("email", "sent"),
        ("webhook", "sent"),
        ("email", "sent"),
    ]
    assert [str(m["To"]) for m in smtp.messages] == ["duty@center.example", "night@center.example"]


async def test_a_receiver_that_is_not_there_is_tried_again(
    writes: async_sessionmaker[AsyncSession], settings: Settings, deliverer: Deliverer
) -> None:
    async with Receiver() as hook:
        url = hook.url  # the port is free again once the receiver is gone
    rule_id = await rule(writes, now=T0, webhook_url=url, webhook_secret=SECRET)
    await decide(writes, rule_id, settings=settings, now=T0)
    assert await _round(deliverer) == 1
    [row] = await _rows(writes)
    assert (row.status, row.attempts) == ("pending", 1)
    assert (row.error or "").startswith("ConnectError: ")


async def test_with_e_mail_off_an_e_mail_fails_at_once(
    writes: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    clock: ManualClock,
    settings: Settings,
    smtp: SmtpServer,
) -> None:
    rule_id = await rule(writes, now=T0, email_addresses=["duty@center.example"])
    await decide(writes, rule_id, settings=settings, now=T0)
    worker = _deliverer(engine, clock, settings.model_copy(update={"smtp_host": ""}))
    try:
        assert await _round(worker) == 1
        clock.advance(24 * 3600)
        assert await _round(worker) == 0
    finally:
        await worker.stop()
    [row] = await _rows(writes)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.error == "e-mail is off: DOZOR_SMTP_HOST is empty"
    assert smtp.messages == []


async def test_a_failing_smtp_server_is_tried_again(
    writes: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    clock: ManualClock,
    settings: Settings,
    smtp: SmtpServer,
) -> None:
    rule_id = await rule(writes, now=T0, email_addresses=["duty@center.example"])
    await decide(writes, rule_id, settings=settings, now=T0)
    with SmtpServer() as gone:
        port = gone.port
    worker = _deliverer(engine, clock, settings.model_copy(update={"smtp_port": port}))
    try:
        assert await _round(worker) == 1
    finally:
        await worker.stop()
    [row] = await _rows(writes)
    assert (row.status, row.attempts) == ("pending", 1)
    assert f"127.0.0.1:{port}" in (row.error or "")
    clock.advance(10)
    worker = _deliverer(engine, clock, settings)  # the server is back
    try:
        assert await _round(worker) == 1
    finally:
        await worker.stop()
    [row] = await _rows(writes)
    assert (row.status, row.attempts, len(smtp.messages)) == ("sent", 2, 1)


async def test_the_webhook_of_a_deleted_rule_fails_at_once(
    writes: async_sessionmaker[AsyncSession], settings: Settings, deliverer: Deliverer
) -> None:
    async with Receiver() as hook:
        rule_id = await rule(writes, now=T0, webhook_url=hook.url, webhook_secret=SECRET)
        await decide(writes, rule_id, settings=settings, now=T0)
        async with writes() as session, session.begin():
            await session.execute(delete(AlertRule).where(AlertRule.id == rule_id))
        assert await _round(deliverer) == 1
    [row] = await _rows(writes)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.error == "the rule was deleted: no secret to sign the webhook with"
    assert hook.requests == []


async def test_two_workers_racing_deliver_each_row_once(
    writes: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    clock: ManualClock,
    settings: Settings,
    smtp: SmtpServer,
) -> None:
    async with Receiver() as hook:
        one = await rule(writes, now=T0, webhook_url=hook.url, webhook_secret=SECRET)
        await decide(writes, one, settings=settings, now=T0)
        addresses = [f"duty{n}@center.example" for n in range(5)]
        many = await rule(writes, now=T0, email_addresses=addresses)
        await decide(writes, many, settings=settings, now=T0)
        twins = [_deliverer(engine, clock, settings) for _ in range(2)]
        try:
            claimed = await asyncio.gather(*(w.tick() for w in twins))
            await asyncio.gather(*(w.drain() for w in twins))
            assert sum(claimed) == 6
            assert await asyncio.gather(*(_round(w) for w in twins)) == [0, 0]
        finally:
            await asyncio.gather(*(w.stop() for w in twins))
    assert len(hook.requests) == 1
    assert sorted(to for _, tos in smtp.mailbox.envelopes for to in tos) == addresses
    assert {(r.status, r.attempts) for r in await _rows(writes)} == {("sent", 1)}


async def test_a_claim_left_by_a_dead_worker_is_taken_over_after_its_lease(
    writes: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: ManualClock,
    deliverer: Deliverer,
    smtp: SmtpServer,
) -> None:
    rule_id = await rule(writes, now=T0, email_addresses=["duty@center.example"])
    await decide(writes, rule_id, settings=settings, now=T0)
    [row] = await _rows(writes)
    async with writes() as session, session.begin():  # a worker took it, then died
        assert await outbox.claim(session, delivery_id=row.id, now=T0, lease_until=T0 + LEASE)
    assert await _round(deliverer) == 0
    clock.advance(LEASE.total_seconds())
    assert await _round(deliverer) == 0  # the lease runs until then
    clock.advance(0.001)
    assert await _round(deliverer) == 1
    [row] = await _rows(writes)
    assert (row.status, row.attempts, len(smtp.messages)) == ("sent", 2, 1)


async def test_a_stopped_worker_hands_its_claims_back(
    writes: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    settings: Settings,
    clock: ManualClock,
) -> None:
    async with Receiver(HANG, 200) as hook:
        rule_id = await rule(writes, now=T0, webhook_url=hook.url, webhook_secret=SECRET)
        await decide(writes, rule_id, settings=settings, now=T0)
        first = _deliverer(engine, clock, settings)
        assert await first.tick() == 1
        await _until(lambda: len(hook.requests) == 1)
        clock.advance(1)
        await first.stop()  # the app shuts down while the webhook has not answered
        [row] = await _rows(writes)
        assert (row.status, row.attempts, row.next_at, row.lease_until) == (
            "pending",
            1,
            T0 + timedelta(seconds=1),
            None,
        )
        second = _deliverer(engine, clock, settings)
        try:
            assert await _round(second) == 1
        finally:
            await second.stop()
    [row] = await _rows(writes)
    assert (row.status, row.attempts, len(hook.requests)) == ("sent", 2, 2)


async def test_the_app_runs_the_worker_on_its_own_loop(
    writes: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: ManualClock,
    smtp: SmtpServer,
) -> None:
    rule_id = await rule(writes, now=T0, email_addresses=["duty@center.example"])
    await decide(writes, rule_id, settings=settings, now=T0)
    quick = settings.model_copy(update={"alert_delivery_interval": 0.05})
    with TestClient(create_app(quick, clock=clock)) as client:
        assert isinstance(client.app.state.alert_delivery, Deliverer)  # type: ignore[attr-defined]
        deadline = time.monotonic() + 10
        while not smtp.messages:
            assert time.monotonic() < deadline, "not delivered in time"
            time.sleep(0.02)
    [row] = await _rows(writes)
    assert (row.status, len(smtp.messages)) == ("sent", 1)
