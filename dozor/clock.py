"""Time is injected: code asks a clock, never ``datetime.now()`` deep inside."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from time import monotonic
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class ManualClock:
    """A clock that moves only when told to: for tests."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@dataclass
class ScaledClock:
    """A clock that starts at ``start`` and runs ``speed`` times faster than real time."""

    start: datetime
    speed: float = 1.0
    _origin: float = field(default_factory=monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(monotonic() - self._origin) * self.speed)
