"""A stuck SMTP server and a webhook that never answers hold back neither ingest nor the console:
the delivery worker waits on them alone (issue 6, point 6)."""

import asyncio
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dozor.alerts import outbox
from dozor.alerts.models import AlertDelivery, AlertLog, AlertRule
from dozor.app import create_app
from dozor.auth import service as auth_service
from dozor.clock import ManualClock
from dozor.config import Settings
from dozor.events.models import StoredEvent
from tests.alerts.receivers import HANG, HeldSmtpServer, Receiver
from tests.auth.personas import create_user, log_in
from tests.factories import T0
from tests.metrics.scenarios import inbound


def _decide(client: TestClient, hook: str, now: datetime) -> None:
    """A red notice of a rule that e-mails and calls a webhook, as the evaluator commits it."""

    async def write() -> None:
        state = client.app.state  # type: ignore[attr-defined]
        async with state.write_sessions() as session, session.begin():
            rule = AlertRule(
                name="Ожидание",
                indicator="max_wait_now",
                scope="all",
                scope_ids=[],
                window="5m",
                worse="higher",
                red=120.0,
                email_addresses=["duty@center.example"],
                webhook_url=hook,
                webhook_secret="s3cret",
                created_at=now,
                updated_at=now,
            )
            session.add(rule)
            await session.flush()
            entry = AlertLog(
                rule_id=rule.id,
                rule_name=rule.name,
                indicator=rule.indicator,
                window=rule.window,
                scope="all",
                scope_id="",
                kind="red",
                zone_from="ok",
                zone_to="red",
                value=130.0,
                threshold=120.0,
                since=now,
                at=now,
            )
            session.add(entry)
            await session.flush()
            await outbox.owe(session, rule, entry, settings=state.settings, now=now)

    client.portal.call(write)  # type: ignore[union-attr]


def _read(client: TestClient, statement: Any) -> list[Any]:
    async def read() -> list[Any]:
        async with client.app.state.sessions() as session:  # type: ignore[attr-defined]
            return list(await session.execute(statement))

    return client.portal.call(read)  # type: ignore[union-attr]


def _wait(client: TestClient, condition: Any) -> None:
    async def poll() -> None:
        for _ in range(1000):
            if condition():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the worker never reached its receivers")

    client.portal.call(poll)  # type: ignore[union-attr]


def test_stuck_receivers_hold_back_neither_ingest_nor_the_console(
    settings: Settings, clock: ManualClock
) -> None:
    with HeldSmtpServer() as smtp:
        stuck = settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp.port,
                "smtp_starttls": False,
                "alert_delivery_interval": 0.05,
                "alert_webhook_timeout": 120.0,
            }
        )
        with TestClient(create_app(stuck, clock=clock)) as client:
            hook = Receiver(HANG)
            client.portal.call(hook.__aenter__)  # type: ignore[union-attr]
            try:
                _decide(client, hook.url, T0)
                _wait(client, lambda: hook.requests and smtp.mailbox.held)

                async def token() -> str:
                    async with client.app.state.write_sessions() as session, session.begin():  # type: ignore[attr-defined]
                        return await auth_service.create_token(session, name="crm", clock=clock)

                bearer = {"Authorization": f"Bearer {client.portal.call(token)}"}  # type: ignore[union-attr]
                events = [e.model_dump(mode="json") for e in inbound("c1", group="support").events]
                stored = client.post("/api/v1/events", json=events, headers=bearer)
                assert stored.status_code == 200, stored.text
                create_user(client, "ada", "admin", name="Ada")
                assert log_in(client, "ada").status_code == 303
                console = client.get("/console?list=open")
                assert console.status_code == 200 and 'data-id="c1"' in console.text

                # both deliveries are still waiting on their receivers meanwhile
                statuses = _read(client, select(AlertDelivery.channel, AlertDelivery.status))
                assert sorted(statuses) == [("email", "sending"), ("webhook", "sending")]
                [[count]] = _read(client, select(func.count()).select_from(StoredEvent))
                assert count == len(events)
            finally:
                smtp.mailbox.release()
                client.portal.call(hook.__aexit__, None, None, None)  # type: ignore[union-attr]
