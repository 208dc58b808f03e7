"""Windows: the last minutes or today as of a moment, or a range; every wrong combination."""

from datetime import UTC, datetime, timedelta

import pytest

from dozor.metrics.windows import Window, WindowError, last, parse

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AT = NOW - timedelta(hours=1)


def window(**query):  # type: ignore[no-untyped-def]
    return parse(
        **{"window": None, "at": None, "start": None, "end": None, **query},
        now=NOW,
        timezone="Europe/Moscow",
    )


def test_the_last_minutes_end_at_at_or_now() -> None:
    assert window(window="5m") == Window(NOW - timedelta(minutes=5), NOW)
    assert window(window="60m", at=AT) == Window(AT - timedelta(hours=1), AT)
    assert last("15m", at=AT, timezone="UTC").start == AT - timedelta(minutes=15)


def test_today_follows_the_time_zone_across_dates() -> None:
    late_evening_utc = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # already 3 March in Moscow
    assert window(window="today", at=late_evening_utc).start == datetime(
        2026, 3, 2, 21, 0, tzinfo=UTC
    )
    assert last("today", at=late_evening_utc, timezone="UTC").start == datetime(
        2026, 3, 2, 0, 0, tzinfo=UTC
    )


def test_a_range() -> None:
    assert window(start=AT, end=NOW) == Window(AT, NOW)
    assert window(start=NOW, end=NOW).holds(NOW)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"start": AT},
        {"end": NOW},
        {"start": NOW, "end": AT},
        {"window": "5m", "start": AT, "end": NOW},
        {"window": "5m", "end": NOW},
        {"at": AT},
        {"at": AT, "start": AT, "end": NOW},
    ],
)
def test_wrong_combinations_are_refused(query: dict) -> None:
    with pytest.raises(WindowError):
        window(**query)
