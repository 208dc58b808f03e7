"""The console in Debian's Chromium: numbers on screen, a posted event shown within a second,
a conversation turning red as its deadline passes, a tile changing colour, a reconnect."""

import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dozor.auth import service as auth_service
from dozor.auth.models import UserGroup
from dozor.console import views
from dozor.console.models import ConsolePreference, Threshold
from dozor.directory.models import Group
from dozor.events import contract as c
from dozor.operators.models import Operator, OperatorGroup
from tests.auth.personas import PASSWORD
from tests.browser import LiveServer
from tests.factories import status
from tests.metrics.scenarios import inbound

SOON = 1500  # ms: "within a second" of the event, plus the browser's own time to paint


def _center(live: LiveServer) -> str:
    """Groups, operators, alice (supervisor of support); the API token."""

    async def create(session: Any) -> str:
        session.add_all(
            [
                Group(id="support", name="Поддержка"),
                Group(id="sales", name="Продажи"),
                Operator(id="op-bob", name="Борис"),
            ]
        )
        await session.flush()
        session.add(OperatorGroup(operator_id="op-bob", group_id="support"))
        alice = await auth_service.create_user(
            session, username="alice", password=PASSWORD, role="supervisor", clock=live.clock
        )
        session.add(UserGroup(user_id=alice.id, group_id="support"))
        session.add(ConsolePreference(user_id=alice.id, value={"kpis": ["new", "in_queue"]}))
        session.add(
            Threshold(kpi="new", scope="all", scope_id="", warning=1, critical=2, worse="higher")
        )
        return await auth_service.create_token(session, name="crm", clock=live.clock)

    token = live.run(create)

    async def reread() -> None:
        from dozor.console.views import reload_thresholds
        from dozor.live import loader

        async with live.app.state.sessions() as session:
            await loader.load_directory(session, live.app.state.live.state)
        await reload_thresholds(live.app)

    live.call(reread)
    return token


def _post(page: Page, live: LiveServer, token: str, *events: c.Event) -> float:
    """Post through the API as an integration would; the moment it was accepted."""
    answer = page.request.post(
        f"{live.url}/api/v1/events",
        data=[e.model_dump(mode="json") for e in events],
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status == 200, answer.text()
    return time.monotonic()


def _log_in(page: Page, live: LiveServer, path: str = "/console") -> None:
    page.goto(f"{live.url}/login?next={path}")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}")
    expect(page.locator(".console")).to_have_attribute("data-connection", "open")


def test_numbers_change_as_events_arrive(live_server: LiveServer, page: Page) -> None:
    token = _center(live_server)
    _log_in(page, live_server)
    company = page.locator("#block-operators tr.company")
    expect(company.locator("a.online")).to_have_text("0")
    expect(company.locator(".total")).to_have_text("1")
    expect(page.locator('#block-operators tr[data-group="sales"]')).to_have_count(0)

    _post(page, live_server, token, status("op-bob", 0, "online", 0))
    expect(company.locator("a.online")).to_have_text("1", timeout=SOON)
    _post(page, live_server, token, *inbound("c1", medium="chat", group="support").events)
    new = page.locator('#block-inwork tr[data-group="support"] td').first.locator("a.inwork")
    expect(new).to_have_text("1", timeout=SOON)
    expect(page.locator('#block-kpis .tile[data-kpi="new"] .value').first).to_have_text(
        "1", timeout=SOON
    )


def test_a_conversation_turns_red_as_its_deadline_passes(
    live_server: LiveServer, page: Page
) -> None:
    token = _center(live_server)
    _post(
        page,
        live_server,
        token,
        *inbound("c1", medium="chat", group="support", client={"name": "Анна"}).events,
    )
    _log_in(page, live_server, "/console?list=new")
    item = page.locator('#block-list li[data-id="c1"]')
    expect(item).to_have_text(__import__("re").compile("Анна"))
    expect(item).not_to_have_class("overdue")
    live_server.clock.advance(61)  # the chat waited past its 60 s: no event comes
    expect(item).to_have_class("overdue", timeout=SOON)
    expect(page.locator("#block-inwork tr.company a.overdue").first).to_have_text("1")
    expect(item.locator("a")).to_have_attribute("href", "/conversations/c1")


def test_a_tile_changes_colour_when_a_threshold_is_crossed(
    live_server: LiveServer, page: Page
) -> None:
    token = _center(live_server)
    _log_in(page, live_server)
    tile = page.locator('#block-kpis .tile[data-kpi="new"]').first
    expect(tile).to_have_attribute("data-zone", "ok")
    _post(page, live_server, token, *inbound("c1", medium="chat", group="support").events)
    expect(tile).to_have_attribute("data-zone", "yellow", timeout=SOON)
    _post(page, live_server, token, *inbound("c2", medium="chat", group="support").events)
    expect(tile).to_have_attribute("data-zone", "red", timeout=SOON)
    assert tile.evaluate("t => getComputedStyle(t).backgroundColor") == "rgb(253, 236, 234)"


def test_a_dropped_stream_reconnects_and_resyncs(
    live_server: LiveServer, page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "LIFETIME", 1.0)  # the server ends every stream after a second
    token = _center(live_server)
    _log_in(page, live_server)
    opened = []
    page.on("request", lambda r: opened.append(r.url) if "/console/stream" in r.url else None)
    page.wait_for_timeout(2500)
    assert len(opened) >= 1  # the browser came back by itself
    _post(page, live_server, token, status("op-bob", 0, "online", 0))
    expect(page.locator("#block-operators tr.company a.online")).to_have_text("1", timeout=3000)
