"""Tile zones: which way is worse, the exact levels, unmeasured values, the scope's own rule."""

import pytest

from dozor.console.zones import Level, Rule, pick, problem, zone

LOST = Level(warning=3, critical=5, worse="higher")
SERVICE = Level(warning=80, critical=60, worse="lower")


@pytest.mark.parametrize(
    ("value", "level", "expected"),
    [
        (2, LOST, "ok"),
        (3, LOST, "yellow"),
        (4.9, LOST, "yellow"),
        (5, LOST, "red"),
        (90, SERVICE, "ok"),
        (80, SERVICE, "yellow"),
        (60, SERVICE, "red"),
        (12, SERVICE, "red"),
        (None, LOST, "ok"),
        (100, None, "ok"),
    ],
)
def test_zone(value: float | None, level: Level | None, expected: str) -> None:
    assert zone(value, level) == expected


def test_the_critical_level_lies_past_the_warning() -> None:
    assert problem(LOST) is None and problem(SERVICE) is None
    assert problem(Level(5, 3, "higher")) and problem(Level(60, 80, "lower"))


def test_a_scopes_own_threshold_wins_over_the_companys() -> None:
    rules = [
        Rule("lost", "all", "", LOST),
        Rule("lost", "group", "vip", Level(1, 2)),
        Rule("csat", "group", "support", SERVICE),
    ]
    assert pick(rules, "lost", "group", "vip") == Level(1, 2)
    assert pick(rules, "lost", "group", "support") == LOST
    assert pick(rules, "lost", "operator", "bob") == LOST
    assert pick(rules, "csat", "all") is None
