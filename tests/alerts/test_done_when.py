"""Issue 6's "done when", end to end: a supervisor of Support sets «max wait in the queue of
group Support: yellow at 60 s, red at 120 s, e-mail me» through the API; a chat waits in the
queue while the clock moves; exactly the expected e-mails reach a real SMTP server on loopback:
yellow, red, back to normal. No flapping, none lost, none doubled across a restart."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dozor.app import create_app
from dozor.clock import ManualClock
from dozor.config import Settings
from dozor.console import panel
from tests.alerts.center import AlertCenter, populate
from tests.factories import Script
from tests.tasks.smtp import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def apps(
    settings: Settings, clock: ManualClock, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """Apps mailing through ``smtp``, started one after the other on one database."""
    monkeypatch.setattr(panel, "STALE", 0.0)  # see AlertCenter.evaluate
    mailing = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_starttls": False}
    )
    opened: list[TestClient] = []

    def start() -> AlertCenter:
        if opened:
            opened[-1].__exit__(None, None, None)
        client = TestClient(create_app(mailing, clock=clock))
        client.__enter__()
        opened.append(client)
        center = AlertCenter(client)
        center.api = center.token()
        center.reload_directory()
        return center

    yield start
    opened[-1].__exit__(None, None, None)


CHAT = {"channel_id": "chat", "medium": "chat", "direction": "inbound", "group_id": "support"}


def event(center: AlertCenter, name: str, type: str, **fields: Any) -> Any:
    """One event at the clock's time (ids ``name-0``)."""
    return Script(name, start=center.state.clock.now()).at(0, type, **fields).events[0]


def subjects(smtp: SmtpServer) -> list[str]:
    return [m["Subject"] for m in smtp.messages]


def deliver(center: AlertCenter) -> None:
    """What the delivery worker sends within a second anyway: sent now, and waited for."""
    worker = center.state.alert_delivery

    async def send() -> None:
        await worker.tick()
        await worker.drain()

    center.call(send)


def step(center: AlertCenter, seconds: float) -> None:
    """Time passes; the rules are judged (several times: a decision is made once) and what
    they owe is sent."""
    center.advance(seconds)
    for _ in range(3):
        center.evaluate()
    deliver(center)


def test_the_supervisor_is_mailed_yellow_red_and_recovery_exactly_once(
    apps: Any, smtp: SmtpServer
) -> None:
    center = apps()
    populate(center)  # alice supervises Support; her address is alice@example.com (English)
    alice = center.as_("alice")
    rule = {
        "name": "Support: longest wait",
        "indicator": "max_wait_now",
        "scope": "group",
        "scope_ids": ["support"],
        "yellow": 60,
        "red": 120,
        "email_user_ids": [center.ids["alice"]],
    }
    assert alice.post("/api/v1/alert-rules", json=rule).status_code == 201
    center.post(event(center, "c1", "conversation.opened", **CHAT))  # waits in Support's queue

    step(center, 30)
    assert smtp.messages == []
    step(center, 31)  # 61 s in the queue
    assert subjects(smtp) == ["[Dozor] Yellow zone: Longest wait now — Support"]
    step(center, 30)  # still yellow: nothing more
    assert len(smtp.messages) == 1

    center = apps()  # a restart: the yellow zone is remembered, not told again
    step(center, 1)
    assert len(smtp.messages) == 1
    step(center, 29)  # 121 s
    assert subjects(smtp)[1:] == ["[Dozor] Red zone: Longest wait now — Support"]
    center.post(event(center, "c2", "conversation.opened", **CHAT))  # the queue grows
    step(center, 5)
    assert len(smtp.messages) == 2
    for cid in ("c1", "c2"):
        center.post(
            event(
                center,
                f"{cid}-take",
                "conversation.accepted",
                conversation_id=cid,
                operator_id="op-bob",
            )
        )
    step(center, 1)
    step(center, 60)

    assert subjects(smtp) == [
        "[Dozor] Yellow zone: Longest wait now — Support",
        "[Dozor] Red zone: Longest wait now — Support",
        "[Dozor] Back to normal: Longest wait now — Support",
    ]
    assert all(to == ["alice@example.com"] for _, to in smtp.mailbox.envelopes)
    assert [(kind, zone) for _, kind, zone, _ in center.logs()] == [
        ("yellow", "yellow"),
        ("red", "red"),
        ("recovered", "ok"),
    ]
