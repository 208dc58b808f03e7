"""A small center for the alert engine's tests: the tasks tests' people, events posted through
the API, rules saved through the service, and evaluation as of the test's clock.

groups: support ("Support"), sales ("Sales")
ada     admin                                    ada@example.com (ru)
alice   supervisor of support                    alice@example.com (en)
sam     supervisor of sales
bob     operator of support (operator op-bob)
charlie operator of sales (operator op-charlie)
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dozor.alerts import evaluator, service
from dozor.alerts.models import AlertDelivery, AlertLog, AlertRule, AlertState
from dozor.console import panel
from dozor.events import contract as c
from dozor.live import loader
from tests.factories import T0
from tests.metrics.scenarios import inbound
from tests.tasks.conftest import Center, seed_kinds


class AlertCenter(Center):
    def __init__(self, client: TestClient) -> None:
        super().__init__(client)
        self.api: TestClient = client

    def post(self, *events: c.Event) -> None:
        answer = self.api.post("/api/v1/events", json=[e.model_dump(mode="json") for e in events])
        assert answer.status_code == 200, answer.text

    def queue(self, cid: str, group: str = "support", seconds: float | None = None) -> None:
        """A chat waiting in ``group``'s queue since ``seconds`` after T0 (default: now)."""
        at = seconds if seconds is not None else self.seconds()
        self.post(*inbound(cid, at, medium="chat", group=group).events)

    def seconds(self) -> float:
        return (self.state.clock.now() - T0).total_seconds()

    def advance(self, seconds: float) -> None:
        self.state.clock.advance(seconds)

    def rule(self, **fields: Any) -> int:
        """A rule saved as an admin would, then evaluated from the next tick; its id."""
        values = {"name": "rule", "indicator": "in_queue", "scope": "group", **fields}

        async def save(session: Any) -> int:
            rule = await service.save(
                session, visible=None, values=service.Fields(**values), now=self.state.clock.now()
            )
            return rule.id

        rule_id = self.run(save)
        self.call(lambda: evaluator.reload(self.client.app))
        return rule_id

    def change(self, rule_id: int, **changes: Any) -> None:
        """Save a rule again with ``changes``, as an admin would."""

        async def save(session: Any) -> None:
            rule = await session.get(AlertRule, rule_id)
            values = {name: getattr(rule, name) for name in service.FIELD_NAMES} | changes
            await service.save(
                session,
                visible=None,
                values=service.Fields(**values),
                rule=rule,
                now=self.state.clock.now(),
            )

        self.run(save)
        self.call(lambda: evaluator.reload(self.client.app))

    def evaluate(self) -> None:
        """Judge every rule as of the clock now. The shared KPI cache refreshes on real time,
        which a test's clock outruns: once the computations under way (perhaps from before the
        clock moved) are over, a first tick has it compute the values at the moved clock, and
        a second judges them."""
        ev = self.state.alert_evaluator

        async def computed() -> None:
            while any(e.running for e in ev.cache._entries.values()):
                await asyncio.sleep(0.005)

        async def twice() -> None:
            await computed()
            await ev.tick()
            await computed()
            await ev.tick()

        self.call(twice)

    def logs(self) -> list[tuple[str, str, str, float | None]]:
        """(scope id, kind, zone_to, threshold) of every log row, oldest first."""

        async def read(session: Any) -> list[Any]:
            rows = await session.scalars(select(AlertLog).order_by(AlertLog.id))
            return [(r.scope_id, r.kind, r.zone_to, r.threshold) for r in rows]

        return self.run(read)

    def states(self) -> dict[tuple[int, str], AlertState]:
        async def read(session: Any) -> dict[tuple[int, str], AlertState]:
            rows = await session.scalars(select(AlertState))
            return {(r.rule_id, r.scope_id): r for r in rows}

        return self.run(read)

    def deliveries(self) -> list[tuple[str, str, str]]:
        """(channel, target, language) of every delivery owed, in order."""

        async def read(session: Any) -> list[Any]:
            rows = await session.scalars(select(AlertDelivery).order_by(AlertDelivery.id))
            return [(d.channel, d.target, d.language) for d in rows]

        return self.run(read)

    def count(self, model: Any) -> int:
        async def read(session: Any) -> int:
            return await session.scalar(select(func.count()).select_from(model))

        return self.run(read)

    def reload_directory(self) -> None:
        """Names and memberships, as the live state's housekeeper reads them every few seconds."""

        async def read() -> None:
            async with self.state.sessions() as session:
                await loader.load_directory(session, self.state.live.state)

        self.call(read)


def populate(center: AlertCenter) -> None:
    seed_kinds(center)
    center.group("support")
    center.group("sales")
    center.user("ada", "admin", email="ada@example.com", language="ru")
    center.user(
        "alice", "supervisor", groups=("support",), email="alice@example.com", language="en"
    )
    center.user("sam", "supervisor", groups=("sales",))
    center.user("bob", "operator", operator_of=("support",))
    center.user("charlie", "operator", operator_of=("sales",))
    center.api = center.token()
    center.reload_directory()


@pytest.fixture(name="center")
def center_fixture(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AlertCenter]:
    monkeypatch.setattr(panel, "STALE", 0.0)  # see AlertCenter.evaluate
    center = AlertCenter(app_client)
    populate(center)
    yield center
    for client in [*center._clients.values(), center.api]:
        client.close()
