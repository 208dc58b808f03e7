"""Every KPI of DESIGN.md as a small pure function over records and a window.

Each is defined in docs/metrics.md ("KPIs"). ``compute`` returns them all under the keys of
``GET /api/v1/kpis``: percentages 0–100, durations in seconds, unrounded, ``None`` where the
denominator is zero. The contacts must be the conversations as they stood at the window's end
(``records.contact_as_of``); facts are counted in the window by their own time.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from dozor.metrics import staffing
from dozor.metrics.records import Agent, Contact, Rules, Scope
from dozor.metrics.windows import Window

IMMEDIATE = 1.0  # seconds of queue wait that still count as an immediate answer
SUCCESSFUL_TALK = 30.0  # a talk longer than this is a successful one

Value = float | int | None


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Inbound contacts that left the queue in the window: taken, lost, abandoned at once."""

    accepted: list[Contact]
    lost: list[Contact]
    short_abandoned: list[Contact]


def outcomes(contacts: Iterable[Contact], window: Window, rules: Rules) -> Outcomes:
    accepted: list[Contact] = []
    lost: list[Contact] = []
    short: list[Contact] = []
    for c in contacts:
        if c.direction != "inbound" or not window.holds(c.left_queue_at):
            continue
        if c.accepted_operator_id is not None:
            accepted.append(c)
        elif c.lost:
            quick = _wait(c) < rules.of(c.queue_group_id).short_abandon
            (short if quick else lost).append(c)
    return Outcomes(accepted, lost, short)


def lost_pct(o: Outcomes) -> float | None:
    return _pct(len(o.lost), len(o.accepted) + len(o.lost))


def waits(o: Outcomes) -> list[float]:
    """Queue waits of the contacts taken or lost (short abandons left out)."""
    return [_wait(c) for c in o.accepted + o.lost]


def service_level(o: Outcomes, rules: Rules) -> float | None:
    """Taken within T of those offered; each contact by its own group's T and variant."""
    met = offered = 0
    for c in o.accepted:
        offered += 1
        met += _wait(c) <= rules.of(c.queue_group_id).sl_threshold
    for c in o.lost:
        group = rules.of(c.queue_group_id)
        if group.sl_variant == "abandons_ignored":
            continue
        offered += 1
        met += group.sl_variant == "abandons_within_t_met" and _wait(c) <= group.sl_threshold
    return _pct(met, offered)


def immediate_answer_pct(o: Outcomes) -> float | None:
    return _pct(sum(_wait(c) <= IMMEDIATE for c in o.accepted), len(o.accepted))


def queue_now(contacts: Iterable[Contact], end: datetime) -> list[float]:
    """How long each inbound contact waiting in a queue at ``end`` has waited so far."""
    return [
        (end - c.queue_since).total_seconds()
        for c in contacts
        if c.direction == "inbound" and c.queue_since is not None and c.is_open(end)
    ]


def talks(contacts: Iterable[Contact], window: Window, direction: str) -> list[float]:
    """Talk of the answered calls of ``direction`` that ended in the window."""
    return [
        c.talk
        for c in contacts
        if c.medium == "call"
        and c.direction == direction
        and c.talk is not None
        and window.holds(c.closed_at)
    ]


def outbound_calls(contacts: Iterable[Contact], window: Window) -> list[Contact]:
    """Outbound calls started (opened) in the window."""
    return [
        c
        for c in contacts
        if c.medium == "call" and c.direction == "outbound" and window.holds(c.created_at)
    ]


def connect_pct(started: list[Contact], end: datetime) -> float | None:
    connected = sum(c.accepted_at is not None and c.accepted_at <= end for c in started)
    return _pct(connected, len(started))


def successful_pct(talk: list[float]) -> float | None:
    return _pct(sum(t > SUCCESSFUL_TALK for t in talk), len(talk))


def first_responses(contacts: Iterable[Contact], window: Window) -> list[float]:
    """Wait for the first answer, over inbound chats and e-mails answered in the window."""
    return [
        c.first_answer_wait
        for c in contacts
        if c.medium in ("chat", "email")
        and c.direction == "inbound"
        and c.first_answer_wait is not None
        and window.holds(c.first_answer_at)
    ]


def aht(contacts: Iterable[Contact], window: Window, wrapup_limit: float) -> float | None:
    """Mean handling time (talk + hold + after-call work) of those accepted and closed in the
    window; a chat or e-mail is handled from its acceptance to its close."""
    handled = [
        (c.closed_at - c.accepted_at).total_seconds()
        + staffing.after_call_work(c, window.end, wrapup_limit)
        for c in contacts
        if c.accepted_at is not None and c.closed_at is not None and window.holds(c.closed_at)
    ]
    return _mean(handled)


def csat(contacts: Iterable[Contact], window: Window) -> float | None:
    """Ratings 4–5 of all client ratings, over the conversations closed in the window."""
    ratings = [c.rating for c in contacts if c.rating is not None and window.holds(c.closed_at)]
    return _pct(sum(r >= 4 for r in ratings), len(ratings))


def work_states(contacts: Iterable[Contact], end: datetime) -> dict[str, int]:
    """Open conversations at ``end`` by work state, and how many of them are overdue."""
    counts = {"new": 0, "unanswered": 0, "answered": 0, "overdue": 0}
    for c in contacts:
        if not c.is_open(end):
            continue
        counts[c.work_state] += 1
        counts["overdue"] += c.overdue_at is not None and end > c.overdue_at
    return counts


def compute(
    contacts: Iterable[Contact],
    agents: Iterable[Agent],
    window: Window,
    *,
    scope: Scope = Scope(),
    rules: Rules = Rules(),
) -> dict[str, Value]:
    """Every KPI for ``scope`` in ``window``, under the API's keys, in DESIGN.md's order."""
    everyone = list(contacts)
    mine = [c for c in everyone if scope.takes(c)]
    o = outcomes((c for c in everyone if scope.takes(c, queue=True)), window, rules)
    waited, waiting = waits(o), queue_now(mine, window.end)
    inbound_talk, outbound_talk = talks(mine, window, "inbound"), talks(mine, window, "outbound")
    started = outbound_calls(mine, window)
    staff = staffing.figures(
        [a for a in agents if scope.takes_agent(a)], everyone, window, rules.wrapup_limit
    )
    frt = first_responses(mine, window)
    return {
        "accepted": len(o.accepted),
        "lost": len(o.lost),
        "short_abandoned": len(o.short_abandoned),
        "lost_pct": lost_pct(o),
        "in_queue": len(waiting),
        "max_wait_now": max(waiting, default=0.0),
        "avg_wait": _mean(waited),
        "max_wait": max(waited, default=None),
        "service_level": service_level(o, rules),
        "immediate_answer_pct": immediate_answer_pct(o),
        "operators_online": staff.online,
        "operators_total": staff.total,
        "free_operators": staff.free,
        "on_group_calls": staff.on_group_calls,
        "on_personal_calls": staff.on_personal_calls,
        "utilization": staff.utilization,
        "avg_inbound_talk": _mean(inbound_talk),
        "successful_inbound_pct": successful_pct(inbound_talk),
        "outbound_calls": len(started),
        "connect_pct": connect_pct(started, window.end),
        "avg_outbound_talk": _mean(outbound_talk),
        "successful_outbound_pct": successful_pct(outbound_talk),
        "group_intensity": _ratio(len(started), staff.online_in_window),
        "frt_avg": _mean(frt),
        "frt_max": max(frt, default=None),
        "aht": aht(mine, window, rules.wrapup_limit),
        "csat": csat(mine, window),
        **work_states(mine, window.end),
    }


def _wait(c: Contact) -> float:
    return c.queue_wait or 0.0


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _pct(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole else None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
