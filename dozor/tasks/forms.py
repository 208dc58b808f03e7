"""The task form of the HTML pages: its fields as strings (what the browser sends and what is
shown again after an error), read into ``service.Fields``."""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData

from dozor.lib.labels import N_
from dozor.tasks import rules
from dozor.tasks.models import Task
from dozor.tasks.service import Fields, TaskError

FIELDS = (
    "title",
    "kind",
    "priority",
    "due_date",
    "due_time",
    "remind_at",
    "assignee",
    "description",
    "attachments",
    "link_type",
    "link_id",
)


def blank(**prefill: str) -> dict[str, str]:
    """An empty form; ``prefill`` sets some fields (the link of ``/tasks/new?conversation=``)."""
    form = dict.fromkeys(FIELDS, "")
    form.update(kind=rules.DEFAULT_KIND, priority="normal")
    form.update({k: v for k, v in prefill.items() if k in FIELDS})
    return form


def submitted(data: FormData) -> dict[str, str]:
    return {name: str(data.get(name) or "") for name in FIELDS}


def of_task(task: Task, zone: ZoneInfo) -> dict[str, str]:
    """The form of an existing task, to edit it."""
    assignee = (
        f"user:{task.assignee_user_id}"
        if task.assignee_user_id is not None
        else f"group:{task.assignee_group_id}"
        if task.assignee_group_id is not None
        else ""
    )
    remind = task.remind_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if task.remind_at else ""
    return blank(
        title=task.title,
        kind=task.kind_id,
        priority=task.priority,
        due_date=task.due_date.isoformat() if task.due_date else "",
        due_time=task.due_time.strftime("%H:%M") if task.due_time else "",
        remind_at=remind,
        assignee=assignee,
        description=task.description,
        attachments="\n".join(task.attachments),
        link_type=task.link_type or "",
        link_id=task.link_id or "",
    )


def fields(form: dict[str, str], zone: ZoneInfo) -> Fields:
    """What the form says; ``TaskError`` for a value that is not even of the right shape (the
    service checks the rest)."""
    user, group = _assignee(form["assignee"])
    link_type = form["link_type"] or None
    link_id = form["link_id"].strip() or None
    return Fields(
        title=form["title"],
        kind_id=form["kind"] or rules.DEFAULT_KIND,
        priority=form["priority"] or "normal",
        due_date=_parse(date.fromisoformat, form["due_date"], N_("Not a date: %(value)s")),
        due_time=_parse(time.fromisoformat, form["due_time"], N_("Not a time: %(value)s")),
        remind_at=_reminder(form["remind_at"], zone),
        assignee_user_id=user,
        assignee_group_id=group,
        description=form["description"].replace("\r\n", "\n").strip(),
        attachments=[line.strip() for line in form["attachments"].splitlines() if line.strip()],
        link_type=link_type if link_id else None,
        link_id=link_id if link_type else None,
    )


def _assignee(value: str) -> tuple[int | None, str | None]:
    kind, _, target = value.partition(":")
    if kind == "user" and target.isdigit():
        return int(target), None
    if kind == "group" and target:
        return None, target
    return None, None


def _reminder(value: str, zone: ZoneInfo) -> datetime | None:
    """A ``datetime-local`` value is the center's wall clock."""
    moment = _parse(datetime.fromisoformat, value, N_("Not a date and time: %(value)s"))
    return moment.replace(tzinfo=zone) if moment is not None else None


def _parse(parse: Any, value: str, message: str) -> Any:
    value = value.strip()
    if not value:
        return None
    try:
        return parse(value)
    except ValueError:
        raise TaskError(message, value=value[:50]) from None
