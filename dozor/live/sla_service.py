"""Reading and writing the targets and business hours; ``rules`` gives them to the live state."""

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations.sla import Targets
from dozor.db import upsert
from dozor.live import hours
from dozor.live.models import BusinessHours, SlaTarget
from dozor.live.targets import SlaRules


async def rules(session: AsyncSession, *, timezone: str) -> SlaRules:
    targets = await session.scalars(select(SlaTarget))
    opening = await session.scalars(select(BusinessHours))
    return SlaRules(
        targets={
            (t.group_id, t.medium): Targets(new=t.new, unanswered=t.unanswered, answered=t.answered)
            for t in targets
        },
        # a stored spec was checked when saved; one that no longer parses is skipped, not fatal
        hours={b.group_id: week for b in opening if (week := _week(b.spec)) is not None},
        timezone=timezone,
    )


def _week(spec: str) -> hours.Week | None:
    try:
        return hours.parse(spec)
    except hours.HoursError:
        return None


async def targets(session: AsyncSession) -> list[SlaTarget]:
    return list(await session.scalars(select(SlaTarget).order_by(SlaTarget.group_id)))


async def put_target(session: AsyncSession, *, values: dict[str, Any]) -> None:
    statement = upsert(
        SlaTarget.__table__,
        session.get_bind().dialect.name,
        key=["group_id", "medium"],
        update=["new", "unanswered", "answered"],
    )
    await session.execute(statement, values)


async def delete_target(session: AsyncSession, *, group_id: str, medium: str) -> bool:
    result = await session.execute(
        delete(SlaTarget).where(SlaTarget.group_id == group_id, SlaTarget.medium == medium)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def business_hours(session: AsyncSession) -> list[BusinessHours]:
    return list(await session.scalars(select(BusinessHours).order_by(BusinessHours.group_id)))


async def put_hours(session: AsyncSession, *, group_id: str, spec: str) -> None:
    statement = upsert(
        BusinessHours.__table__, session.get_bind().dialect.name, key=["group_id"], update=["spec"]
    )
    await session.execute(statement, {"group_id": group_id, "spec": spec})


async def delete_hours(session: AsyncSession, *, group_id: str) -> bool:
    result = await session.execute(delete(BusinessHours).where(BusinessHours.group_id == group_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]
