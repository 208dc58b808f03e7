"""The HTML pages: lists, the form (CSRF, errors, prefill from the console), a task's page with
its history, in Russian and English."""

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.auth.personas import csrf_token
from tests.tasks.conftest import Center


def form(client: TestClient, path: str, action: str | None = None, **fields: str) -> Any:
    """Post the form of page ``path`` (to ``action``, else the page itself) as a browser would:
    with the token read from the page."""
    data = {"csrf_token": csrf_token(client, path), **fields}
    return client.post(action or path, data=data, follow_redirects=False)


def create(client: TestClient, **fields: str) -> int:
    answer = form(client, "/tasks/new", **{"title": "Задача", "kind": "assignment", **fields})
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def row(html: str, task_id: int) -> str:
    match = re.search(rf'<tr[^>]*>\s*<td class="number">{task_id}</td>.*?</tr>', html, re.S)
    assert match, f"no row of task {task_id}"
    return match.group(0)


def test_every_page_links_to_the_tasks(center: Center) -> None:
    page = center.as_("bob").get("/")
    assert '<a href="/tasks">Задачи</a>' in page.text
    assert 'hx-get="/tasks/_badge"' in page.text


def test_an_operator_has_his_lists_and_a_supervisor_also_all_of_her_scope(center: Center) -> None:
    bob = center.as_("bob").get("/tasks")
    assert bob.status_code == 200
    assert "Мои задачи" in bob.text and "Поставленные мной" in bob.text
    assert "Все задачи" not in bob.text
    assert "Все задачи" in center.as_("alice").get("/tasks").text
    # an operator asking for all gets his own list
    assert 'class="current">Мои задачи' in center.as_("bob").get("/tasks?view=all").text


def test_a_task_is_created_through_the_form(center: Center) -> None:
    alice = center.as_("alice")
    task = create(
        alice,
        title="Поменять оборудование раб.стол №1",
        priority="normal",
        due_date="2026-03-09",
        due_time="",
        remind_at="2026-03-09T09:00",
        assignee=f"user:{center.ids['bob']}",
        description="Требуются новые наушники и мышь.",
        attachments="https://shop.example.com/headset\n\nhttps://shop.example.com/mouse",
    )
    page = center.as_("bob").get(f"/tasks/{task}")
    assert page.status_code == 200
    for text in (
        "Поменять оборудование раб.стол №1",
        "Нормальный",
        "09.03.2026",
        "Требуются новые наушники и мышь.",
        "09.03.2026 09:00:00",  # the reminder, on the center's clock
        'href="https://shop.example.com/mouse"',
        "Поручение",
        "Alice",
    ):
        assert text in page.text, text
    api = center.as_("bob").get(f"/api/v1/tasks/{task}").json()
    assert api["remind_at"] == "2026-03-09T06:00:00Z"
    assert api["attachments"] == [
        "https://shop.example.com/headset",
        "https://shop.example.com/mouse",
    ]


def test_a_form_without_the_token_is_refused_and_stores_nothing(center: Center) -> None:
    alice = center.as_("alice")
    data = {"title": "Подделка", "assignee": f"user:{center.ids['bob']}"}
    no_header = {"X-CSRF-Token": ""}  # the clients send it, as htmx does
    answer = alice.post("/tasks/new", data=data, headers=no_header, follow_redirects=False)
    assert answer.status_code == 403
    assert alice.get("/api/v1/tasks").json() == []


def test_a_bad_form_comes_back_with_the_reason_and_what_was_typed(center: Center) -> None:
    answer = form(center.as_("alice"), "/tasks/new", title="Отчет за март", assignee="")
    assert answer.status_code == 422
    assert "Назначьте задачу одному пользователю или одной группе." in answer.text
    assert 'value="Отчет за март"' in answer.text
    answer = form(
        center.as_("alice"),
        "/tasks/new",
        title="Отчет",
        assignee="group:support",
        attachments="javascript:alert(1)",
    )
    assert "Не веб-адрес: javascript:alert(1)" in answer.text


def test_the_console_prefills_what_the_task_is_about(center: Center) -> None:
    opened = {
        "id": "e1",
        "type": "conversation.opened",
        "ts": "2026-03-02T09:00:00Z",
        "conversation_id": "c1",
        "channel_id": "web",
        "medium": "chat",
        "direction": "inbound",
        "client": {"name": "Анна"},
    }
    assert center.token().post("/api/v1/events", json=[opened]).status_code == 200
    alice = center.as_("alice")
    page = alice.get("/tasks/new?conversation=c1").text
    assert '<option value="conversation" selected>' in page
    assert 'name="link_id" value="c1"' in page
    assert "№ 1 · Анна" in page
    assert '<option value="operator" selected>' in alice.get("/tasks/new?operator=op-bob").text
    assert "Support" in alice.get("/tasks/new?group=support").text
    task = create(alice, assignee="group:support", link_type="conversation", link_id="c1")
    assert "Диалог c1 (№ 1 · Анна)" in alice.get(f"/tasks/{task}").text
    listed = alice.get(
        "/tasks", params={"view": "all", "link_type": "conversation", "link_id": "c1"}
    )
    assert row(listed.text, task)


def test_an_overdue_task_is_marked_red(center: Center) -> None:
    alice = center.as_("alice")
    late = create(
        alice, assignee=f"user:{center.ids['bob']}", due_date="2026-03-02", due_time="12:30"
    )
    later = create(alice, assignee=f"user:{center.ids['bob']}", due_date="2026-03-10")
    center.state.clock.advance(3600)
    page = center.as_("bob").get("/tasks").text
    assert row(page, late).startswith('<tr class="overdue">')
    assert "просрочена" in row(page, late)
    assert "просрочена" not in row(page, later)
    assert "task-panel overdue" in center.as_("bob").get(f"/tasks/{late}").text
    only_late = center.as_("bob").get("/tasks", params={"deadline": "overdue"}).text
    assert f">{later}</td>" not in only_late and row(only_late, late)


def test_both_sides_comment_and_the_assignee_moves_the_status(center: Center) -> None:
    task = create(center.as_("alice"), assignee=f"user:{center.ids['bob']}")
    bob = center.as_("bob")
    path, action = f"/tasks/{task}", f"/tasks/{task}/comments"
    answer = form(
        bob, path, action, text="Отчет не может быть отправлен вовремя", status="in_progress"
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/tasks/{task}#history"
    form(center.as_("alice"), path, action, text="Жду к пятнице", status="in_progress")
    page = center.as_("alice").get(path).text
    history = page[page.index('id="history"') :]
    assert "Статус: Новая → В работе" in history
    assert history.index("Отчет не может быть отправлен вовремя") < history.index("Жду к пятнице")
    assert history.count("Статус:") == 1  # the second comment left the status as it was
    assert '<dd id="task-status">В работе</dd>' in page


def test_only_the_author_side_edits_a_task(center: Center) -> None:
    task = create(center.as_("carol"), title="Старое", assignee=f"user:{center.ids['bob']}")
    assert center.as_("bob").get(f"/tasks/{task}/edit").status_code == 403
    assert "Изменить" not in center.as_("bob").get(f"/tasks/{task}").text
    alice = center.as_("alice")
    page = alice.get(f"/tasks/{task}/edit").text
    assert 'value="Старое"' in page and f'value="user:{center.ids["bob"]}" selected' in page
    answer = form(
        alice,
        f"/tasks/{task}/edit",
        title="Новое",
        kind="assignment",
        priority="critical",
        assignee="group:support",
    )
    assert answer.status_code == 303
    page = alice.get(f"/tasks/{task}").text
    assert "Новое" in page and "Критический" in page and "Группа: Support" in page


def test_outsiders_do_not_see_a_task(center: Center) -> None:
    task = create(center.as_("alice"), assignee=f"user:{center.ids['bob']}")
    assert center.as_("charlie").get(f"/tasks/{task}").status_code == 404
    comment = form(center.as_("charlie"), "/tasks", f"/tasks/{task}/comments", text="?")
    assert comment.status_code == 404
    assert f">{task}</td>" not in center.as_("sam").get("/tasks?view=all").text
    answer = center.anonymous().get(f"/tasks/{task}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")


def test_what_people_type_is_shown_as_text(center: Center) -> None:
    task = create(
        center.as_("alice"),
        title="<script>alert(1)</script>",
        assignee=f"user:{center.ids['bob']}",
        description="<b>жирный</b>",
    )
    page = center.as_("bob").get(f"/tasks/{task}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;жирный&lt;/b&gt;" in page


def test_the_pages_speak_english_too(center: Center) -> None:
    alice = center.as_("alice")
    task = create(
        alice, assignee=f"user:{center.ids['bob']}", due_date="2026-03-09", priority="high"
    )
    page = alice.get("/tasks?lang=en").text
    assert "My tasks" in page and "Tasks I gave" in page and "All tasks" in page
    detail = alice.get(f"/tasks/{task}").text
    assert "Not started" in detail and "High" in detail and "2026-03-09" in detail
    assert "Comments and history" in detail
