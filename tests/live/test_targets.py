"""Deadlines: the defaults agree with conversations/sla.py; a group's own targets; e-mail
clocks pause outside the group's business hours, chat and call clocks never do."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dozor.conversations import sla
from dozor.conversations.sla import Targets
from dozor.conversations.state import fold
from dozor.live.hours import parse
from dozor.live.targets import SlaRules, deadline
from tests.metrics.scenarios import inbound

MOSCOW = ZoneInfo("Europe/Moscow")
FRIDAY_5PM = datetime(2026, 3, 6, 17, 0, tzinfo=MOSCOW)


def _due(medium: str, work_state: str, rules: SlaRules, group: str = "mail") -> datetime | None:
    return deadline(
        medium=medium, group_id=group, work_state=work_state, since=FRIDAY_5PM, rules=rules
    )


def test_without_settings_the_deadline_is_conversations_sla() -> None:
    for medium in ("chat", "call", "email"):
        state = fold(inbound("c", medium=medium).events)  # type: ignore[arg-type]
        assert deadline(
            medium=state.medium,
            group_id=state.group_id,
            work_state=state.work_state,
            since=state.work_state_since,
            rules=SlaRules(),
        ) == sla.deadline(state)


def test_a_groups_own_targets_win_over_the_defaults() -> None:
    rules = SlaRules(targets={("mail", "chat"): Targets(new=30, unanswered=None, answered=None)})
    assert _due("chat", "new", rules) == FRIDAY_5PM + timedelta(seconds=30)
    assert _due("chat", "unanswered", rules) is None
    assert _due("chat", "new", rules, group="other") == FRIDAY_5PM + timedelta(seconds=60)


def test_an_email_clock_stops_for_the_weekend() -> None:
    rules = SlaRules(hours={"mail": parse("mon-fri 09:00-18:00")}, timezone="Europe/Moscow")
    # four business hours from Friday 17:00: one on Friday, three on Monday
    assert _due("email", "new", rules) == datetime(2026, 3, 9, 12, 0, tzinfo=MOSCOW)
    # a chat of the same group keeps plain time
    assert _due("chat", "new", rules) == FRIDAY_5PM + timedelta(seconds=60)
    # a group without hours is always open
    assert _due("email", "new", rules, group="other") == FRIDAY_5PM + timedelta(hours=4)


def test_closed_conversations_have_no_deadline() -> None:
    assert _due("chat", "closed", SlaRules()) is None
