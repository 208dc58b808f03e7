"""Business hours of a group, and deadlines that count only open time (the e-mail clock).

A week is seven lists of open ranges, Monday first, in minutes since local midnight on the
center's clock (``DOZOR_TIMEZONE``). People write it as a short spec::

    mon-fri 09:00-18:00; sat 10:00-14:00
    mon-thu 09:00-13:00,14:00-18:00; fri 09:00-16:00

A day left out is closed; ``24:00`` ends a day. Pure functions, no database.
"""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_A_DAY = 24 * 60

Range = tuple[int, int]  # [start, end) in minutes since midnight
Week = tuple[tuple[Range, ...], ...]  # seven days, Monday first

ALWAYS_OPEN: Week = tuple(((0, MINUTES_A_DAY),) for _ in DAYS)


class HoursError(ValueError):
    """A spec that cannot be read; the message says where."""


def parse(spec: str) -> Week:
    """The week a spec describes; an empty spec is a week with no open hour."""
    days: list[list[Range]] = [[] for _ in DAYS]
    for part in filter(None, (p.strip() for p in spec.replace("\n", ";").split(";"))):
        names, _, ranges = part.partition(" ")
        if not ranges.strip():
            raise HoursError(f"{part!r}: give days and hours, e.g. 'mon-fri 09:00-18:00'")
        for day in _days(names.strip().lower()):
            days[day].extend(_range(r.strip()) for r in ranges.split(",") if r.strip())
    return tuple(_merge(d) for d in days)


def _days(names: str) -> list[int]:
    first, _, last = names.partition("-")
    for name in (first, last or first):
        if name not in DAYS:
            raise HoursError(f"{name!r} is not a day: use {', '.join(DAYS)}")
    start, end = DAYS.index(first), DAYS.index(last or first)
    return [(start + i) % 7 for i in range((end - start) % 7 + 1)]


def _range(text: str) -> Range:
    opens, _, closes = text.partition("-")
    start, end = _minute(opens), _minute(closes)
    if start >= end:
        raise HoursError(f"{text!r}: the end must come after the start")
    return start, end


def _minute(text: str) -> int:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise HoursError(f"{text!r} is not a time like 09:00")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_A_DAY:
        raise HoursError(f"{text!r} is not a time of day (00:00 to 24:00)")
    return value


def _merge(ranges: list[Range]) -> tuple[Range, ...]:
    merged: list[Range] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def to_spec(week: Week) -> str:
    """The spec of ``week``, consecutive days with the same hours written as one run."""
    parts: list[str] = []
    day = 0
    while day < 7:
        last = day
        while last + 1 < 7 and week[last + 1] == week[day]:
            last += 1
        if week[day]:
            names = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
            parts.append(f"{names} {','.join(_hm(a) + '-' + _hm(b) for a, b in week[day])}")
        day = last + 1
    return "; ".join(parts)


def _hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _moment(day: date, minute: int, zone: ZoneInfo) -> datetime:
    if minute == MINUTES_A_DAY:
        day, minute = day + timedelta(days=1), 0
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)


def add_open_time(start: datetime, seconds: float, week: Week, zone: ZoneInfo) -> datetime | None:
    """The moment ``seconds`` of open time have passed since ``start``; closed hours do not
    count. None when the week has no open hour at all (the clock never runs)."""
    if not any(week):
        return None
    remaining = max(seconds, 0.0)
    day = start.astimezone(zone).date()
    while True:
        for opens, closes in week[day.weekday()]:
            begin = max(_moment(day, opens, zone), start)
            end = _moment(day, closes, zone)
            if begin >= end:
                continue
            span = (end - begin).total_seconds()
            if remaining <= span:
                return begin + timedelta(seconds=remaining)
            remaining -= span
        day += timedelta(days=1)


def open_cutoff(
    now: datetime, seconds: float, week: Week, zone: ZoneInfo
) -> tuple[datetime, bool] | None:
    """The inverse of ``add_open_time``: the moment from which ``seconds`` of open time run
    until ``now``, and whether a start exactly at it is past. The open ranges are walked back
    from ``now``, their time counted until it reaches ``seconds``; None for a week never open.

    Where open time runs right up to ``now``, a deadline reached exactly at ``now`` is not yet
    past, so the moment from which exactly ``seconds`` of open time remain is not overdue (nor
    the closed time just after it); where ``now`` is closed, that moment is overdue too. A
    target of 0 is past from the first open moment after the start."""
    latest: datetime | None = None  # the end of the open time nearest before now
    for begin, end in _ranges_back(now, week, zone):
        latest = latest or end
        span = (end - begin).total_seconds()
        if seconds == 0:
            return end, False
        if seconds < span:
            return end - timedelta(seconds=seconds), latest < now
        if seconds == span and latest < now:
            return begin, True
        seconds -= span
    return None


def _ranges_back(now: datetime, week: Week, zone: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
    """The open ranges before ``now``, latest first (the one around ``now`` cut at it)."""
    if not any(week):
        return
    day = now.astimezone(zone).date()
    while True:
        for opens, closes in reversed(week[day.weekday()]):
            begin, end = _moment(day, opens, zone), min(_moment(day, closes, zone), now)
            if begin < end:
                yield begin, end
        day -= timedelta(days=1)


def is_open(moment: datetime, week: Week, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    minute = local.hour * 60 + local.minute
    return any(a <= minute < b for a, b in week[local.weekday()])
