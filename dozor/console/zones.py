"""The zone of a KPI tile: ok, yellow (warning) or red (critical), by a threshold that says
which way is worse. Pure."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Zone = Literal["ok", "yellow", "red"]
Worse = Literal["higher", "lower"]
SCOPES = ("all", "group", "operator")


@dataclass(frozen=True, slots=True)
class Level:
    warning: float
    critical: float
    worse: Worse = "higher"


def zone(value: float | None, level: Level | None) -> Zone:
    """Red at or past the critical level, yellow at or past the warning one; a value that
    cannot be measured (None) or has no threshold is ok."""
    if value is None or level is None:
        return "ok"
    sign = 1 if level.worse == "higher" else -1
    if sign * value >= sign * level.critical:
        return "red"
    if sign * value >= sign * level.warning:
        return "yellow"
    return "ok"


def problem(level: Level) -> str | None:
    """Why the levels make no sense, or None: the critical one must lie past the warning."""
    if level.worse == "higher" and level.critical < level.warning:
        return "when higher is worse, critical must not be below warning"
    if level.worse == "lower" and level.critical > level.warning:
        return "when lower is worse, critical must not be above warning"
    return None


@dataclass(frozen=True, slots=True)
class Rule:
    kpi: str
    scope: str
    scope_id: str
    level: Level


def pick(rules: Iterable[Rule], kpi: str, scope: str, scope_id: str = "") -> Level | None:
    """The threshold of ``kpi`` for a scope: its own, else the company's."""
    own = company = None
    for rule in rules:
        if rule.kpi != kpi:
            continue
        if (rule.scope, rule.scope_id) == (scope, scope_id):
            own = rule.level
        elif rule.scope == "all":
            company = rule.level
    return own or company
