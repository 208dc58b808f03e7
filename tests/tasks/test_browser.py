"""In a real browser: a supervisor gives a task, both sides comment, the operator moves it into
work, and the reminder reaches him in the app when the clock gets there."""

import time
from typing import Any

from playwright.sync_api import Browser, Page, expect

from dozor.auth import service as auth_service
from dozor.auth.models import User, UserGroup
from dozor.directory.models import Group
from dozor.operators.models import Operator, OperatorGroup
from dozor.tasks import notifications
from tests.auth.personas import PASSWORD
from tests.browser import LiveServer


def _people(live: LiveServer) -> dict[str, int]:
    """alice supervises the support group, where bob is an operator."""

    async def create(session: Any) -> dict[str, int]:
        session.add_all(
            [Group(id="support", name="Поддержка"), Operator(id="op-bob", name="Борис")]
        )
        await session.flush()
        session.add(OperatorGroup(operator_id="op-bob", group_id="support"))
        ids = {}
        for username, role, name in (
            ("alice", "supervisor", "Алиса Смирнова"),
            ("bob", "operator", "Борис Петров"),
        ):
            user = await auth_service.create_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                name=name,
                clock=live.clock,
            )
            ids[username] = user.id
        session.add(UserGroup(user_id=ids["alice"], group_id="support"))
        (await session.get(User, ids["bob"])).operator_id = "op-bob"
        return ids

    return live.run(create)


def _wait_for_delivery(live: LiveServer, user_id: int) -> None:
    """Until the app's scheduler (polling every 0.1 s) has delivered a notification to the user."""

    async def unread(session: Any) -> int:
        return await notifications.unread(session, user_id=user_id)

    deadline = time.monotonic() + 10
    while not live.run(unread):
        assert time.monotonic() < deadline, "the reminder was not delivered"
        time.sleep(0.05)


def _log_in(page: Page, live: LiveServer, username: str) -> None:
    page.goto(f"{live.url}/login")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()


def test_a_task_from_creation_to_the_reminder(
    live_server: LiveServer,
    browser: Browser,
    page: Page,
) -> None:
    live = live_server
    ids = _people(live)

    # alice gives bob the equipment task of seed 002, with a reminder at 12:30 (09:30 UTC)
    _log_in(page, live, "alice")
    page.get_by_role("link", name="Задачи", exact=True).click()
    page.get_by_role("link", name="Новая задача").click()
    page.get_by_label("Название").fill("Поменять оборудование раб.стол №1")
    page.get_by_label("Назначено").select_option(label="Борис Петров")
    page.get_by_label("Срок: день").fill("2026-03-09")
    page.get_by_label("Напомнить").fill("2026-03-02T12:30")
    page.get_by_label("Описание").fill("Требуются новые наушники и мышь.")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("heading", name="Поменять оборудование раб.стол №1")).to_be_visible()
    task_url = page.url
    page.get_by_label("Комментарий").fill("Наушники на складе")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#history")).to_contain_text("Наушники на складе")

    # bob finds it among his tasks and takes it into work, saying why it will take time
    context = browser.new_context(locale="ru-RU")
    context.set_default_timeout(10_000)
    bob = context.new_page()
    _log_in(bob, live, "bob")
    bob.goto(f"{live.url}/tasks")
    bob.get_by_role("link", name="Поменять оборудование раб.стол №1").click()
    bob.get_by_label("Комментарий").fill("Мышь привезут завтра")
    bob.get_by_label("Статус").select_option(label="В работе")
    bob.get_by_role("button", name="Сохранить").click()
    expect(bob.locator("#history")).to_contain_text("Статус: Новая → В работе")
    expect(bob.locator("#task-status")).to_have_text("В работе")
    expect(bob.locator("#task-badge .overdue-mark")).to_have_count(0)

    # alice sees the answer on her side
    page.goto(task_url)
    expect(page.locator("#history")).to_contain_text("Мышь привезут завтра")

    # 12:30 in Moscow: the scheduler delivers the reminder; bob's badge counts it
    live.clock.advance(3600)  # type: ignore[attr-defined]
    _wait_for_delivery(live, ids["bob"])
    bob.goto(f"{live.url}/tasks")
    expect(bob.locator("#task-badge .overdue-mark")).to_have_text("1", timeout=10_000)
    bob.locator("#task-badge").click()
    expect(bob.get_by_role("heading", name="Уведомления")).to_be_visible()
    expect(bob.locator("table.notifications")).to_contain_text("Напоминание")
    bob.get_by_role("link", name="Поменять оборудование раб.стол №1").click()
    # opening the task reads its notification: the badge empties on the next page
    bob.wait_for_load_state("networkidle")
    bob.goto(f"{live.url}/tasks")
    bob.wait_for_load_state("networkidle")
    expect(bob.locator("#task-badge .overdue-mark")).to_have_count(0)
    context.close()
