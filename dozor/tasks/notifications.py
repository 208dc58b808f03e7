"""The notifications tasks owe: planned when a task changes, delivered by the scheduler, read
in the app. The table is the queue (``TaskNotification``), so nothing is lost on a restart."""

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.db import upsert
from dozor.tasks import access, rules
from dozor.tasks.models import Task, TaskNotification

CHANNELS = ("app", "email")
# a claimed notification not delivered within this time (its node died) is claimed again
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3  # of an e-mail, LEASE apart


async def plan(session: AsyncSession, *, task: Task, now: datetime, due_soon: timedelta) -> None:
    """Make the queue hold exactly what ``task`` owes now.

    1. What it owes: ``rules.planned_notifications``, to ``rules.recipients``, on each channel.
    2. Drop the rows it no longer owes that nobody has taken yet (a moved deadline, a task
       done); a row being delivered or delivered stays.
    3. Add the owed rows not there yet. The unique key makes an unchanged notification the
       same row, so editing a task never sends a notification a second time.
    """
    assignees = await _assignees(session, task)
    owed = {
        (kind, user_id, channel, when)
        for kind, when in rules.planned_notifications(task, due_soon=due_soon, now=now)
        for user_id in rules.recipients(kind, task, assignees)
        for channel in CHANNELS
    }
    pending = await session.execute(
        select(
            TaskNotification.id,
            TaskNotification.kind,
            TaskNotification.user_id,
            TaskNotification.channel,
            TaskNotification.due_at,
        ).where(
            TaskNotification.task_id == task.id,
            TaskNotification.sent_at.is_(None),
            TaskNotification.claimed_at.is_(None),
        )
    )
    stale = [row.id for row in pending if tuple(row[1:]) not in owed]
    if stale:
        await session.execute(delete(TaskNotification).where(TaskNotification.id.in_(stale)))
    if owed:
        dialect = session.get_bind().dialect.name
        key = ["task_id", "user_id", "kind", "channel", "due_at"]
        rows = [
            {"task_id": task.id, "user_id": u, "kind": k, "channel": c, "due_at": w, "attempts": 0}
            for k, u, c, w in sorted(owed)
        ]
        await session.execute(upsert(TaskNotification.__table__, dialect, key=key), rows)


async def _assignees(session: AsyncSession, task: Task) -> set[int]:
    if task.assignee_user_id is not None:
        return {task.assignee_user_id}
    if task.assignee_group_id is not None:
        return await access.members(session, group_ids={task.assignee_group_id})
    return set()


# -- the in-app list -------------------------------------------------------------------------


def _inbox(user_id: int) -> list[ColumnElement[bool]]:
    return [
        TaskNotification.user_id == user_id,
        TaskNotification.channel == "app",
        TaskNotification.sent_at.is_not(None),
    ]


async def inbox(
    session: AsyncSession, *, user_id: int, limit: int = 100
) -> list[tuple[TaskNotification, Task]]:
    """The user's delivered notifications, newest first, with their tasks."""
    statement = (
        select(TaskNotification, Task)
        .join(Task, Task.id == TaskNotification.task_id)
        .where(*_inbox(user_id))
        .order_by(TaskNotification.sent_at.desc(), TaskNotification.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in await session.execute(statement)]


async def unread(session: AsyncSession, *, user_id: int, task_id: int | None = None) -> int:
    """How many of the user's notifications (of one task) are unread."""
    where = [*_inbox(user_id), TaskNotification.read_at.is_(None)]
    if task_id is not None:
        where.append(TaskNotification.task_id == task_id)
    statement = select(func.count()).select_from(TaskNotification).where(*where)
    return await session.scalar(statement) or 0


async def mark_read(
    session: AsyncSession, *, user_id: int, now: datetime, task_id: int | None = None
) -> None:
    """Mark the user's notifications read: all, or those of one task (they opened it)."""
    where = [*_inbox(user_id), TaskNotification.read_at.is_(None)]
    if task_id is not None:
        where.append(TaskNotification.task_id == task_id)
    await session.execute(update(TaskNotification).where(*where).values(read_at=now))


# -- the queue -------------------------------------------------------------------------------


def _claimable(now: datetime) -> list[ColumnElement[bool]]:
    return [
        TaskNotification.sent_at.is_(None),
        TaskNotification.due_at <= now,
        or_(TaskNotification.claimed_at.is_(None), TaskNotification.claimed_at <= now - LEASE),
    ]


async def due(session: AsyncSession, *, now: datetime, limit: int = 100) -> list[int]:
    """Ids of the notifications due and free to take, oldest first."""
    statement = (
        select(TaskNotification.id)
        .where(*_claimable(now))
        .order_by(TaskNotification.due_at, TaskNotification.id)
        .limit(limit)
    )
    return list(await session.scalars(statement))


async def claim(session: AsyncSession, *, notification_id: int, now: datetime) -> bool:
    """Take one notification to deliver: True for exactly one of any number of takers, as the
    UPDATE only matches while the row is still free."""
    result = await session.execute(
        update(TaskNotification)
        .where(TaskNotification.id == notification_id, *_claimable(now))
        .values(claimed_at=now, attempts=TaskNotification.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def finish(
    session: AsyncSession,
    *,
    notification_id: int,
    claimed_at: datetime,
    now: datetime,
    error: str | None = None,
) -> None:
    """Delivered (or given up, with the ``error``): never taken again. Only the claim made at
    ``claimed_at`` may finish it: one that ran out and was taken over may not."""
    await session.execute(
        update(TaskNotification)
        .where(
            TaskNotification.id == notification_id,
            TaskNotification.claimed_at == claimed_at,
            TaskNotification.sent_at.is_(None),
        )
        .values(sent_at=now, error=error[:500] if error else None)
        .execution_options(synchronize_session=False)
    )


async def fail(session: AsyncSession, *, notification_id: int, error: str) -> None:
    """Not delivered this time: the claim runs out after ``LEASE`` and it is tried again."""
    await session.execute(
        update(TaskNotification)
        .where(TaskNotification.id == notification_id)
        .values(error=error[:500])
        .execution_options(synchronize_session=False)
    )
