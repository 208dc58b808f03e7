"""Tasks in the database: create, change, comment, list. Every change re-plans the task's
notifications. The caller owns the transaction: nothing here commits."""

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.auth.models import User
from dozor.config import Settings
from dozor.conversations.models import Conversation
from dozor.directory.models import Group
from dozor.lib.labels import N_
from dozor.operators.models import Operator
from dozor.tasks import access, notifications, rules
from dozor.tasks.models import Task, TaskComment, TaskKind
from dozor.tasks.rules import Viewer

MAX_ATTACHMENTS = 20
_LINKED = {
    "conversation": (Conversation.id, N_("No conversation %(id)s.")),
    "operator": (Operator.id, N_("No operator %(id)s.")),
    "group": (Group.id, N_("No group %(id)s.")),
}


class TaskError(ValueError):
    """A task that cannot be saved: ``message`` is an English msgid, ``params`` fill it."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


@dataclass
class Fields:
    """What the author of a task says (the status moves apart, with its history)."""

    title: str
    kind_id: str = rules.DEFAULT_KIND
    priority: str = "normal"
    due_date: date | None = None
    due_time: time | None = None
    remind_at: datetime | None = None
    assignee_user_id: int | None = None
    assignee_group_id: str | None = None
    description: str = ""
    attachments: list[str] = field(default_factory=list)
    link_type: str | None = None
    link_id: str | None = None


FIELD_NAMES = tuple(f.name for f in fields(Fields))


@dataclass(frozen=True)
class Planning:
    """What turns a deadline into moments and notifications: from the settings."""

    zone: ZoneInfo
    due_soon: timedelta

    @classmethod
    def of(cls, settings: Settings) -> "Planning":
        return cls(ZoneInfo(settings.timezone), timedelta(seconds=settings.task_due_soon))


@dataclass
class Filters:
    view: str = "all"  # mine / given / all (what the viewer may see)
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    assignee_user_id: int | None = None
    assignee_group_id: str | None = None
    author_id: int | None = None
    deadline: str | None = None  # overdue / today / week
    link_type: str | None = None
    link_id: str | None = None
    sort: str = "deadline"  # deadline / priority / created
    limit: int = 200
    offset: int = 0


async def kinds(session: AsyncSession) -> list[TaskKind]:
    return list(await session.scalars(select(TaskKind).order_by(TaskKind.id)))


async def create_kind(session: AsyncSession, *, kind_id: str, name: str) -> bool:
    """Add a kind; False when the id is taken."""
    if await session.get(TaskKind, kind_id) is not None:
        return False
    session.add(TaskKind(id=kind_id, name=name))
    await session.flush()
    return True


async def create(
    session: AsyncSession,
    *,
    values: Fields,
    author_id: int | None,
    status: str = "new",
    planning: Planning,
    now: datetime,
) -> Task:
    await _check(session, values)
    _check_status(status)
    task = Task(status=status, author_id=author_id, created_at=now, updated_at=now)
    _assign(task, values, planning.zone)
    session.add(task)
    await session.flush()
    await notifications.plan(session, task=task, now=now, due_soon=planning.due_soon)
    return task


async def update(
    session: AsyncSession, *, task: Task, changes: dict[str, Any], planning: Planning, now: datetime
) -> Task:
    """Change some of the author's fields (``changes`` holds only those given)."""
    values = replace(_fields_of(task), **changes)
    await _check(session, values)
    _assign(task, values, planning.zone)
    task.updated_at = now
    await session.flush()
    await notifications.plan(session, task=task, now=now, due_soon=planning.due_soon)
    return task


async def comment(
    session: AsyncSession,
    *,
    task: Task,
    author_id: int | None,
    text: str,
    status: str | None = None,
    planning: Planning,
    now: datetime,
) -> TaskComment | None:
    """A comment, a change of status, or both in one entry of the history. Nothing is
    recorded when there is neither words nor a new status."""
    text = text.strip()
    if "\x00" in text:
        raise TaskError(N_("The text holds a NUL character."))
    if status is not None:
        _check_status(status)
    moves = status is not None and status != task.status
    if not text and not moves:
        return None
    entry = TaskComment(task_id=task.id, author_id=author_id, created_at=now, text=text)
    if moves:
        entry.status_from, entry.status_to = task.status, status
        task.status = status  # type: ignore[assignment]
    task.updated_at = now
    session.add(entry)
    await session.flush()
    if moves:
        await notifications.plan(session, task=task, now=now, due_soon=planning.due_soon)
    return entry


async def get(session: AsyncSession, *, viewer: Viewer, task_id: int) -> Task | None:
    """The task, when the viewer may see it."""
    return await session.scalar(select(Task).where(Task.id == task_id, access.visible(viewer)))


async def history(session: AsyncSession, *, task_id: int) -> list[TaskComment]:
    statement = select(TaskComment).where(TaskComment.task_id == task_id).order_by(TaskComment.id)
    return list(await session.scalars(statement))


async def listing(
    session: AsyncSession, *, viewer: Viewer, filters: Filters, now: datetime, zone: ZoneInfo
) -> list[Task]:
    statement = select(Task).where(access.visible(viewer), *_where(viewer, filters, now, zone))
    statement = statement.order_by(*_order(filters.sort), Task.id.desc())
    statement = statement.limit(filters.limit).offset(filters.offset)
    return list(await session.scalars(statement))


def _where(viewer: Viewer, filters: Filters, now: datetime, zone: ZoneInfo) -> list[Any]:
    where: list[Any] = []
    if filters.view in ("mine", "given") and viewer.user_id is None:
        return [false()]  # an integration's token has no tasks of its own
    if filters.view == "mine":
        mine = Task.assignee_user_id == viewer.user_id
        where.append(mine | Task.assignee_group_id.in_(viewer.groups) if viewer.groups else mine)
    elif filters.view == "given":
        where.append(Task.author_id == viewer.user_id)
    for column, value in (
        (Task.assignee_user_id, filters.assignee_user_id),
        (Task.assignee_group_id, filters.assignee_group_id),
        (Task.author_id, filters.author_id),
        (Task.link_type, filters.link_type),
        (Task.link_id, filters.link_id),
    ):
        if value is not None:
            where.append(column == value)
    if filters.statuses:
        where.append(Task.status.in_(filters.statuses))
    if filters.priorities:
        where.append(Task.priority.in_(filters.priorities))
    if filters.deadline == "overdue":
        where += [Task.status.in_(rules.OPEN), Task.due_at <= now]
    elif filters.deadline in ("today", "week"):
        start, end = rules.deadline_window(filters.deadline, now, zone)
        where += [Task.due_at > start, Task.due_at <= end]
    return where


def _order(sort: str) -> list[Any]:
    rank = case({p: i for i, p in enumerate(rules.PRIORITIES)}, value=Task.priority, else_=0)
    by_deadline = [Task.due_at.is_(None), Task.due_at]
    if sort == "priority":
        return [rank.desc(), *by_deadline]
    if sort == "created":
        return [Task.created_at.desc()]
    return [*by_deadline, rank.desc()]


# -- checks ----------------------------------------------------------------------------------


def _check_status(status: str) -> None:
    if status not in rules.STATUSES:
        raise TaskError(N_("Unknown status %(status)s."), status=status)


async def _check(session: AsyncSession, values: Fields) -> None:
    """Everything a task needs before it is stored, in the order a form shows it."""
    if not values.title.strip() or len(values.title) > 300:
        raise TaskError(N_("The title must be 1 to 300 characters."))
    if any("\x00" in (text or "") for text in (values.title, values.description, values.link_id)):
        raise TaskError(N_("The text holds a NUL character."))
    if await session.get(TaskKind, values.kind_id) is None:
        raise TaskError(N_("Unknown task kind %(kind)s."), kind=values.kind_id)
    if values.priority not in rules.PRIORITIES:
        raise TaskError(N_("Unknown priority %(priority)s."), priority=values.priority)
    if values.due_time is not None and values.due_date is None:
        raise TaskError(N_("A deadline time needs a date."))
    if values.remind_at is not None and values.remind_at.tzinfo is None:
        raise TaskError(N_("The reminder time needs a time zone."))
    await _check_assignee(session, values)
    _check_attachments(values.attachments)
    await _check_link(session, values)


async def _check_assignee(session: AsyncSession, values: Fields) -> None:
    user, group = values.assignee_user_id, values.assignee_group_id
    if (user is None) == (group is None):
        raise TaskError(N_("Assign the task to one user or one group."))
    if user is not None and await session.get(User, user) is None:
        raise TaskError(N_("No user %(id)s."), id=user)
    if group is not None and await session.get(Group, group) is None:
        raise TaskError(N_("No group %(id)s."), id=group)


def _check_attachments(attachments: list[str]) -> None:
    if len(attachments) > MAX_ATTACHMENTS:
        raise TaskError(N_("At most %(count)s links."), count=MAX_ATTACHMENTS)
    for url in attachments:
        if len(url) > 2000 or not rules.is_web_link(url):
            raise TaskError(N_("Not a web address: %(url)s"), url=url[:200])


async def _check_link(session: AsyncSession, values: Fields) -> None:
    kind, target = values.link_type, values.link_id
    if kind is None and target is None:
        return
    if kind not in _LINKED or not target:
        raise TaskError(N_("A link is a conversation, an operator or a group, with its id."))
    column, absent = _LINKED[kind]
    if await session.scalar(select(column).where(column == target)) is None:
        raise TaskError(absent, id=target)


def _assign(task: Task, values: Fields, zone: ZoneInfo) -> None:
    for name in FIELD_NAMES:
        setattr(task, name, getattr(values, name))
    task.title = " ".join(values.title.split())  # one line: it is an e-mail's subject too
    task.attachments = list(values.attachments)
    task.due_at = rules.due_at(values.due_date, values.due_time, zone)


def _fields_of(task: Task) -> Fields:
    return Fields(**{name: getattr(task, name) for name in FIELD_NAMES})
