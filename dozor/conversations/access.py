"""Who sees and acts on which conversations.

- an API token (an integration) and an admin: all of them;
- a supervisor: those of the groups assigned to them (``user_groups``);
- an operator: their own (taken or pinned to them) and those waiting in the queues of their
  groups (``operator_groups`` of ``User.operator_id``);
- anyone else (a supervisor with no group, an operator user linked to no operator): none.
"""

from dataclasses import dataclass, field

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from dozor.auth.deps import Caller
from dozor.auth.models import User, UserGroup
from dozor.conversations.models import Conversation
from dozor.operators.models import OperatorGroup

t = Conversation.__table__.c
SUPERVISION = frozenset({"close", "spam", "transfer", "take", "pin", "unpin", "review"})
OPERATING = frozenset({"close", "spam", "transfer", "take"})


@dataclass(frozen=True)
class Scope:
    """What one caller may see, and the name their actions are recorded under."""

    actor: str
    everything: bool = False
    groups: frozenset[str] = frozenset()
    operator_id: str | None = None
    queue_groups: frozenset[str] = frozenset()
    actions: frozenset[str] = field(default_factory=frozenset)
    is_operator: bool = False
    linked_operator_id: str | None = None  # User.operator_id: whom "take for myself" gives it to

    def condition(self) -> ColumnElement[bool]:
        """The conversations in sight, as an SQL condition."""
        if self.everything:
            return true()
        parts: list[ColumnElement[bool]] = []
        if self.groups:
            parts.append(t.group_id.in_(sorted(self.groups)))
        if self.operator_id is not None:
            parts.append(t.operator_id == self.operator_id)
            parts.append(t.pinned_operator_id == self.operator_id)
        if self.queue_groups:
            waiting = and_(t.operator_id.is_(None), t.closed_at.is_(None))
            parts.append(and_(waiting, t.group_id.in_(sorted(self.queue_groups))))
        return or_(*parts) if parts else false()

    def may(self, action: str) -> bool:
        return action in self.actions


async def scope_of_user(session: AsyncSession, user: User) -> Scope:
    if user.role == "admin":
        return Scope(
            actor=user.username,
            everything=True,
            actions=SUPERVISION,
            linked_operator_id=user.operator_id,
        )
    if user.role == "supervisor":
        groups = await session.scalars(
            select(UserGroup.group_id).where(UserGroup.user_id == user.id)
        )
        return Scope(
            actor=user.username,
            groups=frozenset(groups),
            actions=SUPERVISION,
            linked_operator_id=user.operator_id,
        )
    if user.role == "operator" and user.operator_id is not None:
        groups = await session.scalars(
            select(OperatorGroup.group_id).where(OperatorGroup.operator_id == user.operator_id)
        )
        return Scope(
            actor=user.username,
            operator_id=user.operator_id,
            queue_groups=frozenset(groups),
            actions=OPERATING,
            is_operator=True,
            linked_operator_id=user.operator_id,
        )
    return Scope(actor=user.username, is_operator=user.role == "operator")


async def scope_of(session: AsyncSession, caller: Caller) -> Scope:
    """The scope of an API caller: a token sees and may do everything."""
    if caller.user is not None:
        return await scope_of_user(session, caller.user)
    actor = f"api:{caller.token}"[:200]
    return Scope(actor=actor, everything=True, actions=SUPERVISION)


async def sees(session: AsyncSession, scope: Scope, conversation_id: str) -> bool:
    found = await session.scalar(select(t.number).where(t.id == conversation_id, scope.condition()))
    return found is not None
