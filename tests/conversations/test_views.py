import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from dozor.clock import ManualClock
from tests.auth.personas import create_user, log_in

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def ada(api: TestClient) -> TestClient:
    """A client that pushes events with the integration's token and is logged in as ada, an
    admin, who sees every conversation in the dialog list."""
    create_user(api, "ada", "admin", name="Ada")
    assert log_in(api, "ada").status_code == 303
    return api


def _event(number: int, seconds: float, type_: str, cid: str = "c1", **fields: object) -> dict:
    ts = (T0 + timedelta(seconds=seconds)).isoformat()
    return {"id": f"{cid}-{number}", "type": type_, "ts": ts, "conversation_id": cid, **fields}


def _opened(cid: str = "c1", client_name: str = "Анна", seconds: float = 0) -> dict:
    return _event(
        1,
        seconds,
        "conversation.opened",
        cid,
        channel_id="web",
        medium="chat",
        direction="inbound",
        group_id="support",
        client={"name": client_name},
    )


def _answered_chat() -> list[dict]:
    return [
        _opened(),
        _event(2, 1, "message.created", message_id="m1", author="client", text="Здравствуйте"),
        _event(3, 20, "conversation.accepted", operator_id="op-7"),
        _event(4, 31, "message.created", message_id="m2", author="operator", operator_id="op-7"),
    ]


def _push(client: TestClient, events: list[dict]) -> None:
    answer = client.post("/api/v1/events", json=events)
    assert answer.status_code == 200, answer.text


def _row(html: str, cid: str) -> str:
    match = re.search(rf'<tr data-id="{cid}"[^>]*>.*?</tr>', html, re.S)
    assert match, f"no row {cid}"
    return match.group(0)


@pytest.mark.parametrize(
    ("role", "home"),
    [("admin", "/console"), ("supervisor", "/console"), ("operator", "/conversations")],
)
def test_home_is_each_roles_first_page(api: TestClient, role: str, home: str) -> None:
    create_user(api, "someone", role, name="Someone")
    assert log_in(api, "someone").status_code == 303
    answer = api.get("/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == home


def test_an_event_reaches_the_list_with_its_translated_status(ada: TestClient) -> None:
    _push(ada, _answered_chat())
    page = ada.get("/conversations")
    assert page.status_code == 200
    row = _row(page.text, "c1")
    for cell in (
        "02.03.2026 12:00:00",  # 09:00 UTC on the center's clock (Europe/Moscow)
        "web",
        "Чат",
        "support",
        "op-7",
        "Анна",
        "Оператор ответил клиенту",
        "Отвеченные",
    ):
        assert re.search(rf"<td[^>]*>{cell}</td>", row), cell
    assert "просрочен" not in row


def test_the_list_speaks_english_on_request(ada: TestClient) -> None:
    _push(ada, _answered_chat())
    row = _row(ada.get("/conversations?lang=en").text, "c1")
    assert "<td>Operator answered the client</td>" in row
    assert "<td>Answered</td>" in row
    assert "<td>Chat</td>" in row
    assert '<td class="time">2026-03-02 12:00:00</td>' in row


def test_overdue_conversations_are_marked_red(ada: TestClient, clock: ManualClock) -> None:
    _push(ada, [_opened("late")])
    clock.advance(61)  # a chat must be taken within 60 s
    _push(ada, [_opened("fresh", seconds=61)])
    page = ada.get("/conversations").text
    late, fresh = _row(page, "late"), _row(page, "fresh")
    assert late.startswith('<tr data-id="late" class="overdue">')
    assert '<span class="overdue-mark">просрочен</span>' in late
    assert "Оператор направил диалог в очередь" in late
    assert "overdue" not in fresh


def test_html_in_a_client_name_is_escaped(ada: TestClient) -> None:
    _push(ada, [_opened(client_name="<script>alert(1)</script>")])
    page = ada.get("/conversations").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_rows_show_the_names_of_channel_group_and_operator(ada: TestClient) -> None:
    _push(ada, _answered_chat())
    for path, name in (
        ("/api/v1/groups/support", "Поддержка"),
        ("/api/v1/channels/web", "Онлайн-чат на сайте"),
    ):
        body = (
            {"name": name, "medium": "chat", "kind": "web-chat"}
            if "channels" in path
            else {"name": name}
        )
        assert ada.put(path, json=body).status_code == 200
    assert ada.put("/api/v1/operators/op-7", json={"name": "Ольга Петрова"}).status_code == 200
    row = _row(ada.get("/conversations").text, "c1")
    for cell in ("Поддержка", "Онлайн-чат на сайте", "Ольга Петрова"):
        assert f"<td>{cell}</td>" in row
