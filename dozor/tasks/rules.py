"""Pure rules of tasks: deadlines, overdue, who may see and change a task, what to notify when.

Nothing here reads the database or the clock: the moment ``now`` and the viewer's groups are
handed in, so each rule is tested on its own.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from dozor.lib.labels import N_

STATUSES = ("new", "in_progress", "done", "cancelled")
OPEN = ("new", "in_progress")
PRIORITIES = ("low", "normal", "high", "critical")
LINK_TYPES = ("conversation", "operator", "group")
DEADLINES = ("overdue", "today", "week")
NOTIFICATION_KINDS = ("reminder", "due_soon", "overdue")
DEFAULT_KIND = "assignment"

# English msgids, translated where they are shown
LABELS: dict[str, dict[str, str]] = {
    "status": {
        "new": N_("Not started"),  # "New" is taken by conversations: «Новые»
        "in_progress": N_("In progress"),
        "done": N_("Done"),
        "cancelled": N_("Cancelled"),
    },
    "priority": {
        "low": N_("Low"),
        "normal": N_("Normal"),
        "high": N_("High"),
        "critical": N_("Critical"),
    },
    "kind": {"assignment": N_("Assignment")},
    "link": {
        "conversation": N_("Conversation"),
        "operator": N_("Operator"),
        "group": N_("Group"),
    },
    "deadline": {
        "overdue": N_("Past the deadline"),
        "today": N_("Due today"),
        "week": N_("Due this week"),
    },
    "notification": {
        "reminder": N_("Reminder"),
        "due_soon": N_("Deadline is near"),
        "overdue": N_("Deadline passed"),
    },
}


class TaskLike(Protocol):
    status: str
    due_at: datetime | None
    remind_at: datetime | None
    author_id: int | None
    assignee_user_id: int | None
    assignee_group_id: str | None


# -- deadlines -------------------------------------------------------------------------------


def due_at(due_date: date | None, due_time: time | None, zone: ZoneInfo) -> datetime | None:
    """The moment a deadline passes: the given time of the day, or the end of the day (the
    next midnight) when only a date is set; both on the center's clock."""
    if due_date is None:
        return None
    if due_time is None:
        return datetime.combine(due_date + timedelta(days=1), time(0), zone)
    return datetime.combine(due_date, due_time, zone)


def is_overdue(task: TaskLike, now: datetime) -> bool:
    """Still open at or after its deadline."""
    return task.status in OPEN and task.due_at is not None and now >= task.due_at


def deadline_window(name: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The deadlines ``today`` or this ``week`` (Monday to Sunday) cover, on the center's
    clock: a half-open range of moments. A date-only deadline of the last day falls on the
    range's end, so the end is inclusive where it is used (``due_at <= end``)."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=today.weekday()) if name == "week" else today
    days = 7 if name == "week" else 1
    start = datetime.combine(first, time(0), zone)
    return start, datetime.combine(first + timedelta(days=days), time(0), zone)


# -- notifications ---------------------------------------------------------------------------


def planned_notifications(
    task: TaskLike, *, due_soon: timedelta, now: datetime
) -> list[tuple[str, datetime]]:
    """What an open task owes its assignee: ``(kind, when)``.

    1. The reminder, at the time set on the task.
    2. "The deadline is near", ``due_soon`` before it, unless already past its deadline or the
       warning is off (zero).
    3. "The deadline has passed", at the deadline.
    A closed task owes nothing. Times already past are due at once.
    """
    if task.status not in OPEN:
        return []
    planned = []
    if task.remind_at is not None:
        planned.append(("reminder", task.remind_at))
    if task.due_at is not None:
        if due_soon > timedelta(0) and now < task.due_at:
            planned.append(("due_soon", task.due_at - due_soon))
        planned.append(("overdue", task.due_at))
    return planned


def recipients(kind: str, task: TaskLike, assignees: set[int]) -> set[int]:
    """Who a notification goes to: the assignees; a passed deadline, the author too."""
    who = set(assignees)
    if kind == "overdue" and task.author_id is not None:
        who.add(task.author_id)
    return who


# -- who may do what -------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Whoever asks: a user with their groups, or an integration's token (``user_id`` None,
    acting as an admin). A supervisor's ``scope_users`` are the users of their groups."""

    user_id: int | None
    role: str
    groups: frozenset[str] = frozenset()
    scope_users: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def can_see(viewer: Viewer, task: TaskLike) -> bool:
    """Admins see all; anyone the tasks they wrote or that are theirs or their group's; a
    supervisor also those given to or by the users of their groups."""
    if viewer.is_admin or is_party(viewer, task):
        return True
    return viewer.role == "supervisor" and bool(
        {task.assignee_user_id, task.author_id} & viewer.scope_users
    )


def is_party(viewer: Viewer, task: TaskLike) -> bool:
    """The author, the assignee or a member of the assigned group."""
    if viewer.user_id is not None and viewer.user_id in (task.author_id, task.assignee_user_id):
        return True
    return task.assignee_group_id is not None and task.assignee_group_id in viewer.groups


def can_edit(viewer: Viewer, task: TaskLike) -> bool:
    """Change what the task asks, of whom, by when: its author, an admin, or a supervisor who
    sees it. The assignee moves it through statuses and comments (``can_see``)."""
    if viewer.is_admin:
        return True
    if viewer.user_id is not None and viewer.user_id == task.author_id:
        return True
    return viewer.role == "supervisor" and can_see(viewer, task)


def can_see_all(viewer: Viewer) -> bool:
    """Whether the "all tasks" list (of their scope) is offered."""
    return viewer.role in ("admin", "supervisor")


def is_web_link(url: str) -> bool:
    """An attachment is an http(s) address: anything else (``javascript:``) is refused."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in url
