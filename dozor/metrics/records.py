"""What the KPIs read: small frozen records of conversations and operators, the scope, the rules.

The KPI functions never see a database. A ``Contact`` is a conversation as it stood at the end
of a window (the fold of its events up to then); an ``Agent`` is an operator with the status
changes that matter for the window. The reports build them from stored data
(``dozor/metrics/service.py``); the live console builds them from the states it keeps.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from dozor.conversations.state import ConversationState, fold
from dozor.events import contract as c
from dozor.live import targets
from dozor.live.targets import SlaRules

DEFAULT_SLA = SlaRules()  # DESIGN.md's targets per medium, no business hours
SlVariant = Literal["abandons_missed", "abandons_ignored", "abandons_within_t_met"]
SL_VARIANTS: tuple[SlVariant, ...] = (
    "abandons_missed",
    "abandons_ignored",
    "abandons_within_t_met",
)


@dataclass(frozen=True, slots=True)
class Contact:
    """A conversation as the KPIs see it, at the end of a window."""

    id: str
    medium: str | None
    direction: str
    channel_id: str | None
    personal: bool
    group_id: str | None  # its group at the end of the window
    operator_id: str | None  # its operator at the end of the window
    queue_group_id: str | None  # the group whose queue it left
    accepted_operator_id: str | None  # who took it from the queue
    created_at: datetime
    queued_at: datetime | None
    queue_since: datetime | None  # waiting in a queue since then, with no operator
    left_queue_at: datetime | None
    queue_wait: float | None
    lost: bool
    accepted_at: datetime | None
    closed_at: datetime | None
    wrapup_done_at: datetime | None
    talk: float | None
    first_answer_at: datetime | None
    first_answer_wait: float | None
    rating: int | None
    work_state: str
    overdue_at: datetime | None

    def is_open(self, moment: datetime) -> bool:
        return self.created_at <= moment and (self.closed_at is None or self.closed_at > moment)


def contact(state: ConversationState, sla: SlaRules = DEFAULT_SLA) -> Contact:
    """The KPIs' record of a conversation; overdue is judged by the center's targets."""
    return Contact(
        id=state.id,
        medium=state.medium,
        direction=state.direction,
        channel_id=state.channel_id,
        personal=state.personal,
        group_id=state.group_id,
        operator_id=state.operator_id,
        queue_group_id=state.queue_group_id,
        accepted_operator_id=state.accepted_operator_id,
        created_at=state.created_at,
        queued_at=state.queued_at,
        queue_since=state.queue_since,
        left_queue_at=state.left_queue_at,
        queue_wait=state.queue_wait,
        lost=state.lost,
        accepted_at=state.accepted_at,
        closed_at=state.closed_at,
        wrapup_done_at=state.wrapup_done_at,
        talk=state.talk_seconds,
        first_answer_at=state.first_answer_at,
        first_answer_wait=state.wait_first_answer,
        rating=state.client_rating,
        work_state=state.work_state,
        overdue_at=targets.due(state, sla),
    )


def contact_as_of(
    events: Sequence[c.ConversationEvent], at: datetime, sla: SlaRules = DEFAULT_SLA
) -> Contact | None:
    """The conversation as it stood at ``at``: the fold of its events up to then, if any."""
    past = [e for e in events if e.ts <= at]
    return contact(fold(past), sla) if past else None


@dataclass(frozen=True, slots=True)
class Agent:
    """An operator: memberships, chat capacity, and status changes in time order.

    ``statuses`` holds ``(since, status)`` pairs: the one in force when the window starts, then
    every change inside it. Before the first one the operator is offline.
    """

    id: str
    groups: frozenset[str] = frozenset()
    chat_capacity: int = 3
    statuses: tuple[tuple[datetime, str], ...] = ()

    def status_at(self, moment: datetime) -> str:
        current = "offline"
        for since, status in self.statuses:
            if since > moment:
                break
            current = status
        return current


def agent(
    operator_id: str,
    *,
    events: Iterable[c.OperatorStatus] = (),
    groups: Iterable[str] = (),
    chat_capacity: int = 3,
) -> Agent:
    """An ``Agent`` from its status events, in the order the status fold takes them."""
    ordered = sorted({e.id: e for e in events}.values(), key=lambda e: (e.ts, e.id))
    return Agent(
        id=operator_id,
        groups=frozenset(groups),
        chat_capacity=chat_capacity,
        statuses=tuple((e.ts, e.status) for e in ordered),
    )


@dataclass(frozen=True, slots=True)
class Scope:
    """Which conversations and operators count; an empty set means all.

    Dimensions combine with AND, the values of one dimension with OR. A conversation's facts
    about its queue (accepted, lost, waits, service level) belong to the group whose queue it
    left and the operator who took it; everything else to its group and operator at the end of
    the window. Operators are narrowed by ``operators`` and ``groups`` only.
    """

    groups: frozenset[str] = frozenset()
    operators: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    media: frozenset[str] = frozenset()

    def takes(self, contact: Contact, *, queue: bool = False) -> bool:
        group = contact.queue_group_id if queue else contact.group_id
        operator = contact.accepted_operator_id if queue else contact.operator_id
        return (
            _within(self.groups, group)
            and _within(self.operators, operator)
            and _within(self.channels, contact.channel_id)
            and _within(self.media, contact.medium)
        )

    def takes_agent(self, agent: Agent) -> bool:
        return _within(self.operators, agent.id) and (
            not self.groups or bool(self.groups & agent.groups)
        )


def _within(allowed: frozenset[str], value: str | None) -> bool:
    return not allowed or value in allowed


@dataclass(frozen=True, slots=True)
class GroupRules:
    """A group's settings that KPIs depend on (the ``groups`` table)."""

    short_abandon: float = 5
    sl_threshold: float = 20
    sl_variant: SlVariant = "abandons_missed"


@dataclass(frozen=True)
class Rules:
    groups: Mapping[str, GroupRules] = field(default_factory=dict)
    wrapup_limit: float = 300  # after-call work ends here at the latest (DOZOR_WRAPUP_LIMIT)

    def of(self, group_id: str | None) -> GroupRules:
        return self.groups.get(group_id or "", _DEFAULT)


_DEFAULT = GroupRules()
