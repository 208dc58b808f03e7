"""The pure rules: deadlines on the center's clock, overdue, what is owed when, who may do what."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dozor.tasks import rules
from dozor.tasks.rules import Viewer

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 12:00 in Moscow
HOUR = timedelta(hours=1)


@dataclass
class T:
    status: str = "new"
    due_at: datetime | None = None
    remind_at: datetime | None = None
    author_id: int | None = 1
    assignee_user_id: int | None = 2
    assignee_group_id: str | None = None


def test_a_deadline_with_a_time_is_that_moment_on_the_centers_clock() -> None:
    assert rules.due_at(date(2026, 3, 2), time(18, 0), MOSCOW) == datetime(
        2026, 3, 2, 15, 0, tzinfo=UTC
    )


def test_a_deadline_without_a_time_ends_with_its_day() -> None:
    assert rules.due_at(date(2026, 3, 2), None, MOSCOW) == datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
    assert rules.due_at(None, None, MOSCOW) is None


def test_an_open_task_is_overdue_from_its_deadline_on() -> None:
    assert not rules.is_overdue(T(due_at=NOW + HOUR), NOW)
    assert rules.is_overdue(T(due_at=NOW), NOW)
    assert rules.is_overdue(T(status="in_progress", due_at=NOW - HOUR), NOW)


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_a_closed_task_is_never_overdue(status: str) -> None:
    assert not rules.is_overdue(T(status=status, due_at=NOW - HOUR), NOW)


def test_a_task_without_a_deadline_is_never_overdue() -> None:
    assert not rules.is_overdue(T(), NOW + timedelta(days=999))


def test_today_and_this_week_are_the_centers_days() -> None:
    start, end = rules.deadline_window("today", NOW, MOSCOW)
    assert (start, end) == (
        datetime(2026, 3, 1, 21, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 21, 0, tzinfo=UTC),
    )
    sunday_night = datetime(2026, 3, 8, 20, 0, tzinfo=UTC)  # 23:00 Sunday in Moscow
    start, end = rules.deadline_window("week", sunday_night, MOSCOW)
    assert start == datetime(2026, 3, 1, 21, 0, tzinfo=UTC)  # Monday 00:00
    assert end == start + timedelta(days=7)


def test_an_open_task_owes_a_reminder_a_warning_and_an_overdue_notice() -> None:
    task = T(remind_at=NOW + HOUR, due_at=NOW + 5 * HOUR)
    assert rules.planned_notifications(task, due_soon=HOUR, now=NOW) == [
        ("reminder", NOW + HOUR),
        ("due_soon", NOW + 4 * HOUR),
        ("overdue", NOW + 5 * HOUR),
    ]


def test_no_warning_when_it_is_off_or_the_deadline_has_passed() -> None:
    task = T(due_at=NOW + 5 * HOUR)
    assert rules.planned_notifications(task, due_soon=timedelta(0), now=NOW) == [
        ("overdue", NOW + 5 * HOUR)
    ]
    late = T(due_at=NOW - HOUR)
    assert rules.planned_notifications(late, due_soon=HOUR, now=NOW) == [("overdue", NOW - HOUR)]


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_a_closed_task_owes_nothing(status: str) -> None:
    task = T(status=status, remind_at=NOW + HOUR, due_at=NOW + 5 * HOUR)
    assert rules.planned_notifications(task, due_soon=HOUR, now=NOW) == []


def test_a_passed_deadline_is_told_to_the_author_too() -> None:
    task = T(author_id=1)
    assert rules.recipients("overdue", task, {2, 3}) == {1, 2, 3}
    assert rules.recipients("reminder", task, {2, 3}) == {2, 3}
    assert rules.recipients("overdue", T(author_id=None), {2}) == {2}


ADMIN = Viewer(user_id=9, role="admin")
TOKEN = Viewer(user_id=None, role="admin")
AUTHOR = Viewer(user_id=1, role="operator")
ASSIGNEE = Viewer(user_id=2, role="operator")
MEMBER = Viewer(user_id=5, role="operator", groups=frozenset({"support"}))
SUPERVISOR = Viewer(
    user_id=7, role="supervisor", groups=frozenset({"support"}), scope_users=frozenset({2, 5})
)
OTHER_SUPERVISOR = Viewer(
    user_id=8, role="supervisor", groups=frozenset({"sales"}), scope_users=frozenset({6})
)
OUTSIDER = Viewer(user_id=6, role="operator", groups=frozenset({"sales"}))


@pytest.mark.parametrize(
    ("viewer", "sees", "edits"),
    [
        (ADMIN, True, True),
        (TOKEN, True, True),
        (AUTHOR, True, True),
        (ASSIGNEE, True, False),
        (SUPERVISOR, True, True),
        (OTHER_SUPERVISOR, False, False),
        (OUTSIDER, False, False),
    ],
    ids=["admin", "token", "author", "assignee", "supervisor", "other-supervisor", "outsider"],
)
def test_who_sees_and_edits_a_task_given_to_a_user(viewer: Viewer, sees: bool, edits: bool) -> None:
    task = T(author_id=1, assignee_user_id=2)
    assert rules.can_see(viewer, task) is sees
    assert rules.can_edit(viewer, task) is edits


def test_a_task_given_to_a_group_is_seen_by_its_members_and_supervisors() -> None:
    task = T(author_id=1, assignee_user_id=None, assignee_group_id="support")
    assert rules.can_see(MEMBER, task)
    assert not rules.can_edit(MEMBER, task)
    assert rules.can_see(SUPERVISOR, task) and rules.can_edit(SUPERVISOR, task)
    assert not rules.can_see(OUTSIDER, task)


def test_a_supervisor_sees_tasks_written_by_the_users_of_their_groups() -> None:
    task = T(author_id=5, assignee_user_id=42)
    assert rules.can_see(SUPERVISOR, task)
    assert not rules.can_see(OTHER_SUPERVISOR, task)


def test_only_admins_and_supervisors_get_the_list_of_all() -> None:
    assert rules.can_see_all(ADMIN) and rules.can_see_all(SUPERVISOR)
    assert not rules.can_see_all(ASSIGNEE)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://disk.example.com/report.xlsx", True),
        ("http://intranet/a b", False),
        ("javascript:alert(1)", False),
        ("ftp://files.example.com/x", False),
        ("//evil.example", False),
        ("https://", False),
    ],
)
def test_attachments_are_web_addresses(url: str, ok: bool) -> None:
    assert rules.is_web_link(url) is ok
