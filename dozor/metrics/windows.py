"""KPI windows: the last 5, 10, 15, 30 or 60 minutes or today, as of a moment; or any range."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

WindowName = Literal["5m", "10m", "15m", "30m", "60m", "today"]
WINDOWS: tuple[WindowName, ...] = ("5m", "10m", "15m", "30m", "60m", "today")


class WindowError(ValueError):
    """The query names no window, or two."""


@dataclass(frozen=True, slots=True)
class Window:
    """A closed range of time: what happened within it counts; the "now" values are at its end."""

    start: datetime
    end: datetime

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment <= self.end


def last(name: WindowName, *, at: datetime, timezone: str) -> Window:
    """The window ``name`` ending at ``at``; "today" starts at midnight in ``timezone``."""
    if name == "today":
        zone = ZoneInfo(timezone)
        midnight = datetime.combine(at.astimezone(zone).date(), time(), tzinfo=zone)
        return Window(midnight.astimezone(UTC), at)
    return Window(at - timedelta(minutes=int(name.removesuffix("m"))), at)


def parse(
    *,
    window: WindowName | None,
    at: datetime | None,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    timezone: str,
) -> Window:
    """The window a query asks for: ``window`` (as of ``at``, default now), or ``from``–``to``."""
    if window is not None:
        if start is not None or end is not None:
            raise WindowError("give either window (with an optional at) or from and to, not both")
        return last(window, at=at or now, timezone=timezone)
    if at is not None:
        raise WindowError("at goes with window; a range from … to ends at its to")
    if start is None or end is None:
        raise WindowError("give window (5m, 10m, 15m, 30m, 60m or today) or both from and to")
    if start > end:
        raise WindowError("from must not be after to")
    return Window(start, end)
