"""When a conversation turns overdue: its group's targets per medium, and for e-mail the
group's business hours, during which alone its clock runs (DESIGN.md, "Overdue").

Pure: the tables are read by ``dozor/console/service.py`` and handed in as ``SlaRules``.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dozor.conversations.sla import DEFAULT_TARGETS, Targets
from dozor.conversations.state import ConversationState
from dozor.live.hours import Week, add_open_time

MEDIA = ("chat", "call", "email")
WORK_STATES = ("new", "unanswered", "answered")
PAUSED_MEDIA = frozenset({"email"})  # the clocks that stop outside business hours


@dataclass(frozen=True)
class SlaRules:
    """Targets per (group, medium) where an admin set them, business hours per group."""

    targets: Mapping[tuple[str, str], Targets] = field(default_factory=dict)
    hours: Mapping[str, Week] = field(default_factory=dict)
    timezone: str = "Europe/Moscow"

    def targets_of(self, group_id: str | None, medium: str | None) -> Targets | None:
        medium = medium or "chat"  # as conversations/sla.py reads a conversation of no medium
        found = self.targets.get((group_id or "", medium))
        return found if found is not None else DEFAULT_TARGETS.get(medium)


def deadline(
    *,
    medium: str | None,
    group_id: str | None,
    work_state: str,
    since: datetime | None,
    rules: SlaRules,
) -> datetime | None:
    """When a conversation in ``work_state`` since ``since`` turns overdue; None: never."""
    targets = rules.targets_of(group_id, medium)
    if targets is None or since is None or work_state not in WORK_STATES:
        return None
    limit = getattr(targets, work_state)
    if limit is None:
        return None
    week = rules.hours.get(group_id or "")
    if (medium or "chat") in PAUSED_MEDIA and week is not None:
        return add_open_time(since, limit, week, ZoneInfo(rules.timezone))
    return since + timedelta(seconds=limit)


def due(state: ConversationState, rules: SlaRules) -> datetime | None:
    """When ``state``, in its current work state, turns overdue under ``rules``."""
    return deadline(
        medium=state.medium,
        group_id=state.group_id,
        work_state=state.work_state,
        since=state.work_state_since,
        rules=rules,
    )
