"""The dialog list page and a conversation's page, as HTML."""

import re

from tests.conversations.conftest import Staff
from tests.conversations.dialogs import chat
from tests.factories import Script

XSS_NAME = "<script>alert('name')</script>"
XSS_TEXT = "<img src=x onerror=alert('text')>"
XSS_URL = "javascript:alert('url')"


def _headers(html: str) -> list[str]:
    return re.findall(r'<th data-column="([^"]+)"', html)


def test_the_list_shows_the_default_columns_and_the_summary(staff: Staff) -> None:
    staff.push(chat("a", client="Анна", operator="op-bob", answer_after=30), chat("b", at=1))
    page = staff.as_("ada").get("/conversations").text
    assert _headers(page)[:3] == ["number", "created_at", "channel_id"]
    assert 'hx-get="/conversations/_summary?' in page and 'hx-trigger="load"' in page
    summary = staff.as_("ada").get("/conversations/_summary").text
    assert "Найдено: 2" in summary
    assert "Ожидание ответа оператора: ср. 0:31, макс. 0:31" in summary
    assert 'href="/conversations/a"' in page
    assert '<a href="/conversations">Диалоги</a>' in page  # the top bar's link


def test_the_summary_line_counts_only_what_the_user_may_see(staff: Staff) -> None:
    staff.push(chat("a", client="Анна"), chat("b", at=1, group="sales"))
    assert "Найдено: 2" in staff.as_("ada").get("/conversations/_summary").text
    assert "Найдено: 1" in staff.as_("alice").get("/conversations/_summary").text
    assert "Найдено: 1" in staff.as_("sam").get("/conversations/_summary?q=&group=sales").text
    assert "Найдено: 0" in staff.as_("sam").get("/conversations/_summary?group=support").text
    anonymous = staff.anonymous().get("/conversations/_summary", follow_redirects=False)
    assert anonymous.status_code == 303


def test_chosen_columns_are_kept_for_the_user(staff: Staff) -> None:
    alice = staff.as_("alice")
    token = alice.headers["X-CSRF-Token"]
    form = {
        "csrf_token": token,
        "order": ["number", "client_name", "closed_at"],
        "shown": ["number", "client_name", "closed_at"],
        "next": "/conversations?active=true",
    }
    moved = alice.post(
        "/conversations/columns", data={**form, "move": "closed_at:up"}, follow_redirects=False
    )
    assert moved.headers["location"] == "/conversations?active=true"
    assert _headers(alice.get("/conversations").text) == ["number", "closed_at", "client_name"]
    assert _headers(staff.as_("sam").get("/conversations").text)[1] == "created_at"  # his own
    alice.post("/conversations/columns", data={"csrf_token": token, "reset": "1"})
    assert _headers(alice.get("/conversations").text)[1] == "created_at"


def test_a_header_sorts_and_a_second_click_reverses(staff: Staff) -> None:
    staff.push(chat("a", client="Борис"), chat("b", at=1, client="Анна"))
    ada = staff.as_("ada")
    page = ada.get("/conversations?active=true").text
    link = re.search(r'<th data-column="created_at">\s*<a href="([^"]+)"', page)
    assert link and "sort=created_at" in link.group(1) and "active=true" in link.group(1)
    ascending = ada.get("/conversations?sort=number&dir=asc").text
    assert ascending.index('data-id="a"') < ascending.index('data-id="b"')
    assert 'aria-sort="ascending"' in ascending
    again = re.search(
        r'<th data-column="number" aria-sort="ascending">\s*<a href="([^"]+)"', ascending
    )
    assert again and "dir=desc" in again.group(1).replace("&amp;", "&")


def test_pages_follow_the_cursor(staff: Staff) -> None:
    staff.push(*(chat(f"c{n}", at=n) for n in range(3)))
    ada = staff.as_("ada")
    seen: list[str] = []
    url = "/conversations?limit=1"
    while url:
        page = ada.get(url.replace("&amp;", "&")).text
        seen += re.findall(r'<tr data-id="([^"]+)"', page)
        found = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = found.group(1) if found else ""
    assert seen == ["c2", "c1", "c0"]
    assert ada.get("/conversations?cursor=garbage", follow_redirects=False).status_code == 303


def test_a_filter_is_saved_under_a_name(staff: Staff) -> None:
    staff.push(chat("a", group="sales"), chat("b", at=1))
    sam = staff.as_("ada")
    saved = sam.post(
        "/conversations/filters",
        data={"name": "Продажи", "query": "group=sales", "csrf_token": sam.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/conversations?group=sales"
    page = sam.get("/conversations").text
    assert '<a href="/conversations?group=sales">Продажи</a>' in page
    filtered = sam.get("/conversations?group=sales").text
    assert re.findall(r'<tr data-id="([^"]+)"', filtered) == ["a"]
    assert "В фильтре неверное значение." in sam.get("/conversations?status=lost").text


def test_client_text_is_escaped_everywhere(staff: Staff) -> None:
    script = chat("x", client=XSS_NAME, text=XSS_TEXT)
    script.at(5, "conversation.updated", crm_ref="<b>crm</b>")
    staff.push(script)
    staff.push(
        Script("y").at(
            0,
            "conversation.opened",
            channel_id="web-chat",
            direction="inbound",
            page_url=XSS_URL,
            client={"name": "ok"},
        )
    )
    ada = staff.as_("ada")
    token = ada.headers["X-CSRF-Token"]
    shown = ["number", "client_name", "page_url", "crm_ref"]
    ada.post("/conversations/columns", data={"csrf_token": token, "order": shown, "shown": shown})
    ada.post("/conversations/x/actions/review", data={"csrf_token": token, "comment": XSS_TEXT})
    for page in (
        ada.get("/conversations").text,
        ada.get("/conversations/x").text,
        ada.get("/conversations/y").text,
        ada.get("/").text,
    ):
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert 'href="javascript:' not in page
    detail = ada.get("/conversations/x").text
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in detail
    assert "&lt;img src=x onerror=alert(&#39;text&#39;)&gt;" in detail


def test_the_conversation_page_tells_its_whole_history(staff: Staff) -> None:
    script = (
        Script("h")
        .at(
            0,
            "conversation.opened",
            channel_id="web-chat",
            medium="chat",
            direction="inbound",
            group_id="support",
            client={"name": "Мария"},
        )
        .message(1, "bot", text="Здравствуйте! Я бот.")
        .message(2, "client", text="Позовите человека")
        .at(3, "conversation.offered", operator_id="op-bob")
        .at(4, "conversation.declined", operator_id="op-bob")
        .at(5, "conversation.accepted", operator_id="op-bob")
        .message(8, "operator", operator_id="op-bob", text="Слушаю вас")
        .at(9, "conversation.transferred", to_group_id="sales", actor="crm-user")
        .at(10, "conversation.closing")
        .at(11, "conversation.rated", score=5)
    )
    staff.push(script)
    alice = staff.as_("ada")
    token = alice.headers["X-CSRF-Token"]
    alice.post("/conversations/h/actions/pin", data={"csrf_token": token, "operator_id": "op-bob"})
    alice.post("/conversations/h/actions/close", data={"csrf_token": token})
    alice.post("/conversations/h/actions/review", data={"csrf_token": token, "rating": "4"})
    page = alice.get("/conversations/h").text
    for line in (
        "Открыт в канале web-chat, в очереди Поддержка.",
        "Здравствуйте! Я бот.",
        "Предложен оператору Op Bob.",
        "Op Bob не принял диалог.",
        "Op Bob взял диалог в работу.",
        "Слушаю вас",
        "Переадресован в открытую линию Продажи.",
        "Режим закрытия: ожидание оценки клиента или после автоответа.",
        "Клиент поставил оценку 5 из 5.",
        "Закреплен за Op Bob.",
        "Завершен.",
        "Оценка руководителя: 4 из 5.",
    ):
        assert line in page, line
    assert page.index("Позовите человека") < page.index("Слушаю вас")
    audit = page.split("Аудит: кто что сделал", 1)[1]
    assert audit.count("<tr><td") == 4  # the transfer by crm-user and ada's three actions
    assert "crm-user" in audit and "Ada" in audit
    assert "Время работы чат-бота" in page and 'data-key="bot_time">0:04' in page
