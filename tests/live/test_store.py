"""The live state against the database, on SQLite and PostgreSQL: fed by commits it equals a
rebuild; its KPIs equal the API's; overdue flips by time alone while the app runs."""

import asyncio
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.clock import ManualClock
from dozor.console import panel
from dozor.events.writer import Writer
from dozor.live import loader
from dozor.live.state import LiveState
from dozor.live.store import LiveStore
from dozor.metrics import windows
from dozor.metrics.records import Scope
from tests.live.scenes import morning
from tests.metrics.scenarios import inbound

ZONE = "Europe/Moscow"


def snapshot(state: LiveState) -> dict[str, Any]:
    return {
        "items": dict(state.items),
        "counts": dict(state.counts),
        "group_counts": dict(state.group_counts),
        "operators": {
            o.id: (o.status, o.status_since, o.statuses, o.groups) for o in state.operators.values()
        },
        "deadlines": dict(state.deadlines._due),
    }


async def test_incremental_updates_equal_a_rebuild_from_the_database(
    writer: Writer, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    store = LiveStore(sessions, clock, timezone=ZONE, wrapup_limit=300)
    await store.rebuild()
    writer.listeners.append(store.on_commit)
    clock.advance(300)
    for batch in morning():
        await writer.submit(batch)
    await asyncio.sleep(0.05)  # a late status makes the listener read its history
    async with sessions() as session:
        rebuilt = await loader.load(session, now=clock.now(), timezone=ZONE, wrapup_limit=300)
    store.state.flip(clock.now())
    rebuilt.flip(clock.now())
    assert snapshot(store.state) == snapshot(rebuilt)
    assert store.state.operators["kim"].status == "away"  # the late status was folded in order
    assert len(store.state.items) == 9


def _post(api: TestClient, events: list[Any]) -> None:
    answer = api.post("/api/v1/events", json=[e.model_dump(mode="json") for e in events])
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("window", ["5m", "10m", "60m", "today"])
def test_live_kpis_equal_the_api_for_the_same_window(
    api: TestClient, clock: ManualClock, window: str
) -> None:
    clock.advance(300)
    for batch in morning():
        _post(api, batch)
    live = api.app.state.live  # type: ignore[attr-defined]
    scopes = {
        "company": ({}, Scope()),
        "support": ({"group": "support"}, Scope(groups=frozenset({"support"}))),
        "eve": ({"operator": "eve"}, Scope(operators=frozenset({"eve"}))),
        "calls": ({"medium": "call"}, Scope(media=frozenset({"call"}))),
    }
    for params, scope in scopes.values():
        stored = api.get("/api/v1/kpis", params={"window": window, **params}).json()
        span = windows.last(window, at=clock.now(), timezone=ZONE)  # type: ignore[arg-type]
        assert stored["from"].replace("Z", "+00:00") == span.start.isoformat()
        assert panel.live_kpis(live.state, scope, span) == stored["kpis"], params


def test_overdue_flips_without_events(api: TestClient, clock: ManualClock) -> None:
    _post(api, inbound("c1", medium="chat", group="support").events)
    live = api.app.state.live  # type: ignore[attr-defined]
    frame = live.frame
    clock.advance(61)
    deadline = time.monotonic() + 2
    while not live.state.items["c1"].overdue and time.monotonic() < deadline:
        time.sleep(0.02)
    assert live.state.items["c1"].overdue
    assert live.frame > frame  # and the consoles were told
    assert live.state.deadlines.next_due() is None


def test_a_restart_rebuilds_the_same_state(api: TestClient, clock: ManualClock) -> None:
    clock.advance(300)
    for batch in morning():
        _post(api, batch)
    live = api.app.state.live  # type: ignore[attr-defined]
    live.state.flip(clock.now())
    before = snapshot(live.state)
    api.portal.call(live.rebuild)  # type: ignore[union-attr]
    live.state.flip(clock.now())
    assert snapshot(live.state) == before
