"""Overdue in the dialog list, by the admin's targets and business hours (``SlaRules``), as the
console judges it (``dozor.live.targets``).

A conversation is overdue when ``now`` is past its deadline, and the deadline only moves later
when the work state starts later. So, for each group, medium and work state, "overdue at
``now``" is "entered the work state before a cutoff": ``now`` minus the target, or for a clock
that stops outside business hours (e-mail) the moment from which exactly the target of open
time runs until ``now``. The SQL is then a few ranges of the ``(work_state, work_state_since)``
index, whatever the size of the table.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, false, func, or_
from sqlalchemy.sql.elements import ColumnElement

from dozor.conversations.models import Conversation
from dozor.conversations.state import ConversationState
from dozor.live import hours
from dozor.live import targets as sla_targets
from dozor.live.hours import Week
from dozor.live.targets import MEDIA, PAUSED_MEDIA, WORK_STATES, SlaRules

t = Conversation.__table__.c
Cutoff = tuple[datetime, bool]  # overdue when entered before it (or at it, when True)


def is_overdue(state: ConversationState, now: datetime, rules: SlaRules) -> bool:
    due = sla_targets.due(state, rules)
    return due is not None and now > due


def overdue_sql(now: datetime, rules: SlaRules) -> ColumnElement[bool]:
    """``is_overdue`` at ``now`` as an SQL condition on the conversations."""
    parts = []
    for medium in MEDIA:
        own = {group for group, m in rules.targets if m == medium}
        if medium in PAUSED_MEDIA:
            own |= set(rules.hours)
        of_medium = func.coalesce(t.medium, "chat") == medium
        group_key = func.coalesce(t.group_id, "")  # as SlaRules keys a conversation of no group
        for group in sorted(own):
            parts += _states(and_(of_medium, group_key == group), now, rules, group, medium)
        others = and_(of_medium, group_key.not_in(sorted(own))) if own else of_medium
        parts += _states(others, now, rules, None, medium)
    if not parts:
        return false()
    return and_(t.work_state_since.is_not(None), or_(*parts))


def _states(
    scope: ColumnElement[bool], now: datetime, rules: SlaRules, group: str | None, medium: str
) -> list[ColumnElement[bool]]:
    targets = rules.targets_of(group, medium)
    week = rules.hours.get(group or "") if group is not None and medium in PAUSED_MEDIA else None
    parts = []
    for state in WORK_STATES:
        limit = None if targets is None else getattr(targets, state)
        if limit is None:
            continue
        cutoff = cutoff_of(now, limit, week, ZoneInfo(rules.timezone))
        if cutoff is None:
            continue
        moment, inclusive = cutoff
        since = t.work_state_since <= moment if inclusive else t.work_state_since < moment
        parts.append(and_(scope, t.work_state == state, since))
    return parts


def cutoff_of(now: datetime, seconds: float, week: Week | None, zone: ZoneInfo) -> Cutoff | None:
    """When a work state must have begun for ``seconds`` of its clock to have run out before
    ``now``; None when that can never happen (a week with no open hour)."""
    if week is None:
        return now - timedelta(seconds=seconds), False
    return hours.open_cutoff(now, max(seconds, 0.0), week, zone)
