"""What the task pages show besides the tasks: the filters chosen, the names of people, groups
and kinds, and the choices of the form."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams

from dozor.auth.models import User
from dozor.conversations.models import Conversation
from dozor.directory.models import Group
from dozor.operators.models import Operator
from dozor.tasks import rules, service, texts
from dozor.tasks.models import Task

VIEWS = ("mine", "given", "all")
SORTS = ("deadline", "priority", "created")


@dataclass(frozen=True)
class Chosen:
    """The list's filters as the query string gave them, unknown values dropped."""

    view: str
    status: tuple[str, ...]
    priority: tuple[str, ...]
    assignee: str
    author: str
    deadline: str
    link_type: str
    link_id: str
    sort: str

    @classmethod
    def read(cls, params: QueryParams, *, may_see_all: bool) -> "Chosen":
        def one(name: str, allowed: tuple[str, ...] | None = None, default: str = "") -> str:
            value = (params.get(name) or "").strip()
            return value if allowed is None or value in allowed else default

        view = one("view", VIEWS, "mine")
        link_type = one("link_type", rules.LINK_TYPES)
        return cls(
            view=view if view != "all" or may_see_all else "mine",
            status=tuple(s for s in params.getlist("status") if s in rules.STATUSES),
            priority=tuple(p for p in params.getlist("priority") if p in rules.PRIORITIES),
            assignee=one("assignee"),
            author=one("author") if one("author").isdigit() else "",
            deadline=one("deadline", rules.DEADLINES),
            link_type=link_type,
            link_id=one("link_id") if link_type else "",
            sort=one("sort", SORTS, "deadline"),
        )

    def filters(self) -> service.Filters:
        kind, _, target = self.assignee.partition(":")
        return service.Filters(
            view=self.view,
            statuses=self.status,
            priorities=self.priority,
            assignee_user_id=int(target) if kind == "user" and target.isdigit() else None,
            assignee_group_id=target if kind == "group" and target else None,
            author_id=int(self.author) if self.author else None,
            deadline=self.deadline or None,
            link_type=self.link_type or None,
            link_id=self.link_id or None,
            sort=self.sort,
        )


async def common(session: AsyncSession) -> dict[str, Any]:
    """Names of every user, group and kind, and the labels: tasks are shown with them."""
    users = dict((await session.execute(select(User.id, User.name).order_by(User.name))).all())
    groups = dict((await session.execute(select(Group.id, Group.name).order_by(Group.name))).all())
    kinds = {kind.id: kind.name for kind in await service.kinds(session)}
    return {
        "users": users,
        "groups": groups,
        "kinds": kinds,
        "labels": rules.LABELS,
        "deadline_text": texts.deadline,
        "is_overdue": rules.is_overdue,
    }


async def choices(session: AsyncSession) -> dict[str, Any]:
    """What the form offers: kinds, and who a task may be given to."""
    context = await common(session)
    context["link_types"] = rules.LINK_TYPES
    return context


async def link_name(session: AsyncSession, task: Task) -> str:
    return await link_name_of(session, task.link_type or "", task.link_id or "")


async def link_name_of(session: AsyncSession, link_type: str, link_id: str) -> str:
    """How the linked conversation, operator or group is called; "" when unknown."""
    if not link_id:
        return ""
    if link_type == "conversation":
        row = (
            await session.execute(
                select(Conversation.number, Conversation.client_name).where(
                    Conversation.id == link_id
                )
            )
        ).first()
        return (
            f"№ {row.number}" + (f" · {row.client_name}" if row.client_name else "") if row else ""
        )
    if link_type == "operator":
        return await session.scalar(select(Operator.name).where(Operator.id == link_id)) or ""
    if link_type == "group":
        return await session.scalar(select(Group.name).where(Group.id == link_id)) or ""
    return ""
