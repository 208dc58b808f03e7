"""The JSON shapes of the tasks API: what comes in (closed: a misspelt field is a 422) and
what goes out."""

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from dozor.tasks import rules, service
from dozor.tasks.models import Task

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=NO_NUL)
]
Text = Annotated[str, StringConstraints(max_length=20_000, pattern=NO_NUL)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NO_NUL)]
Status = Literal["new", "in_progress", "done", "cancelled"]
Priority = Literal["low", "normal", "high", "critical"]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Link(Input):
    type: Literal["conversation", "operator", "group"]
    id: Id


class TaskFields(Input):
    title: Title
    kind: Id = rules.DEFAULT_KIND
    priority: Priority = "normal"
    due_date: date | None = Field(default=None, description="The deadline's day (center's time).")
    due_time: time | None = Field(
        default=None, description="The deadline's time that day; none: the end of the day."
    )
    remind_at: AwareDatetime | None = Field(
        default=None, description="When the assignee is reminded (in the app and by e-mail)."
    )
    assignee_user_id: int | None = Field(default=None, description="Give one of the two.")
    assignee_group_id: Id | None = None
    description: Text = ""
    attachments: list[Url] = Field(default=[], max_length=service.MAX_ATTACHMENTS)
    link: Link | None = Field(default=None, description="What the task is about.")


class TaskNew(TaskFields):
    status: Status = "new"


class TaskChange(Input):
    """Any of the fields; ``status`` with an optional ``comment`` records a change of status."""

    title: Title | None = None
    kind: Id | None = None
    priority: Priority | None = None
    due_date: date | None = None
    due_time: time | None = None
    remind_at: AwareDatetime | None = None
    assignee_user_id: int | None = None
    assignee_group_id: Id | None = None
    description: Text | None = None
    attachments: list[Url] | None = Field(default=None, max_length=service.MAX_ATTACHMENTS)
    link: Link | None = None
    status: Status | None = None
    comment: Text = ""


class CommentNew(Input):
    text: Text = ""
    status: Status | None = Field(default=None, description="Move the task to this status too.")


class CommentOut(BaseModel):
    id: int
    author_id: int | None
    created_at: datetime
    text: str
    status_from: Status | None
    status_to: Status | None


class TaskOut(BaseModel):
    id: int
    title: str
    kind: str
    status: Status
    priority: Priority
    due_date: date | None
    due_time: time | None
    due_at: datetime | None = Field(description="The deadline as a moment.")
    overdue: bool
    remind_at: datetime | None
    assignee_user_id: int | None
    assignee_group_id: str | None
    author_id: int | None
    description: str
    attachments: list[str]
    link: Link | None
    created_at: datetime
    updated_at: datetime


class TaskDetail(TaskOut):
    comments: list[CommentOut]


class KindNew(Input):
    id: Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[a-z0-9_-]+$")]
    name: Title


class KindOut(BaseModel):
    id: str
    name: str


def as_out(task: Task, now: datetime) -> dict[str, Any]:
    data = {name: getattr(task, name) for name in TaskOut.model_fields if hasattr(task, name)}
    link = {"type": task.link_type, "id": task.link_id} if task.link_type else None
    due = task.due_at.astimezone(UTC) if task.due_at else None
    overdue = rules.is_overdue(task, now)
    return data | {"kind": task.kind_id, "due_at": due, "overdue": overdue, "link": link}
