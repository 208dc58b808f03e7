"""Reminders and deadline notices: planned in the database, delivered once by the scheduler,
in the app and by e-mail (a real SMTP server on loopback), whatever restarts in between."""

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dozor.app import create_app
from dozor.config import Settings
from dozor.tasks import notifications
from dozor.tasks.models import TaskNotification
from dozor.tasks.scheduler import Scheduler
from tests.auth.personas import csrf_token
from tests.tasks.conftest import Center
from tests.tasks.smtp import SmtpServer, free_port

HOUR = 3600


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """E-mail through the loopback server; the app's own loop idle, so that each test says when
    the scheduler runs."""
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_starttls": False,
            "task_poll_interval": 3600.0,
        }
    )


@pytest.fixture
def people(center: Center) -> Center:
    center.set_email("bob", "bob@center.example")
    center.set_email("alice", "alice@center.example")
    return center


def tick(center: Center, scheduler: Scheduler | None = None) -> int:
    return center.call((scheduler or center.state.task_scheduler).tick)


def inbox(center: Center, username: str) -> list[tuple[str, int]]:
    """The user's delivered in-app notifications: (kind, task id), oldest first."""

    async def read(session: Any) -> list[tuple[str, int]]:
        rows = await notifications.inbox(session, user_id=center.ids[username])
        return [(n.kind, task.id) for n, task in reversed(rows)]

    return center.run(read)


def _started(scheduler: Scheduler) -> Any:
    async def start() -> None:  # its loop task belongs to the app's event loop
        scheduler.start()

    return start


def give(center: Center, author: str, **fields: Any) -> int:
    answer = center.as_(author).post("/api/v1/tasks", json={"title": "Отчет", **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_a_reminder_reaches_the_assignee_in_the_app_and_by_e_mail(
    people: Center, smtp: SmtpServer
) -> None:
    task = give(people, "alice", assignee_user_id=people.ids["bob"], remind_at="2026-03-02T10:00Z")
    assert tick(people) == 0
    people.state.clock.advance(HOUR - 1)
    assert tick(people) == 0 and smtp.messages == []
    people.state.clock.advance(1)
    assert tick(people) == 2  # in the app, and by e-mail
    assert inbox(people, "bob") == [("reminder", task)]
    [message] = smtp.messages
    assert message["To"] == "bob@center.example"
    assert message["Subject"] == "Напоминание: Отчет"
    body = message.get_content()
    assert "Откройте задачу: http://127.0.0.1:8000/tasks/" in body
    assert inbox(people, "alice") == []


def test_the_badge_counts_unread_notifications_until_the_task_is_opened(people: Center) -> None:
    task = give(people, "alice", assignee_user_id=people.ids["bob"], remind_at="2026-03-02T09:30Z")
    bob = people.as_("bob")
    assert "overdue-mark" not in bob.get("/tasks/_badge").text
    people.state.clock.advance(HOUR)
    tick(people)
    assert '<span class="overdue-mark"' in bob.get("/tasks/_badge").text
    assert ">1</span>" in bob.get("/tasks/_badge").text
    page = bob.get("/tasks/notifications")
    assert "Напоминание" in page.text and f'href="/tasks/{task}"' in page.text
    assert f'hx-post="/tasks/{task}/read"' in bob.get(f"/tasks/{task}").text
    token = csrf_token(bob, f"/tasks/{task}")
    assert bob.post(f"/tasks/{task}/read", headers={"X-CSRF-Token": token}).status_code == 204
    assert "overdue-mark" not in bob.get("/tasks/_badge").text
    assert "hx-post" not in bob.get(f"/tasks/{task}").text


def test_the_deadline_warns_an_hour_before_and_tells_both_sides_when_it_passes(
    people: Center, smtp: SmtpServer
) -> None:
    task = give(
        people,
        "alice",
        assignee_user_id=people.ids["bob"],
        due_date="2026-03-02",
        due_time="15:00",  # 12:00 UTC: three hours after the start
    )
    people.state.clock.advance(2 * HOUR)
    tick(people)
    assert inbox(people, "bob") == [("due_soon", task)]
    people.state.clock.advance(HOUR)
    tick(people)
    assert inbox(people, "bob") == [("due_soon", task), ("overdue", task)]
    assert inbox(people, "alice") == [("overdue", task)]
    mails = [(str(m["To"]), str(m["Subject"])) for m in smtp.messages]
    assert mails == [
        ("bob@center.example", "Скоро срок: Отчет"),
        ("alice@center.example", "Срок истек: Отчет"),
        ("bob@center.example", "Срок истек: Отчет"),
    ]


def test_a_task_done_in_time_notifies_nobody(people: Center) -> None:
    task = give(
        people,
        "alice",
        assignee_user_id=people.ids["bob"],
        due_date="2026-03-02",
        due_time="15:00",
        remind_at="2026-03-02T10:00Z",
    )
    people.as_("bob").patch(f"/api/v1/tasks/{task}", json={"status": "done"})
    people.state.clock.advance(10 * HOUR)
    assert tick(people) == 0
    assert inbox(people, "bob") == [] and inbox(people, "alice") == []


def test_a_group_task_reminds_every_member(people: Center) -> None:
    task = give(people, "ada", assignee_group_id="support", remind_at="2026-03-02T09:00Z")
    tick(people)
    for name in ("alice", "bob", "carol"):
        assert inbox(people, name) == [("reminder", task)], name
    assert inbox(people, "charlie") == []


def test_the_e_mail_speaks_the_recipients_language(people: Center, smtp: SmtpServer) -> None:
    people.user("eve", "operator", email="eve@center.example", language="en")
    task = give(
        people,
        "alice",
        assignee_user_id=people.ids["eve"],
        remind_at="2026-03-02T09:00Z",
        due_date="2026-03-06",
        priority="high",
        description="Send the monthly report to the clinic's head.",
    )
    tick(people)
    [message] = smtp.messages
    assert message["Subject"] == "Reminder: Отчет"
    body = message.get_content().replace("\r\n", "\n")
    assert "Deadline: 2026-03-06\n" in body
    assert "Priority: High\n" in body
    assert "Send the monthly report to the clinic's head." in body
    assert f"Open the task: http://127.0.0.1:8000/tasks/{task}\n" in body


def test_without_an_address_the_notification_stays_in_the_app(
    people: Center, smtp: SmtpServer
) -> None:
    task = give(
        people, "alice", assignee_user_id=people.ids["carol"], remind_at="2026-03-02T09:00Z"
    )
    tick(people)
    assert inbox(people, "carol") == [("reminder", task)]
    assert smtp.messages == []
    assert tick(people) == 0


# -- never twice -----------------------------------------------------------------------------


def test_a_reminder_is_never_sent_twice_across_a_restart_of_the_scheduler(
    people: Center, smtp: SmtpServer
) -> None:
    give(people, "alice", assignee_user_id=people.ids["bob"], remind_at="2026-03-02T10:00Z")
    people.state.clock.advance(HOUR)
    assert tick(people) == 2
    people.call(people.state.task_scheduler.stop)
    state = people.state
    restarted = Scheduler(state.sessions, state.write_sessions, state.clock, state.settings)
    people.call(_started(restarted))
    try:
        people.state.clock.advance(HOUR)
        assert tick(people, restarted) == 0
    finally:
        people.call(restarted.stop)
    assert len(smtp.messages) == 1
    assert len(inbox(people, "bob")) == 1


def test_two_schedulers_at_once_deliver_each_notification_once(
    people: Center, smtp: SmtpServer
) -> None:
    for minute in range(5):
        give(
            people,
            "alice",
            assignee_group_id="support",
            remind_at=f"2026-03-02T09:{minute:02d}Z",
        )
    people.set_email("carol", "carol@center.example")
    people.state.clock.advance(300)
    state = people.state
    twins = [
        Scheduler(state.sessions, state.write_sessions, state.clock, state.settings)
        for _ in range(2)
    ]

    async def both() -> list[int]:
        return list(await asyncio.gather(*(s.tick() for s in twins)))

    delivered = people.call(both)
    # 5 tasks × 3 members in the app, and e-mail to the 3 members with an address
    assert sum(delivered) == 5 * 3 + 5 * 3
    assert len(smtp.messages) == 15
    assert (
        sorted(to for _, tos in smtp.mailbox.envelopes for to in tos).count("bob@center.example")
        == 5
    )
    for name in ("alice", "bob", "carol"):
        assert len(inbox(people, name)) == 5


def test_a_claim_left_by_a_dead_node_is_taken_over_only_after_its_lease(
    people: Center, smtp: SmtpServer
) -> None:
    give(people, "alice", assignee_user_id=people.ids["bob"], remind_at="2026-03-02T09:00Z")
    now = people.state.clock.now()

    async def claim_all(session: Any) -> int:
        ids = await notifications.due(session, now=now)
        return sum([await notifications.claim(session, notification_id=i, now=now) for i in ids])

    assert people.run(claim_all) == 2  # a node took both, then died before delivering
    assert people.run(claim_all) == 0  # nobody else can take them
    assert tick(people) == 0
    people.state.clock.advance(notifications.LEASE.total_seconds())
    assert tick(people) == 2
    assert tick(people) == 0
    assert len(smtp.messages) == 1 and len(inbox(people, "bob")) == 1


def test_editing_a_task_does_not_repeat_what_was_sent(people: Center, smtp: SmtpServer) -> None:
    task = give(people, "alice", assignee_user_id=people.ids["bob"], remind_at="2026-03-02T09:00Z")
    tick(people)
    alice = people.as_("alice")
    alice.patch(f"/api/v1/tasks/{task}", json={"title": "Отчет за март"})
    alice.post(f"/api/v1/tasks/{task}/comments", json={"text": "Жду", "status": "in_progress"})
    assert tick(people) == 0
    alice.patch(f"/api/v1/tasks/{task}", json={"remind_at": "2026-03-02T10:00:00Z"})
    people.state.clock.advance(HOUR)
    assert tick(people) == 2  # a new reminder time is a new reminder
    assert [m["Subject"] for m in smtp.messages] == [
        "Напоминание: Отчет",
        "Напоминание: Отчет за март",
    ]


def test_a_failed_e_mail_is_tried_again_and_then_given_up(people: Center) -> None:
    people.state.settings.smtp_port = free_port()  # nobody listens
    task = give(people, "alice", assignee_user_id=people.ids["bob"], remind_at="2026-03-02T09:00Z")
    assert tick(people) == 1  # the app's; the e-mail failed
    assert inbox(people, "bob") == [("reminder", task)]
    for _ in range(notifications.MAX_ATTEMPTS - 1):
        assert tick(people) == 0  # its claim holds until the lease runs out
        people.state.clock.advance(notifications.LEASE.total_seconds())
        assert tick(people) == 0

    async def email_row(session: Any) -> TaskNotification:
        statement = select(TaskNotification).where(TaskNotification.channel == "email")
        return (await session.scalars(statement)).one()

    row = people.run(email_row)
    assert row.attempts == notifications.MAX_ATTEMPTS
    assert row.sent_at is not None and "127.0.0.1" in (row.error or "")
    people.state.clock.advance(notifications.LEASE.total_seconds())
    assert tick(people) == 0


def test_the_apps_own_loop_delivers_and_a_restarted_app_does_not_repeat(
    people: Center, smtp: SmtpServer
) -> None:
    """The scheduler started by the app's startup hook, driven by the app's clock; then the
    whole app is stopped and started again on the same database."""
    give(people, "alice", assignee_user_id=people.ids["bob"], remind_at="2026-03-02T09:30Z")
    settings = people.state.settings.model_copy(update={"task_poll_interval": 0.05})
    clock = people.state.clock
    clock.advance(HOUR)
    for _ in range(2):  # the first app delivers, the second one finds nothing left to do
        with TestClient(create_app(settings, clock=clock)) as client:
            _wait_for(lambda: len(smtp.messages) == 1)
            time.sleep(0.3)  # a few more rounds of the loop
            assert client.app.state.task_scheduler is not None  # type: ignore[attr-defined]
    assert len(smtp.messages) == 1
    assert len(inbox(people, "bob")) == 1


def _wait_for(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not delivered in time"
        time.sleep(0.02)


def test_moving_a_deadline_replaces_the_notices_not_yet_sent(people: Center) -> None:
    task = give(
        people, "alice", assignee_user_id=people.ids["bob"], due_date="2026-03-02", due_time="13:00"
    )

    async def owed(session: Any) -> list[tuple[str, str]]:
        statement = select(TaskNotification).where(TaskNotification.channel == "app")
        rows = (await session.scalars(statement.order_by(TaskNotification.due_at))).all()
        return [(row.kind, row.due_at.isoformat()) for row in rows]

    assert people.run(owed) == [
        ("due_soon", "2026-03-02T09:00:00+00:00"),
        ("overdue", "2026-03-02T10:00:00+00:00"),
        ("overdue", "2026-03-02T10:00:00+00:00"),  # the author's
    ]
    people.as_("alice").patch(f"/api/v1/tasks/{task}", json={"due_time": "18:00"})
    assert people.run(owed) == [
        ("due_soon", "2026-03-02T14:00:00+00:00"),
        ("overdue", "2026-03-02T15:00:00+00:00"),
        ("overdue", "2026-03-02T15:00:00+00:00"),
    ]
