"""The dialog list: one page of conversations by a filter and a sort, and the summary line.

Pages are keyset (cursor) pages: a page ends at a (sort value, number) and the next starts
strictly after it, so conversations arriving meanwhile never shift or repeat rows. The cursor is
opaque to callers: base64 of the sort, its direction and that position.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, and_, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations import filters, search
from dozor.conversations.access import Scope
from dozor.conversations.columns import COLUMNS, DURATION_SQL, DURATIONS, sort_sql
from dozor.conversations.models import Conversation
from dozor.lib import cursor as cursors
from dozor.live.targets import SlaRules

table = Conversation.__table__
t = table.c
MAX_LIMIT = 500


class CursorError(ValueError):
    """A cursor that is not ours, or was made for another sort."""


@dataclass(frozen=True)
class Sort:
    key: str = "number"
    descending: bool = True

    @classmethod
    def parse(cls, key: str | None, direction: str | None) -> "Sort":
        """A sort from the page's parameters; unknown keys fall back to the newest first."""
        if key not in COLUMNS:
            return cls()
        return cls(key, direction != "asc")

    @property
    def direction(self) -> str:
        return "desc" if self.descending else "asc"


def encode_cursor(sort: Sort, value: Any, number: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    return cursors.pack([sort.key, sort.direction, value, number])


def decode_cursor(cursor: str, sort: Sort) -> tuple[Any, int]:
    """The position a cursor names; ``CursorError`` when it is foreign or for another sort."""
    try:
        key, direction, value, number = cursors.unpack(cursor)
    except ValueError as error:
        raise CursorError("the cursor is not one of this list's") from error
    if (key, direction) != (sort.key, sort.direction) or not isinstance(number, int):
        raise CursorError("the cursor belongs to another sort: start from the first page")
    if value is not None and COLUMNS[key].is_date:
        try:
            value = datetime.fromisoformat(value)
        except (TypeError, ValueError) as error:
            raise CursorError("the cursor is not one of this list's") from error
    return value, number


def order_by(sort: Sort, now: datetime, sla: SlaRules) -> list[Any]:
    return _ordering(sort, sort_sql(sort.key, now, sla), t.number)


def _ordering(sort: Sort, value: Any, number: Any) -> list[Any]:
    """ORDER BY ``value`` (the sort's column), then ``number``, in the sort's direction."""
    last = number.desc() if sort.descending else number.asc()
    if sort.key == "number":
        return [last]
    ordered = value.desc() if sort.descending else value.asc()
    if COLUMNS[sort.key].nullable:
        ordered = ordered.nulls_last()  # empty values last, whichever the direction
    return [ordered, last]


def after(sort: Sort, value: Any, number: int, now: datetime, sla: SlaRules) -> Any:
    """Rows that come strictly after the position (value, number) in this sort."""
    desc = sort.descending
    next_number = t.number < number if desc else t.number > number
    if sort.key == "number":
        return next_number
    expression = sort_sql(sort.key, now, sla)
    if value is None:  # the position is among the empty values, which come last
        return and_(expression.is_(None), next_number)
    if not COLUMNS[sort.key].nullable and sort.key not in ("overdue",):
        pair, position = tuple_(expression, t.number), tuple_(value, number)
        return pair < position if desc else pair > position
    beyond = expression < value if desc else expression > value
    parts = [beyond, and_(expression == value, next_number)]
    if COLUMNS[sort.key].nullable:
        parts.append(expression.is_(None))
    return or_(*parts)


@dataclass
class Page:
    rows: list[Row[Any]]
    next_cursor: str | None


def _where(
    session: AsyncSession,
    dialog_filter: Any,
    scope: Scope,
    now: datetime,
    zone: ZoneInfo,
    sla: SlaRules,
    frequent: frozenset[str] = frozenset(),
    numbers: search.Numbers | None = None,
) -> list[Any]:
    dialect = session.get_bind().dialect.name
    found = filters.conditions(
        dialog_filter,
        now=now,
        zone=zone,
        dialect=dialect,
        sla=sla,
        frequent=frequent,
        numbers=numbers,
    )
    return [scope.condition(), *found]


async def page(
    session: AsyncSession,
    *,
    dialog_filter: Any,
    scope: Scope,
    now: datetime,
    zone: ZoneInfo,
    sla: SlaRules,
    sort: Sort = Sort(),
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """One page of the list: rows of ``conversations`` (with ``sort_value``) in sort order;
    overdue (to filter or sort by) as ``sla`` has it. A frequent text is checked along the
    list, a rare one found from its index (``search.frequent``); newest first, in a window of
    numbers widened until the page is full (``search.window``)."""
    limit = max(1, min(limit, MAX_LIMIT))
    frequent = await search.frequent(session, dialog_filter)
    walked = {name: getattr(dialog_filter, name) for name in frequent}
    position = decode_cursor(cursor, sort) if cursor else None

    def statement(numbers: search.Numbers | None) -> Select[Any]:
        text_checks: list[Any] = []
        if sort.key == "number" or not walked:
            # the primary key gives this order, or the text comes from its index
            where = _where(session, dialog_filter, scope, now, zone, sla, frequent, numbers)
        else:
            # A text checked row by row, in an order no index gives: the rows are sorted
            # first, then checked in that order until the page is full. In one statement the
            # database checks every row before it sorts (an operator's thousands of
            # conversations and their messages, for a page of 50).
            rest = dialog_filter.model_copy(update=dict.fromkeys(walked))
            where = _where(session, rest, scope, now, zone, sla, frequent)
            text_only = type(dialog_filter)(**walked)
            dialect = session.get_bind().dialect.name
            text_checks = filters.conditions(
                text_only, now=now, zone=zone, dialect=dialect, sla=sla, frequent=frequent
            )
        if position is not None:
            where.append(after(sort, *position, now, sla))
        # The page's numbers first, its rows after: a sort of many matches (a text from its
        # index) then handles narrow rows, and only the page's rows are read whole. Checked
        # after the sort, the subquery is fenced by OFFSET 0 so that it is not merged.
        ordered = select(t.number, sort_sql(sort.key, now, sla).label("sort_value"))
        ordered = ordered.where(*where).order_by(*order_by(sort, now, sla))
        ordered = ordered.offset(0) if text_checks else ordered.limit(limit + 1)
        found = ordered.subquery("ordered")
        return (
            select(table, found.c.sort_value)
            .join(found, t.number == found.c.number)
            .where(*text_checks)
            .order_by(*_ordering(sort, found.c.sort_value, found.c.number))
            .limit(limit + 1)
        )

    before = position[1] if position else None
    numbers = await first_window(session, dialog_filter, frequent, sort, limit, before)
    rows = list(await session.execute(statement(numbers)))
    while numbers is not None and len(rows) <= limit:
        numbers = numbers.wider(found=len(rows), wanted=limit + 1)
        rows = list(await session.execute(statement(numbers)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(sort, rows[-1].sort_value, rows[-1].number)
    return Page(rows, next_cursor)


async def first_window(
    session: AsyncSession,
    dialog_filter: Any,
    frequent: frozenset[str],
    sort: Sort,
    limit: int,
    before: int | None,
) -> search.Numbers | None:
    """The window of numbers a page first asks (``search.window``): a page newest first whose
    free text is found from its index; None for any other."""
    if sort != Sort() or "q" in frequent:
        return None
    return await search.window(session, dialog_filter.q, limit=limit, before=before)


async def summary(
    session: AsyncSession,
    *,
    dialog_filter: Any,
    scope: Scope,
    now: datetime,
    zone: ZoneInfo,
    sla: SlaRules,
) -> dict[str, Any]:
    """The summary line over the whole filtered set: the count, and the average and the
    maximum of every duration (over the conversations where it is defined)."""
    measures = []
    for key in DURATIONS:
        measures += [func.avg(DURATION_SQL[key]), func.max(DURATION_SQL[key])]
    statement = select(func.count(), *measures).select_from(table)
    row = (
        await session.execute(
            statement.where(*_where(session, dialog_filter, scope, now, zone, sla))
        )
    ).one()
    result: dict[str, Any] = {"count": row[0]}
    for index, key in enumerate(DURATIONS):
        average, maximum = row[1 + 2 * index], row[2 + 2 * index]
        result[key] = {
            "avg": None if average is None else float(average),
            "max": None if maximum is None else float(maximum),
        }
    return result


async def count(
    session: AsyncSession,
    *,
    dialog_filter: Any,
    scope: Scope,
    now: datetime,
    zone: ZoneInfo,
    sla: SlaRules,
) -> int:
    where = _where(session, dialog_filter, scope, now, zone, sla)
    return await session.scalar(select(func.count()).select_from(table).where(*where)) or 0
