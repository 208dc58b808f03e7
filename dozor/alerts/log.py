"""The alert log: what fired and when, and what became of each notification it owed; filtered
by period, rule, indicator, kind, zone and scope, newest first, one keyset page at a time.

Who sees which rows follows the console's rule (``console.service.visible_groups`` and
``may_set``): admins and API tokens everything; a supervisor the rows about their groups and
the operators in them, never the company's. A row carries its own copy of the rule's name,
indicator and scope, so it is judged (and read) the same after the rule is edited or deleted.
Queries only: no commits.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from dozor.alerts.models import AlertDelivery, AlertLog
from dozor.console import indicators
from dozor.directory import service as directory_service
from dozor.directory.models import Group
from dozor.lib import cursor as cursors
from dozor.operators.models import Operator, OperatorGroup

MAX_LIMIT = 200
Kind = Literal["yellow", "red", "recovered", "repeat"]
Indicator = Literal[indicators.KEYS]  # type: ignore[valid-type]


class CursorError(ValueError):
    """A cursor that is not one of the log's."""


class LogQuery(BaseModel):
    """The log's filters: the same for the page (its form) and ``GET /api/v1/alert-log``."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    start: date | None = Field(
        default=None, alias="from", description="From this day on (the center's time zone)."
    )
    end: date | None = Field(
        default=None, alias="to", description="Up to and including this day (the center's)."
    )
    rule: int | None = Field(default=None, description="The rule's id.")
    indicator: Indicator | None = Field(default=None, description="A key of the KPI API.")  # type: ignore[valid-type]
    kind: list[Kind] = Field(default=[], description="What happened (any of).")
    zone: Literal["ok", "yellow", "red"] | None = Field(
        default=None, description="The zone entered."
    )
    scope: Literal["all", "group", "operator"] | None = None
    scope_id: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="The group's or the operator's id."
    )
    cursor: str | None = Field(default=None, description="`next_cursor` of the page before.")
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)

    def conditions(self, zone: ZoneInfo) -> list[ColumnElement[bool]]:
        """The filter as SQL conditions; days are the center's (``zone``)."""
        where: list[ColumnElement[bool]] = []
        if self.start is not None:
            where.append(AlertLog.at >= _midnight(self.start, zone))
        if self.end is not None:
            where.append(AlertLog.at < _midnight(self.end + timedelta(days=1), zone))
        if self.rule is not None:
            where.append(AlertLog.rule_id == self.rule)
        if self.indicator is not None:
            where.append(AlertLog.indicator == self.indicator)
        if self.kind:
            where.append(AlertLog.kind.in_(self.kind))
        if self.zone is not None:
            where.append(AlertLog.zone_to == self.zone)
        if self.scope is not None:
            where.append(AlertLog.scope == self.scope)
        if self.scope_id:
            where.append(AlertLog.scope_id == self.scope_id)
        return where


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def visible(groups: frozenset[str] | None) -> ColumnElement[bool]:
    """The rows in sight of someone who sees ``groups`` (None: everything)."""
    if groups is None:
        return true()
    if not groups:
        return false()
    members = select(OperatorGroup.operator_id).where(OperatorGroup.group_id.in_(sorted(groups)))
    return or_(
        and_(AlertLog.scope == "group", AlertLog.scope_id.in_(sorted(groups))),
        and_(AlertLog.scope == "operator", AlertLog.scope_id.in_(members)),
    )


def encode_cursor(row: AlertLog) -> str:
    return cursors.pack([row.at.isoformat(), row.id])


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        at, row_id = cursors.unpack(cursor)
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None or not isinstance(row_id, int):
            raise ValueError("a naive time or no id")
        return moment, row_id
    except (TypeError, ValueError) as error:
        raise CursorError("the cursor is not one of the alert log's") from error


@dataclass(frozen=True)
class Entry:
    """A log row with the deliveries it owed and the name of its scope."""

    log: AlertLog
    deliveries: list[AlertDelivery]
    scope_name: str


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_cursor: str | None


async def page(
    session: AsyncSession, *, query: LogQuery, groups: frozenset[str] | None, zone: ZoneInfo
) -> Page:
    """One page of the log, newest first (by ``at``, then id), after ``query.cursor``."""
    where = [visible(groups), *query.conditions(zone)]
    if query.cursor:
        at, row_id = decode_cursor(query.cursor)
        where.append(or_(AlertLog.at < at, and_(AlertLog.at == at, AlertLog.id < row_id)))
    statement = (
        select(AlertLog)
        .where(*where)
        .order_by(AlertLog.at.desc(), AlertLog.id.desc())
        .limit(query.limit + 1)
    )
    rows = list(await session.scalars(statement))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    owed = await deliveries(session, [r.id for r in rows])
    names = await scope_names(session, rows)
    entries = [Entry(r, owed[r.id], names.get((r.scope, r.scope_id), r.scope_id)) for r in rows]
    return Page(entries, encode_cursor(rows[-1]) if more else None)


async def deliveries(session: AsyncSession, log_ids: list[int]) -> dict[int, list[AlertDelivery]]:
    found: defaultdict[int, list[AlertDelivery]] = defaultdict(list)
    if log_ids:
        statement = (
            select(AlertDelivery)
            .where(AlertDelivery.log_id.in_(log_ids))
            .order_by(AlertDelivery.id)
        )
        for delivery in await session.scalars(statement):
            found[delivery.log_id].append(delivery)
    return found


async def scope_names(session: AsyncSession, rows: list[AlertLog]) -> dict[tuple[str, str], str]:
    """The names of the groups and operators the rows are about (an unknown id: none)."""
    names: dict[tuple[str, str], str] = {}
    for kind, model in (("group", Group), ("operator", Operator)):
        wanted = {r.scope_id for r in rows if r.scope == kind}
        found = await directory_service.names(session, model, wanted)
        names.update(((kind, i), n) for i, n in found.items())
    return names
