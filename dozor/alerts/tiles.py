"""The console's tiles coloured by alert rules: where no threshold is set for an indicator and a
scope, an enabled rule on that indicator and scope gives the tile its yellow and red levels.
Pure.

A rule counts for the window the console shows; the "now" indicators (the state at the
window's end: the queue, the longest current wait, who is online…) are the same whatever the
window, so their rules count for every window. An explicit threshold wins over a rule of the
same indicator and scope; among rules, the one made first (docs/decisions.md).
"""

from collections.abc import Iterable
from typing import Protocol

from dozor.alerts import judge
from dozor.console import zones

NOW = frozenset(
    {
        "in_queue",
        "max_wait_now",
        "operators_online",
        "operators_total",
        "free_operators",
        "on_group_calls",
        "on_personal_calls",
        "new",
        "unanswered",
        "answered",
        "overdue",
    }
)


class Watched(Protocol):
    """What the evaluator keeps of an enabled rule (``evaluator.Watched``)."""

    @property
    def id(self) -> int: ...
    @property
    def indicator(self) -> str: ...
    @property
    def window(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def scope_ids(self) -> tuple[str, ...]: ...
    @property
    def levels(self) -> judge.Levels: ...


def levels(
    thresholds: Iterable[zones.Rule], rules: Iterable[Watched], window: str
) -> list[zones.Rule]:
    """The thresholds, and a level for each (indicator, scope, scope id) they leave open that
    a rule watches in ``window``."""
    found = list(thresholds)
    taken = {(t.kpi, t.scope, t.scope_id) for t in found}
    for rule in sorted(rules, key=lambda r: r.id):
        if rule.indicator not in NOW and rule.window != window:
            continue
        for scope_id in rule.scope_ids:
            key = (rule.indicator, rule.scope, scope_id)
            if key not in taken:
                taken.add(key)
                found.append(zones.Rule(*key, rule.levels.level()))
    return found
