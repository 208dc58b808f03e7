"""What a notification says, in the recipient's language: the e-mail and the in-app line."""

from collections.abc import Callable
from datetime import date, time

from dozor.config import Settings
from dozor.lib.labels import N_
from dozor.tasks.models import Task
from dozor.tasks.rules import LABELS

_DATE_FORMATS = {"ru": "%d.%m.%Y", "en": "%Y-%m-%d"}
SUBJECTS = {
    "reminder": N_("Reminder: %(title)s"),
    "due_soon": N_("The deadline is near: %(title)s"),
    "overdue": N_("The deadline has passed: %(title)s"),
}


def deadline(due_date: date | None, due_time: time | None, language: str) -> str:
    """A deadline as it was set: the date, and the time when there is one."""
    if due_date is None:
        return "—"
    text = due_date.strftime(_DATE_FORMATS.get(language, _DATE_FORMATS["en"]))
    return f"{text} {due_time:%H:%M}" if due_time is not None else text


def email(
    *, kind: str, task: Task, language: str, settings: Settings, gettext: Callable[[str], str]
) -> tuple[str, str]:
    """The subject and body of the e-mail of one notification."""
    what, status, priority = (
        LABELS["notification"][kind],
        LABELS["status"][task.status],
        LABELS["priority"][task.priority],
    )
    url = f"{settings.public_url}/tasks/{task.id}"
    lines = [
        gettext(what),
        "",
        task.title,
        gettext("Deadline: %(deadline)s")
        % {"deadline": deadline(task.due_date, task.due_time, language)},
        gettext("Status: %(status)s") % {"status": gettext(status)},
        gettext("Priority: %(priority)s") % {"priority": gettext(priority)},
    ]
    if task.description:
        lines += ["", task.description]
    lines += ["", gettext("Open the task: %(url)s") % {"url": url}]
    return gettext(SUBJECTS[kind]) % {"title": task.title}, "\n".join(lines) + "\n"
