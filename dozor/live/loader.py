"""Building the live state from the database: at start, and whenever it must be read again.

1. The directory: groups with their KPI rules, channels and topics (names), operators with
   their memberships, capacity and status.
2. The targets and business hours (``sla_service.rules``).
3. Each operator's status changes since the horizon, and the last one before it.
4. The conversations still open, and those closed since the horizon (the KPI windows).
"""

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations import service as conversations_service
from dozor.conversations.models import Conversation
from dozor.conversations.state import FIELDS
from dozor.directory.models import Channel, Group, Topic
from dozor.events.models import StoredEvent
from dozor.live import sla_service
from dozor.live.state import GroupInfo, LiveState, OperatorLive, StatusChange
from dozor.metrics.records import GroupRules
from dozor.operators.models import Operator, OperatorGroup

STATUS = "operator.status"
LONGEST_WINDOW = timedelta(minutes=60)


def horizon(now: datetime, *, timezone: str, wrapup_limit: float) -> datetime:
    """The earliest moment a console window reaches: today's midnight or an hour ago, less
    the longest after-call work (a call closed then still counts in the window's AHT)."""
    local = now.astimezone(ZoneInfo(timezone))
    midnight = datetime.combine(local.date(), time(), tzinfo=local.tzinfo).astimezone(UTC)
    return min(midnight, now - LONGEST_WINDOW) - timedelta(seconds=wrapup_limit)


async def load(
    session: AsyncSession, *, now: datetime, timezone: str, wrapup_limit: float
) -> LiveState:
    since = horizon(now, timezone=timezone, wrapup_limit=wrapup_limit)
    state = LiveState(
        sla=await sla_service.rules(session, timezone=timezone), wrapup_limit=wrapup_limit
    )
    await load_directory(session, state)
    for operator_id, changes in (await status_changes(session, since=since)).items():
        state.set_statuses(operator_id, changes)
    table = Conversation.__table__
    rows = await session.execute(
        select(*[table.c[name] for name in FIELDS]).where(
            or_(table.c.closed_at.is_(None), table.c.closed_at >= since)
        )
    )
    for row in rows:
        state.put(conversations_service.state_of(row), now)
    return state


async def load_directory(session: AsyncSession, state: LiveState) -> bool:
    """Names, memberships, capacities and rules as stored now; True when any changed."""
    groups = {
        g.id: GroupInfo(g.name, GroupRules(g.short_abandon, g.sl_threshold, g.sl_variant))  # type: ignore[arg-type]
        for g in await session.scalars(select(Group))
    }
    channels = dict((await session.execute(select(Channel.id, Channel.name))).all())
    topics = dict((await session.execute(select(Topic.id, Topic.name))).all())
    members: defaultdict[str, set[str]] = defaultdict(set)
    for operator_id, group_id in await session.execute(
        select(OperatorGroup.operator_id, OperatorGroup.group_id)
    ):
        members[operator_id].add(group_id)
    changed = (groups, channels, topics) != (state.groups, state.channels, state.topics)
    state.groups, state.channels, state.topics = groups, channels, topics
    seen = set()
    rows = await session.execute(
        select(
            Operator.id,
            Operator.name,
            Operator.chat_capacity,
            Operator.status,
            Operator.status_since,
        )
    )
    for row in rows:
        seen.add(row.id)
        if row.id not in state.operators:
            # the status is the projection's when first read; later the commits keep it
            state.operators[row.id] = OperatorLive(
                id=row.id, name=row.name, status=row.status, status_since=row.status_since
            )
        operator = state.operators[row.id]
        record = (row.name, frozenset(members[row.id]), row.chat_capacity)
        if record != (operator.name, operator.groups, operator.chat_capacity):
            operator.name, operator.groups, operator.chat_capacity = record
            changed = True
    # an operator first seen in an event committed after this read is not gone: only one
    # missing from two reads in a row is
    unseen = set(state.operators) - seen
    for gone in unseen & state.unseen:
        del state.operators[gone]
        changed = True
    state.unseen = unseen - state.unseen
    if changed:
        state.version += 1
    return changed


async def status_changes(
    session: AsyncSession, *, since: datetime, operator_ids: list[str] | None = None
) -> dict[str, list[StatusChange]]:
    """Each operator's status events from ``since`` on, and the last one before it."""
    only = StoredEvent.operator_id.in_(operator_ids) if operator_ids is not None else true()
    last_before = (
        select(StoredEvent.operator_id, func.max(StoredEvent.ts).label("ts"))
        .where(StoredEvent.type == STATUS, StoredEvent.ts < since, only)
        .group_by(StoredEvent.operator_id)
        .subquery()
    )
    columns = (StoredEvent.operator_id, StoredEvent.ts, StoredEvent.id, StoredEvent.payload)
    before = select(*columns).join(
        last_before,
        and_(
            StoredEvent.operator_id == last_before.c.operator_id,
            StoredEvent.ts == last_before.c.ts,
        ),
    )
    within = select(*columns).where(StoredEvent.type == STATUS, StoredEvent.ts >= since, only)
    found: defaultdict[str, list[StatusChange]] = defaultdict(list)
    for query in (before.where(StoredEvent.type == STATUS), within):
        for operator_id, ts, event_id, payload in await session.execute(query):
            found[operator_id].append((ts, event_id, payload["status"]))
    return found
