"""The alert evaluator in a running app, on SQLite and PostgreSQL, with the test's clock: rules
judged per scope id on the console's KPIs, each decision written once with its log row and
deliveries, nothing written when nothing changed, restarts that announce nothing twice."""

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dozor.alerts import outbox
from dozor.alerts.models import AlertDelivery, AlertLog, AlertState
from dozor.app import create_app
from dozor.clock import ManualClock
from dozor.config import Settings
from dozor.console import panel
from tests.alerts.center import AlertCenter, center_fixture, populate  # noqa: F401
from tests.factories import T0, status


def test_each_scope_id_of_a_rule_has_its_own_zone(center: AlertCenter) -> None:
    queues = center.rule(name="queues", scope_ids=["support", "sales"], yellow=1, red=2)
    company = center.rule(name="company", scope="all", yellow=2, red=3)
    online = center.rule(
        name="online",
        indicator="operators_online",
        scope="operator",
        scope_ids=["op-bob", "op-charlie"],
        red=0.5,
    )
    center.post(status("op-bob", 0, "online", 1))
    for cid, group in (("c1", "support"), ("c2", "support"), ("c3", "sales")):
        center.queue(cid, group)
    center.evaluate()
    assert sorted(center.logs()) == [
        ("", "red", "red", 3),
        ("op-charlie", "red", "red", 0.5),
        ("sales", "yellow", "yellow", 1),
        ("support", "red", "red", 2),
    ]
    states = center.states()
    assert {k: s.zone for k, s in states.items()} == {
        (queues, "support"): "red",
        (queues, "sales"): "yellow",
        (company, ""): "red",
        (online, "op-charlie"): "red",
    }  # op-bob is ok and was never anything else: no row
    center.evaluate()
    assert len(center.logs()) == 4


def test_a_notice_is_one_log_row_with_the_deliveries_it_owes(center: AlertCenter) -> None:
    rule = center.rule(
        name="Support queue",
        scope_ids=["support"],
        yellow=1,
        red=5,
        email_user_ids=[center.ids["alice"], center.ids["bob"]],  # bob has no address
        email_addresses=["duty@example.com"],
        webhook_url="http://127.0.0.1:9/hook",
    )
    center.advance(30)
    center.queue("c1")
    center.evaluate()
    assert center.logs() == [("support", "yellow", "yellow", 1)]
    assert center.deliveries() == [
        ("email", "alice@example.com", "en"),
        ("email", "duty@example.com", "ru"),
        ("webhook", "http://127.0.0.1:9/hook", "ru"),
    ]

    async def read(session: Any) -> tuple[AlertLog, AlertState]:
        entry = (await session.scalars(select(AlertLog))).one()
        return entry, await session.get(AlertState, (rule, "support"))

    entry, state = center.run(read)
    now = T0 + timedelta(seconds=30)
    assert (entry.rule_name, entry.indicator, entry.window, entry.scope) == (
        "Support queue",
        "in_queue",
        "15m",
        "group",
    )
    assert (entry.zone_from, entry.value, entry.since, entry.at) == ("ok", 1, now, now)
    assert (state.zone, state.since, state.notified_at, state.value) == ("yellow", now, now, 1)


def test_a_failed_write_leaves_nothing_and_is_decided_again(
    center: AlertCenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    center.rule(scope_ids=["support"], yellow=1, email_addresses=["duty@example.com"])
    real, broken = outbox.owe, [True]

    async def owe(*args: Any, **kwargs: Any) -> Any:
        if broken:
            raise RuntimeError("the disk is full")
        return await real(*args, **kwargs)

    monkeypatch.setattr(outbox, "owe", owe)
    center.queue("c1")
    center.evaluate()
    assert (center.count(AlertState), center.count(AlertLog), center.count(AlertDelivery)) == (
        0,
        0,
        0,
    )
    broken.clear()
    center.evaluate()
    assert center.logs() == [("support", "yellow", "yellow", 1)]
    assert center.deliveries() == [("email", "duty@example.com", "ru")]


def test_nothing_is_written_while_the_zone_holds(center: AlertCenter) -> None:
    rule = center.rule(indicator="max_wait_now", scope_ids=["support"], yellow=60, red=600)
    center.queue("c1")
    center.advance(61)
    center.evaluate()
    written = center.states()[(rule, "support")].updated_at
    for _ in range(3):
        center.advance(10)
        center.evaluate()
    assert center.states()[(rule, "support")].updated_at == written
    assert center.logs() == [("support", "yellow", "yellow", 60)]
    (shown,) = center.state.alert_evaluator.active(None)
    assert (shown.zone, shown.value, shown.scope_name) == ("yellow", 91, "Support")


def test_red_is_repeated_at_its_interval(center: AlertCenter) -> None:
    center.rule(scope_ids=["support"], red=1, repeat_every=60)
    center.queue("c1")
    center.evaluate()
    center.advance(59)
    center.evaluate()
    center.advance(1)
    center.evaluate()
    center.advance(30)
    center.evaluate()
    assert [kind for _, kind, _, _ in center.logs()] == ["red", "repeat"]


def test_a_minimum_duration_is_measured_on_the_clock(center: AlertCenter) -> None:
    rule = center.rule(scope_ids=["support"], yellow=1, min_duration=30)
    center.queue("c1")
    center.evaluate()
    state = center.states()[(rule, "support")]
    assert (state.zone, state.pending_zone, state.pending_since) == ("ok", "yellow", T0)
    center.advance(29)
    center.evaluate()
    assert center.logs() == []
    center.advance(1)
    center.evaluate()
    assert center.logs() == [("support", "yellow", "yellow", 1)]
    assert center.states()[(rule, "support")].since == T0  # when the candidate began


def test_editing_keeps_the_zones_disabling_drops_them(center: AlertCenter) -> None:
    rule = center.rule(scope_ids=["support", "sales"], yellow=1, red=3)
    center.queue("c1", "support")
    center.queue("c2", "sales")
    center.evaluate()
    assert len(center.logs()) == 2
    center.change(rule, red=2, name="renamed")  # the zones stay: nothing told again
    center.evaluate()
    assert len(center.logs()) == 2 and len(center.states()) == 2
    center.change(rule, scope_ids=["support"])
    center.evaluate()
    assert list(center.states()) == [(rule, "support")]
    center.change(rule, enabled=False)
    center.evaluate()
    assert center.states() == {} and len(center.logs()) == 2  # no recovery told
    assert center.state.alert_evaluator.active(None) == []
    center.change(rule, enabled=True)
    center.evaluate()
    assert center.logs()[2:] == [("support", "yellow", "yellow", 1)]


def test_a_deleted_rule_leaves_its_log(center: AlertCenter) -> None:
    rule = center.rule(scope_ids=["support"], yellow=1)
    center.queue("c1")
    center.evaluate()
    answer = center.api.delete(f"/api/v1/alert-rules/{rule}")
    assert answer.status_code == 204
    center.evaluate()
    assert center.states() == {}
    assert center.logs() == [("support", "yellow", "yellow", 1)]

    async def orphan(session: Any) -> Any:
        return (await session.scalars(select(AlertLog))).one()

    assert center.run(orphan).rule_id is None


def test_a_zone_another_process_announced_is_not_announced_again(center: AlertCenter) -> None:
    rule = center.rule(scope_ids=["support"], yellow=1, red=3)
    center.queue("c1")

    async def decided_elsewhere(session: Any) -> None:
        now = center.state.clock.now()
        session.add(
            AlertState(
                rule_id=rule,
                scope_id="support",
                zone="yellow",
                since=now,
                notified_at=now,
                updated_at=now,
            )
        )

    center.run(decided_elsewhere)
    center.evaluate()
    assert center.logs() == []
    center.queue("c2")
    center.queue("c3")
    center.evaluate()
    assert center.logs() == [("support", "red", "red", 3)]


def test_the_banner_lists_the_zones_in_sight(center: AlertCenter) -> None:
    queues = center.rule(name="queues", scope_ids=["support", "sales"], yellow=1, red=2)
    center.rule(name="company", scope="all", yellow=1)
    center.rule(
        name="bob", indicator="operators_online", scope="operator", scope_ids=["op-bob"], red=0.5
    )
    center.queue("c1", "support")
    center.queue("c2", "support")
    center.evaluate()
    evaluator = center.state.alert_evaluator
    mine = [
        (c.rule_name, c.scope_id, c.scope_name, c.zone)
        for c in evaluator.active(frozenset({"support"}))
    ]
    assert mine == [("queues", "support", "Support", "red"), ("bob", "op-bob", "Bob", "red")]
    everything = {(c.rule_name, c.scope_id, c.zone) for c in evaluator.states(None)}
    assert everything == {
        ("queues", "support", "red"),
        ("queues", "sales", "ok"),
        ("company", "", "yellow"),
        ("bob", "op-bob", "red"),
    }
    assert [c.scope_id for c in evaluator.states(frozenset({"sales"}))] == ["sales"]
    assert evaluator.active(frozenset()) == []
    assert all(c.rule_id == queues for c in evaluator.states(frozenset({"sales"})))


def test_the_evaluator_runs_by_itself(center: AlertCenter) -> None:
    center.rule(indicator="max_wait_now", scope_ids=["support"], yellow=60)
    center.queue("c1")
    center.advance(61)  # time alone moves the wait: no event comes
    deadline = time.monotonic() + 10
    while not center.logs() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert center.logs() == [("support", "yellow", "yellow", 60)]


# -- across a restart --------------------------------------------------------------------------


@pytest.fixture
def apps(settings: Settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Start apps one after the other on one database (each stops before the next starts)."""
    monkeypatch.setattr(panel, "STALE", 0.0)
    opened: list[TestClient] = []

    def start() -> AlertCenter:
        if opened:
            opened[-1].__exit__(None, None, None)
        client = TestClient(create_app(settings, clock=clock))
        client.__enter__()
        opened.append(client)
        center = AlertCenter(client)
        center.api = center.token()
        center.reload_directory()
        return center

    yield start
    opened[-1].__exit__(None, None, None)


def test_a_restart_announces_nothing_twice_and_keeps_pending_zones(apps: Any) -> None:
    first = apps()
    populate(first)
    quick = first.rule(name="quick", scope_ids=["support"], yellow=1, red=3)
    slow = first.rule(name="slow", scope_ids=["support"], yellow=1, min_duration=60)
    first.queue("c1")
    first.evaluate()
    assert first.logs() == [("support", "yellow", "yellow", 1)]
    first.advance(30)

    second = apps()
    second.evaluate()
    assert second.logs() == [("support", "yellow", "yellow", 1)]  # not told again
    second.advance(30)
    second.evaluate()
    states = second.states()
    assert (states[(slow, "support")].zone, states[(slow, "support")].since) == ("yellow", T0)
    assert [(c.rule_id, c.zone) for c in second.state.alert_evaluator.active(None)] == [
        (quick, "yellow"),
        (slow, "yellow"),
    ]
    second.queue("c2")
    second.queue("c3")
    second.evaluate()
    assert second.logs() == [
        ("support", "yellow", "yellow", 1),
        ("support", "yellow", "yellow", 1),
        ("support", "red", "red", 3),
    ]
