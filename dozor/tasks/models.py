"""Tasks (поручения) given to users or groups, their comments and the notifications they owe."""

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dozor.db import Base, UTCDateTime


class TaskKind(Base):
    """What a task is: "assignment" is built in (seeded by the migration); admins add more."""

    __tablename__ = "task_kinds"

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_assignee_user_id_status", "assignee_user_id", "status"),
        Index("ix_tasks_assignee_group_id_status", "assignee_group_id", "status"),
        Index("ix_tasks_author_id_status", "author_id", "status"),
        Index("ix_tasks_due_at", "due_at"),
        Index("ix_tasks_link_type_link_id", "link_type", "link_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    kind_id: Mapped[str] = mapped_column(ForeignKey("task_kinds.id"))
    status: Mapped[str] = mapped_column(String(12))
    priority: Mapped[str] = mapped_column(String(10))
    # the deadline as the center's wall clock shows it, and that moment in UTC (rules.due_at):
    # a date alone means the end of that day
    due_date: Mapped[date | None] = mapped_column(Date)
    due_time: Mapped[time | None] = mapped_column(Time)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    assignee_group_id: Mapped[str | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL")
    )
    # None: written through the API with an integration's token
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # what the task is about: a conversation, an operator or a group, by its id
    link_type: Mapped[str | None] = mapped_column(String(12))
    link_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaskComment(Base):
    """A comment, or a change of status (with or without words): the task's history."""

    __tablename__ = "task_comments"
    __table_args__ = (Index("ix_task_comments_task_id_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text, default="")
    status_from: Mapped[str | None] = mapped_column(String(12))
    status_to: Mapped[str | None] = mapped_column(String(12))


class TaskNotification(Base):
    """One notification owed to one user: the scheduler's queue, and the user's inbox.

    ``channel`` "app" is the in-app list (delivered = visible), "email" a message to send.
    A row is claimed (``claimed_at``) by a conditional UPDATE before it is delivered and marked
    ``sent_at`` after: whoever claims it is the only one to deliver it. The unique key keeps a
    re-planned task from owing the same notification twice.
    """

    __tablename__ = "task_notifications"
    __table_args__ = (
        UniqueConstraint("task_id", "user_id", "kind", "channel", "due_at"),
        Index("ix_task_notifications_sent_at_due_at", "sent_at", "due_at"),
        Index("ix_task_notifications_user_id_channel_sent_at", "user_id", "channel", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # reminder / due_soon / overdue
    channel: Mapped[str] = mapped_column(String(8))  # app / email
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
