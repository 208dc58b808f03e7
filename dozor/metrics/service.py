"""The KPIs from stored data, as the center stood at the end of any window (time travel).

1. Read the conversations that can count in the window: opened by its end, and still open or
   closed since its start less the longest after-call work.
2. A conversation whose projection holds nothing later than the window's end is taken as it
   is; one that changed after it folds again from its events up to the end.
3. Operators: their memberships, capacity, and the status events from the last one before the
   window through its end.
4. ``kpis.compute`` over those records, with every group's rules.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations import service as conversations_service
from dozor.conversations.models import Conversation
from dozor.conversations.state import FIELDS
from dozor.directory.models import Group
from dozor.events import contract as c
from dozor.events.ingest import STORED_COLUMNS, from_stored
from dozor.events.models import StoredEvent
from dozor.live.targets import SlaRules
from dozor.metrics import kpis as kpis_module
from dozor.metrics.records import (
    DEFAULT_SLA,
    Agent,
    Contact,
    GroupRules,
    Rules,
    Scope,
    agent,
    contact,
    contact_as_of,
)
from dozor.metrics.windows import Window
from dozor.operators.models import Operator, OperatorGroup

CHUNK = 500
STATUS = "operator.status"


async def kpis(
    session: AsyncSession,
    *,
    window: Window,
    scope: Scope,
    wrapup_limit: float,
    sla: SlaRules = DEFAULT_SLA,
) -> dict[str, kpis_module.Value]:
    """Every KPI of ``scope`` in ``window``, from the stored events and projections; overdue
    is judged by ``sla``, the targets and business hours the console uses."""
    return kpis_module.compute(
        await contacts(session, window=window, wrapup_limit=wrapup_limit, sla=sla),
        await agents(session, window=window),
        window,
        scope=scope,
        rules=await rules(session, wrapup_limit=wrapup_limit),
    )


async def contacts(
    session: AsyncSession, *, window: Window, wrapup_limit: float, sla: SlaRules = DEFAULT_SLA
) -> list[Contact]:
    """Every conversation that can count in ``window``, as it stood at the window's end."""
    table = Conversation.__table__
    since = window.start - timedelta(seconds=wrapup_limit)
    rows = await session.execute(
        select(*[table.c[name] for name in FIELDS]).where(
            table.c.created_at <= window.end,
            or_(table.c.closed_at.is_(None), table.c.closed_at >= since),
        )
    )
    found: list[Contact] = []
    changed_later: list[str] = []
    for row in rows:
        if row.changed_at <= window.end:
            found.append(contact(conversations_service.state_of(row), sla))
        else:
            changed_later.append(row.id)
    return found + await _as_of(session, changed_later, window.end, sla)


async def _as_of(
    session: AsyncSession, ids: list[str], end: datetime, sla: SlaRules
) -> list[Contact]:
    events: dict[str, list[c.ConversationEvent]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        rows = await session.execute(
            select(*STORED_COLUMNS).where(
                StoredEvent.conversation_id.in_(ids[start : start + CHUNK]),
                StoredEvent.ts <= end,
            )
        )
        for row in rows:
            events[row.payload["conversation_id"]].append(from_stored(row))  # type: ignore[arg-type]
    folded = (contact_as_of(events[i], end, sla) for i in ids)
    return [found for found in folded if found is not None]


async def agents(session: AsyncSession, *, window: Window) -> list[Agent]:
    """Every operator, with the status events that tell their statuses within ``window``."""
    groups: dict[str, list[str]] = defaultdict(list)
    for operator_id, group_id in await session.execute(
        select(OperatorGroup.operator_id, OperatorGroup.group_id)
    ):
        groups[operator_id].append(group_id)
    statuses: dict[str, list[c.OperatorStatus]] = defaultdict(list)
    for event in await _status_events(session, window):
        statuses[event.operator_id].append(event)
    return [
        agent(
            operator_id,
            events=statuses[operator_id],
            groups=groups[operator_id],
            chat_capacity=capacity,
        )
        for operator_id, capacity in await session.execute(
            select(Operator.id, Operator.chat_capacity).order_by(Operator.id)
        )
    ]


async def _status_events(session: AsyncSession, window: Window) -> list[c.OperatorStatus]:
    """Status events within ``window``, and each operator's last one before it."""
    last_before = (
        select(StoredEvent.operator_id, func.max(StoredEvent.ts).label("ts"))
        .where(StoredEvent.type == STATUS, StoredEvent.ts < window.start)
        .group_by(StoredEvent.operator_id)
        .subquery()
    )
    before = select(*STORED_COLUMNS).join(
        last_before,
        and_(
            StoredEvent.operator_id == last_before.c.operator_id,
            StoredEvent.ts == last_before.c.ts,
        ),
    )
    within = select(*STORED_COLUMNS).where(
        StoredEvent.type == STATUS, StoredEvent.ts >= window.start, StoredEvent.ts <= window.end
    )
    rows: Iterable[Any] = [
        *await session.execute(before.where(StoredEvent.type == STATUS)),
        *await session.execute(within),
    ]
    return [from_stored(row) for row in rows]  # type: ignore[misc]


async def rules(session: AsyncSession, *, wrapup_limit: float) -> Rules:
    rows = await session.execute(
        select(Group.id, Group.short_abandon, Group.sl_threshold, Group.sl_variant)
    )
    return Rules(
        groups={
            row.id: GroupRules(
                short_abandon=row.short_abandon,
                sl_threshold=row.sl_threshold,
                sl_variant=row.sl_variant,
            )
            for row in rows
        },
        wrapup_limit=wrapup_limit,
    )
