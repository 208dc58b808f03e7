"""Operator queries and writes."""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations.models import Conversation
from dozor.directory import service as directory_service
from dozor.directory.models import Group
from dozor.operators.models import Operator, OperatorGroup


async def save_states(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Write folded status states; each row carries the operator's id as ``b_id``."""
    table = Operator.__table__
    columns = [name for name in rows[0] if name != "b_id"]
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({name: bindparam(name) for name in columns})
    )
    await session.execute(statement, rows)


async def states(
    session: AsyncSession, *, now: datetime, wrapup_limit: float
) -> list[dict[str, Any]]:
    """Operators with their status and what they are doing now, derived from the conversations.

    Open conversations, the call in progress and after-call work are read off the conversation
    projection rather than kept as counters, so they can never drift from it. After-call work
    ends with ``conversation.wrapup_done``, or ``wrapup_limit`` seconds after the call closed for
    integrations that never send one.
    """
    operators = (await session.scalars(select(Operator).order_by(Operator.name, Operator.id))).all()
    groups: dict[str, list[str]] = defaultdict(list)
    for operator_id, group_id in await session.execute(
        select(OperatorGroup.operator_id, OperatorGroup.group_id).order_by(OperatorGroup.group_id)
    ):
        groups[operator_id].append(group_id)
    open_counts: dict[str, int] = {
        operator_id: count
        for operator_id, count in await session.execute(
            select(Conversation.operator_id, func.count())
            .where(Conversation.status != "closed", Conversation.operator_id.is_not(None))
            .group_by(Conversation.operator_id)
        )
    }
    on_call: dict[str, str] = {}
    for operator_id, personal in await session.execute(
        select(Conversation.operator_id, Conversation.personal).where(
            Conversation.status != "closed",
            Conversation.medium == "call",
            Conversation.accepted_at.is_not(None),
        )
    ):
        on_call[operator_id] = "personal" if personal else "group"
    wrapping = set(
        (
            await session.scalars(
                select(Conversation.operator_id).where(
                    Conversation.medium == "call",
                    Conversation.status == "closed",
                    Conversation.accepted_at.is_not(None),
                    Conversation.wrapup_done_at.is_(None),
                    Conversation.closed_at >= now - timedelta(seconds=wrapup_limit),
                )
            )
        ).all()
    )
    return [
        {
            "id": o.id,
            "name": o.name,
            "groups": groups.get(o.id, []),
            "chat_capacity": o.chat_capacity,
            "status": o.status,
            "status_since": o.status_since,
            "status_reason": o.status_reason,
            "open_conversations": open_counts.get(o.id, 0),
            "on_call": on_call.get(o.id),
            "after_call_work": o.id in wrapping and o.id not in on_call,
        }
        for o in operators
    ]


class UnknownGroups(ValueError):
    """Memberships naming groups absent from the directory."""

    def __init__(self, ids: list[str]) -> None:
        super().__init__(f"unknown group ids: {', '.join(map(repr, ids))}")
        self.ids = ids


async def get(session: AsyncSession, operator_id: str) -> dict[str, Any] | None:
    """The operator's stored record with their groups, or None."""
    operator = await directory_service.entry(session, Operator, operator_id)
    if operator is None:
        return None
    groups = await session.scalars(
        select(OperatorGroup.group_id)
        .where(OperatorGroup.operator_id == operator_id)
        .order_by(OperatorGroup.group_id)
    )
    return {
        "id": operator.id,
        "name": operator.name,
        "groups": list(groups),
        "chat_capacity": operator.chat_capacity,
        "status": operator.status,
        "status_since": operator.status_since,
        "status_reason": operator.status_reason,
    }


async def create(session: AsyncSession, *, values: dict[str, Any], groups: list[str]) -> bool:
    """Add an operator in ``groups``; False when the id is taken."""
    await _check_groups(session, groups)
    if not await directory_service.create(session, Operator, values=values):
        return False
    await _set_groups(session, values["id"], groups)
    return True


async def replace(session: AsyncSession, *, values: dict[str, Any], groups: list[str]) -> bool:
    """Create or overwrite an operator's record and memberships; True when created.

    The status is left alone: it is the fold of the operator's status events.
    """
    await _check_groups(session, groups)
    created = await directory_service.replace(session, Operator, values=values)
    await _set_groups(session, values["id"], groups)
    return created


async def change(
    session: AsyncSession, *, operator_id: str, values: dict[str, Any], groups: list[str] | None
) -> bool:
    """Change the given fields, and the memberships unless ``groups`` is None; False if absent."""
    if await session.scalar(select(Operator.id).where(Operator.id == operator_id)) is None:
        return False
    if groups is not None:
        await _check_groups(session, groups)
        await _set_groups(session, operator_id, groups)
    if values:
        await session.execute(update(Operator).where(Operator.id == operator_id).values(values))
    return True


async def remove(session: AsyncSession, *, operator_id: str) -> bool:
    return await directory_service.remove(session, Operator, entry_id=operator_id)


async def _check_groups(session: AsyncSession, group_ids: list[str]) -> None:
    if not group_ids:
        return
    known = set(await session.scalars(select(Group.id).where(Group.id.in_(group_ids))))
    if missing := sorted(set(group_ids) - known):
        raise UnknownGroups(missing)


async def _set_groups(session: AsyncSession, operator_id: str, group_ids: list[str]) -> None:
    await session.execute(delete(OperatorGroup).where(OperatorGroup.operator_id == operator_id))
    if group_ids:
        await session.execute(
            insert(OperatorGroup),
            [{"operator_id": operator_id, "group_id": g} for g in sorted(set(group_ids))],
        )
