import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from dozor.clock import ManualClock
from tests.auth.personas import create_user, log_in

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def bob(api: TestClient) -> TestClient:
    """A client that pushes events with the integration's token and is logged in as bob,
    an operator: every role sees this page."""
    create_user(api, "bob", "operator", name="Bob")
    assert log_in(api, "bob").status_code == 303
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


def _row(html: str, number: int) -> str:
    match = re.search(rf"<tr[^>]*>\s*<td class=\"number\">{number}</td>.*?</tr>", html, re.S)
    assert match, f"no row {number}"
    return match.group(0)


def test_an_event_reaches_the_page_with_its_translated_status(bob: TestClient) -> None:
    _push(bob, _answered_chat())
    page = bob.get("/")
    assert page.status_code == 200
    row = _row(page.text, 1)
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
        assert f"<td>{cell}</td>" in row or f'<td class="time">{cell}</td>' in row, cell
    assert "просрочен" not in row
    assert "Время указано в часовом поясе Europe/Moscow" in page.text


def test_the_table_body_refreshes_itself_from_the_fragment(bob: TestClient) -> None:
    page = bob.get("/").text
    assert 'hx-get="/conversations/_latest" hx-trigger="every 2s"' in page
    assert '<script src="/static/htmx.min.js"' in page
    assert "Диалогов пока нет." in page

    _push(bob, _answered_chat())
    fragment = bob.get("/conversations/_latest", headers=HTMX).text
    assert fragment.lstrip().startswith("<tbody")
    assert "<html" not in fragment
    assert 'hx-get="/conversations/_latest" hx-trigger="every 2s"' in fragment
    assert "Оператор ответил клиенту" in _row(fragment, 1)

    # a new question from the client shows on the next refresh
    question = _event(5, 40, "message.created", message_id="m3", author="client", text="Ещё")
    _push(bob, [question])
    row = _row(bob.get("/conversations/_latest", headers=HTMX).text, 1)
    assert "Клиент ожидает ответа оператора (новый вопрос после ответа)" in row
    assert "<td>Клиент ожидает ответа оператора</td>" in row
    assert "Неотвеченные" in row


def test_the_fragment_opened_directly_is_the_whole_page(bob: TestClient) -> None:
    page = bob.get("/conversations/_latest").text
    assert "<html" in page
    assert "Последние диалоги" in page


def test_the_page_speaks_english_on_request(bob: TestClient) -> None:
    _push(bob, _answered_chat())
    row = _row(bob.get("/?lang=en").text, 1)
    assert "<td>Operator answered the client</td>" in row
    assert "<td>Answered</td>" in row
    assert "<td>Chat</td>" in row
    assert '<td class="time">2026-03-02 12:00:00</td>' in row
    # the fragment keeps the page's language without ?lang=
    fragment = bob.get("/conversations/_latest", headers=HTMX).text
    assert "Operator answered the client" in fragment


def test_overdue_conversations_are_marked_red(bob: TestClient, clock: ManualClock) -> None:
    _push(bob, [_opened("late")])
    clock.advance(61)  # a chat must be taken within 60 s
    _push(bob, [_opened("fresh", seconds=61)])
    fragment = bob.get("/conversations/_latest", headers=HTMX).text
    late, fresh = _row(fragment, 1), _row(fragment, 2)
    assert late.startswith('<tr class="overdue">')
    assert '<span class="overdue-mark">просрочен</span>' in late
    assert "Открыт новый диалог" not in late  # it is in a queue: opened with a group
    assert "Оператор направил диалог в очередь" in late
    assert "overdue" not in fresh


def test_html_in_a_client_name_is_escaped(bob: TestClient) -> None:
    _push(bob, [_opened(client_name="<script>alert(1)</script>")])
    for answer in (bob.get("/"), bob.get("/conversations/_latest", headers=HTMX)):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
        assert "<script>alert(1)" not in answer.text


def test_rows_show_the_names_of_channel_group_and_operator(bob: TestClient) -> None:
    _push(bob, _answered_chat())
    for path, name in (
        ("/api/v1/groups/support", "Поддержка"),
        ("/api/v1/channels/web", "Онлайн-чат на сайте"),
    ):
        body = (
            {"name": name, "medium": "chat", "kind": "web-chat"}
            if "channels" in path
            else {"name": name}
        )
        assert bob.put(path, json=body).status_code == 200
    assert bob.put("/api/v1/operators/op-7", json={"name": "Ольга Петрова"}).status_code == 200
    row = _row(bob.get("/conversations/_latest", headers=HTMX).text, 1)
    for cell in ("Поддержка", "Онлайн-чат на сайте", "Ольга Петрова"):
        assert f"<td>{cell}</td>" in row
