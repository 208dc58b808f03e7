"""The operators' KPIs: who is online and free, who is on a call, and how busy they were.

What an operator is doing is read off the conversations (as the operators list does), never
counted apart: an accepted call not yet closed, after-call work, the chats they hold open.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dozor.metrics.records import Agent, Contact
from dozor.metrics.spans import Span, intersect, merge, seconds
from dozor.metrics.windows import Window


@dataclass(frozen=True, slots=True)
class Activity:
    """What an operator is doing at a moment."""

    open_chats: int = 0
    call: str | None = None  # "group" (a queued call) or "personal" (direct, internal, own)
    after_call_work: bool = False


@dataclass(frozen=True, slots=True)
class Staffing:
    online: int
    total: int
    free: int
    on_group_calls: int
    on_personal_calls: int
    utilization: float | None
    online_in_window: int  # operators online at any moment of the window


def figures(
    agents: list[Agent], contacts: list[Contact], window: Window, wrapup_limit: float
) -> Staffing:
    """The operators' KPIs for ``agents``, from everything they did (whatever the scope)."""
    doing = activities(contacts, window.end, wrapup_limit)
    online = [a for a in agents if a.status_at(window.end) == "online"]
    calls = Counter(doing[a.id].call for a in agents if a.id in doing)
    return Staffing(
        online=len(online),
        total=len(agents),
        free=sum(is_free(a, doing.get(a.id, Activity())) for a in online),
        on_group_calls=calls["group"],
        on_personal_calls=calls["personal"],
        utilization=utilization(agents, handling(contacts, window.end, wrapup_limit), window),
        online_in_window=sum(bool(online_spans(a, window)) for a in agents),
    )


def is_free(agent: Agent, activity: Activity) -> bool:
    """Not on a call, not in after-call work, and below the chat capacity (status aside)."""
    return (
        activity.call is None
        and not activity.after_call_work
        and activity.open_chats < agent.chat_capacity
    )


def activities(contacts: Iterable[Contact], end: datetime, limit: float) -> dict[str, Activity]:
    """What each operator holding a conversation is doing at ``end``."""
    chats: Counter[str] = Counter()
    calls: dict[str, str] = {}
    wrapping: set[str] = set()
    for c in contacts:
        operator = c.operator_id
        if operator is None:
            continue
        if c.medium == "call" and c.accepted_at is not None and c.is_open(end):
            kind = "group" if c.queued_at is not None and not c.personal else "personal"
            calls[operator] = "group" if calls.get(operator) == "group" else kind
        elif c.medium == "call" and in_after_call_work(c, end, limit):
            wrapping.add(operator)
        elif c.medium == "chat" and c.is_open(end):
            chats[operator] += 1
    return {
        operator: Activity(
            open_chats=chats[operator],
            call=calls.get(operator),
            after_call_work=operator in wrapping and operator not in calls,
        )
        for operator in chats.keys() | calls.keys() | wrapping
    }


def in_after_call_work(c: Contact, end: datetime, limit: float) -> bool:
    if c.accepted_at is None or c.closed_at is None or c.closed_at > end:
        return False
    done = c.wrapup_done_at is not None and c.wrapup_done_at <= end
    return not done and end <= c.closed_at + timedelta(seconds=limit)


def after_call_work(c: Contact, end: datetime, limit: float) -> float:
    """Seconds of after-call work of an answered call, until ``end``: it lasts until the
    wrap-up is reported, at most ``limit`` seconds (many PBXs never report it)."""
    if c.medium != "call" or c.accepted_at is None or c.closed_at is None:
        return 0.0
    cap = c.closed_at + timedelta(seconds=limit)
    stop = min(c.wrapup_done_at or cap, cap, end)
    return max((stop - c.closed_at).total_seconds(), 0.0)


def handling(contacts: Iterable[Contact], end: datetime, limit: float) -> dict[str, list[Span]]:
    """Per operator, when they handled something: a call from its answer through its after-call
    work, a chat from its acceptance to its close. An open e-mail is not work in progress."""
    spans: dict[str, list[Span]] = defaultdict(list)
    for c in contacts:
        if c.operator_id is None or c.accepted_at is None or c.medium not in ("call", "chat"):
            continue
        closed = c.closed_at
        if closed is None or closed > end:
            stop = end
        else:
            stop = min(closed + timedelta(seconds=after_call_work(c, end, limit)), end)
        if c.accepted_at < stop:
            spans[c.operator_id].append((c.accepted_at, stop))
    return spans


def online_spans(agent: Agent, window: Window) -> list[Span]:
    """When ``agent`` was online within ``window`` (an instant counts, as a span of zero)."""
    spans: list[Span] = []
    changes = agent.statuses
    for i, (since, status) in enumerate(changes):
        until = changes[i + 1][0] if i + 1 < len(changes) else window.end
        start, stop = max(since, window.start), min(until, window.end)
        if status == "online" and start <= stop:
            spans.append((start, stop))
    return spans


def utilization(agents: list[Agent], busy: dict[str, list[Span]], window: Window) -> float | None:
    """Time handling conversations while online / time online, summed over ``agents``."""
    online_total = busy_total = 0.0
    for agent in agents:
        online = merge(online_spans(agent, window))
        online_total += seconds(online)
        busy_total += seconds(intersect(merge(busy.get(agent.id, [])), online))
    return 100 * busy_total / online_total if online_total else None
