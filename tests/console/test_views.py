"""The console page and its stream: who may open it, what each sees, what the stream sends."""

import threading

import pytest

from dozor.console import views
from dozor.live import store as live_store
from tests.console.conftest import Center
from tests.factories import status
from tests.metrics.scenarios import inbound


def test_supervisors_and_admins_open_the_console_operators_do_not(center: Center) -> None:
    assert center.as_("ada").get("/console").status_code == 200
    assert center.as_("alice").get("/console").status_code == 200
    assert center.as_("bob").get("/console").status_code == 403
    assert center.as_("bob").get("/console/stream").status_code == 403
    anonymous = center.as_("anonymous").get("/console", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert 'href="/console"' in center.as_("alice").get("/conversations").text


def test_a_supervisor_sees_only_the_groups_assigned(center: Center) -> None:
    center.post(
        status("op-bob", -10, "online", 0),
        *inbound("s1", medium="chat", group="support").events,
        *inbound("x1", medium="chat", group="sales", client={"name": "Продажный клиент"}).events,
    )
    page = center.as_("alice").get("/console?list=open").text
    assert 'data-group="support"' in page and 'data-group="sales"' not in page
    assert 'data-id="s1"' in page and 'data-id="x1"' not in page
    assert "Продажный клиент" not in page  # (a bare "x1" may sit in the random CSRF token)
    admin = center.as_("ada").get("/console?list=open").text
    assert 'data-group="sales"' in admin and 'data-id="x1"' in admin
    assert "Продажный клиент" in admin


def test_the_page_is_russian_and_english(center: Center) -> None:
    alice = center.as_("alice")
    assert "Консоль" in alice.get("/console").text
    assert "Console" in alice.get("/console?lang=en").text and "Load" in alice.get("/console").text


def test_the_stream_sends_every_block_then_only_what_changed(
    center: Center, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "HEARTBEAT", 0.3)
    monkeypatch.setattr(views, "LIFETIME", 10.0)  # a bound, should the chat never be seen
    # the stream ends once it has drawn the live state holding the chat (not after a time,
    # which a slow machine's first drawing could use up before the chat came)
    store = live_store.of(center.client.app)
    drawn: list[bool] = []
    wait = store.next_frame

    async def next_frame(seen: int, timeout: float) -> int:
        if drawn and drawn[-1]:
            store.closing = True
            return seen
        frame = await wait(seen, timeout)
        drawn.append("s1" in store.state.items)  # the drawing that follows sees the chat
        return frame

    monkeypatch.setattr(store, "next_frame", next_frame)
    later = threading.Timer(
        0.6, lambda: center.post(*inbound("s1", medium="chat", group="support").events)
    )
    alice = center.as_("alice")
    center.token()  # made before the stream holds the loop busy
    later.start()
    answer = alice.get("/console/stream")
    later.join()
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert drawn[-1]  # it ended on the chat, not on its bound
    events = [
        line.removeprefix("event: ")
        for line in answer.text.splitlines()
        if line.startswith("event: ")
    ]
    assert events[:5] == ["operators", "inwork", "load", "kpis", "list"]
    # the chat changed the counts and the KPI panel (a new conversation), not the empty list
    assert "operators" in events[5:] and "inwork" in events[5:] and "list" not in events[5:]
    assert answer.text.startswith("retry: 1000")
    assert all(
        line.startswith(("event:", "data:", "retry:", ":"))
        for line in answer.text.splitlines()
        if line
    )
