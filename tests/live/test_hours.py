"""Business hours: reading a spec, and deadlines that count only open time."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dozor.live import hours

MOSCOW = ZoneInfo("Europe/Moscow")
OFFICE = hours.parse("mon-fri 09:00-18:00")


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026 on Moscow's clock (2 March is a Monday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=MOSCOW)


def test_a_spec_reads_into_ranges_per_weekday_and_back() -> None:
    week = hours.parse("mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00")
    assert week[0] == ((540, 780), (840, 1080))
    assert week[5] == ((600, 840),) and week[6] == ()
    assert hours.to_spec(week) == "mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00"
    assert hours.parse("sun 00:00-24:00")[6] == ((0, 1440),)
    assert hours.parse("fri-mon 10:00-11:00")[0] == ((600, 660),)  # a run may wrap the week


def test_overlapping_ranges_merge() -> None:
    assert hours.parse("mon 09:00-12:00, 11:00-13:00; mon 13:00-14:00")[0] == ((540, 840),)


@pytest.mark.parametrize(
    "spec", ["mon", "moon 09:00-10:00", "mon 9-10", "mon 10:00-09:00", "mon 09:00-25:00"]
)
def test_a_bad_spec_says_why(spec: str) -> None:
    with pytest.raises(hours.HoursError):
        hours.parse(spec)


def test_open_time_runs_only_within_the_hours() -> None:
    # four open hours from Friday 16:00: two on Friday, two on Monday morning
    due = hours.add_open_time(msk(6, 16), 4 * 3600, OFFICE, MOSCOW)
    assert due == msk(9, 11)
    # a clock started at night waits for the morning
    assert hours.add_open_time(msk(3, 22), 3600, OFFICE, MOSCOW) == msk(4, 10)
    # within one open span it is plain addition
    assert hours.add_open_time(msk(3, 9, 30), 1800, OFFICE, MOSCOW) == msk(3, 10)


def test_the_end_of_a_span_is_reached_exactly() -> None:
    assert hours.add_open_time(msk(3, 17), 3600, OFFICE, MOSCOW) == msk(3, 18)


def test_a_week_with_no_open_hour_never_comes_due() -> None:
    assert hours.add_open_time(msk(3, 9), 60, hours.parse(""), MOSCOW) is None


def test_always_open_is_plain_time() -> None:
    start = datetime(2026, 3, 7, 23, 0, tzinfo=UTC)
    assert hours.add_open_time(start, 7200, hours.ALWAYS_OPEN, MOSCOW) == datetime(
        2026, 3, 8, 1, 0, tzinfo=UTC
    )


def test_is_open() -> None:
    assert hours.is_open(msk(3, 9), OFFICE, MOSCOW)
    assert not hours.is_open(msk(3, 18), OFFICE, MOSCOW)
    assert not hours.is_open(msk(7, 12), OFFICE, MOSCOW)
