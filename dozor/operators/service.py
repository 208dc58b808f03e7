"""Operator queries and writes."""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations.models import Conversation
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
