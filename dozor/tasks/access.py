"""Who is asking, in the terms of ``rules.Viewer``: their groups and, for a supervisor, the
users of those groups; and the same visibility rule as an SQL condition for the lists."""

from sqlalchemy import ColumnElement, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.auth.models import User, UserGroup
from dozor.operators.models import OperatorGroup
from dozor.tasks.models import Task
from dozor.tasks.rules import Viewer

TOKEN = Viewer(user_id=None, role="admin")


async def viewer_for(session: AsyncSession, *, user: User | None) -> Viewer:
    """The viewer of ``user``; None is an integration's token."""
    if user is None:
        return TOKEN
    groups = await groups_of(session, user=user)
    scope: frozenset[int] = frozenset()
    if user.role == "supervisor" and groups:
        scope = frozenset(await members(session, group_ids=groups))
    return Viewer(user_id=user.id, role=user.role, groups=frozenset(groups), scope_users=scope)


async def groups_of(session: AsyncSession, *, user: User) -> set[str]:
    """A user's groups: those they are assigned to, and their operator's."""
    statement = select(UserGroup.group_id).where(UserGroup.user_id == user.id)
    if user.operator_id is not None:
        statement = union(
            statement,
            select(OperatorGroup.group_id).where(OperatorGroup.operator_id == user.operator_id),
        )  # type: ignore[assignment]
    return set((await session.scalars(statement)).all())


async def members(session: AsyncSession, *, group_ids: set[str] | frozenset[str]) -> set[int]:
    """The users of these groups: assigned to one, or the login of an operator in one."""
    if not group_ids:
        return set()
    statement = union(
        select(UserGroup.user_id).where(UserGroup.group_id.in_(group_ids)),
        select(User.id)
        .join(OperatorGroup, OperatorGroup.operator_id == User.operator_id)
        .where(OperatorGroup.group_id.in_(group_ids)),
    )
    return set((await session.scalars(statement)).all())


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """``rules.can_see`` as a condition on ``tasks``, for the lists."""
    if viewer.is_admin:
        return true()
    conditions = [Task.author_id == viewer.user_id, Task.assignee_user_id == viewer.user_id]
    if viewer.groups:
        conditions.append(Task.assignee_group_id.in_(viewer.groups))
    if viewer.role == "supervisor" and viewer.scope_users:
        conditions.append(Task.assignee_user_id.in_(viewer.scope_users))
        conditions.append(Task.author_id.in_(viewer.scope_users))
    return or_(*conditions)
