"""The live state: open and lately closed conversations, operators and their statuses, the
directory's names and rules, deadlines, and counts of the open conversations by bucket.

No I/O and no clock: every change is handed in with the moment it is judged at. The holder
(``store.py``) feeds it the states the writer folded, and reads it to draw the console.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import NamedTuple

from dozor.conversations.state import ConversationState
from dozor.live.deadlines import DeadlineIndex
from dozor.live.targets import SlaRules, deadline
from dozor.metrics import records
from dozor.metrics.records import Agent, Contact, GroupRules, Rules
from dozor.operators.state import StatusState

# (ts, event id, status): the order the status fold takes its events in
StatusChange = tuple[datetime, str, str]


class Bucket(NamedTuple):
    """What the console counts open conversations by."""

    group_id: str | None
    operator_id: str | None
    channel_id: str | None
    topic: str | None
    medium: str | None
    work_state: str
    overdue: bool
    accepted: bool


@dataclass(frozen=True, slots=True)
class Item:
    """A conversation as the console keeps it; its contact's ``overdue_at`` is its deadline
    under the group's targets and business hours."""

    contact: Contact
    topic: str | None
    client: str | None
    since: datetime | None  # in its work state since
    overdue: bool

    @property
    def id(self) -> str:
        return self.contact.id

    @property
    def is_open(self) -> bool:
        return self.contact.closed_at is None

    @property
    def bucket(self) -> Bucket:
        c = self.contact
        return Bucket(
            c.group_id,
            c.operator_id,
            c.channel_id,
            self.topic,
            c.medium,
            c.work_state,
            self.overdue,
            c.accepted_at is not None,
        )


@dataclass
class OperatorLive:
    id: str
    name: str
    groups: frozenset[str] = frozenset()
    chat_capacity: int = 3
    status: str = "offline"
    status_since: datetime | None = None
    statuses: list[StatusChange] = field(default_factory=list)

    def agent(self) -> Agent:
        return Agent(
            id=self.id,
            groups=self.groups,
            chat_capacity=self.chat_capacity,
            statuses=tuple((ts, status) for ts, _, status in self.statuses),
        )


@dataclass(frozen=True, slots=True)
class Busy:
    """What keeps an operator from a new conversation: ``staffing.activities`` read off the
    buckets instead of the records (tests/live/test_state.py shows they agree)."""

    open_chats: int = 0
    on_call: bool = False
    after_call_work: bool = False

    def free(self, chat_capacity: int) -> bool:
        """As ``staffing.is_free``: no call, no after-call work, below the chat capacity."""
        return not self.on_call and not self.after_call_work and self.open_chats < chat_capacity


@dataclass(frozen=True, slots=True)
class GroupInfo:
    name: str
    rules: GroupRules = GroupRules()


def item_of(state: ConversationState, sla: SlaRules, now: datetime) -> Item:
    contact = records.contact(state, sla)
    due = contact.overdue_at
    return Item(
        contact=contact,
        topic=state.topic,
        client=state.client_name or state.client_phone or state.client_email,
        since=state.work_state_since,
        overdue=due is not None and now > due,
    )


class LiveState:
    def __init__(self, *, sla: SlaRules = SlaRules(), wrapup_limit: float = 300) -> None:
        self.sla = sla
        self.wrapup_limit = wrapup_limit
        self.items: dict[str, Item] = {}
        self.operators: dict[str, OperatorLive] = {}
        self.unseen: set[str] = set()  # operators the last directory read did not find
        self.groups: dict[str, GroupInfo] = {}
        self.channels: dict[str, str] = {}
        self.topics: dict[str, str] = {}
        self.counts: Counter[Bucket] = Counter()  # open conversations only
        self.group_counts: Counter[Bucket] = Counter()  # the same with no operator: fewer
        self.by_operator: defaultdict[str, set[str]] = defaultdict(set)
        self.open_by_group: defaultdict[str | None, set[str]] = defaultdict(set)
        self.closed: set[str] = set()  # what ``prune`` looks at
        # answered calls closed with no wrap-up reported: their operators may be in after-call
        # work (for ``wrapup_limit`` seconds after the close)
        self.wrapping: dict[str, tuple[str, datetime]] = {}
        self.deadlines = DeadlineIndex()
        self.version = 0  # moves with every change a console could show

    # -- conversations --------------------------------------------------------------------------

    def put(self, state: ConversationState, now: datetime) -> None:
        self._store(item_of(state, self.sla, now))

    def _store(self, item: Item) -> None:
        old = self.items.get(item.id)
        if old is not None:
            self._unindex(old)
        self.items[item.id] = item
        c = item.contact
        if item.is_open:
            bucket = item.bucket
            self.counts[bucket] += 1
            self.group_counts[bucket._replace(operator_id=None, accepted=False)] += 1
            self.open_by_group[c.group_id].add(item.id)
        else:
            self.closed.add(item.id)
            if c.medium == "call" and c.operator_id and c.accepted_at and not c.wrapup_done_at:
                self.wrapping[item.id] = (c.operator_id, c.closed_at)  # type: ignore[assignment]
        if c.operator_id is not None:
            self.by_operator[c.operator_id].add(item.id)
        self.deadlines.set(item.id, None if item.overdue else item.contact.overdue_at)
        self.version += 1

    def _unindex(self, item: Item) -> None:
        if item.is_open:
            bucket = item.bucket
            for counts, key in (
                (self.counts, bucket),
                (self.group_counts, bucket._replace(operator_id=None, accepted=False)),
            ):
                counts[key] -= 1
                if not counts[key]:
                    del counts[key]
            self.open_by_group[item.contact.group_id].discard(item.id)
        self.wrapping.pop(item.id, None)
        self.closed.discard(item.id)
        if (operator := item.contact.operator_id) is not None:
            self.by_operator[operator].discard(item.id)
            if not self.by_operator[operator]:
                del self.by_operator[operator]

    def flip(self, now: datetime) -> int:
        """Mark overdue the conversations whose deadline passed; how many turned."""
        turned = 0
        for conversation_id in self.deadlines.pop_passed(now):
            item = self.items.get(conversation_id)
            if item is not None and item.is_open and not item.overdue:
                self._store(replace(item, overdue=True))
                turned += 1
        return turned

    def set_sla(self, sla: SlaRules, now: datetime) -> None:
        """New targets or business hours: every open conversation gets its deadline again."""
        self.sla = sla
        for item in [i for i in self.items.values() if i.is_open]:
            c = item.contact
            due = deadline(
                medium=c.medium,
                group_id=c.group_id,
                work_state=c.work_state,
                since=item.since,
                rules=sla,
            )
            contact = replace(c, overdue_at=due)
            self._store(replace(item, contact=contact, overdue=due is not None and now > due))

    def prune(self, horizon: datetime, now: datetime | None = None) -> None:
        """Forget what closed before ``horizon``, status changes no window reaches, and calls
        whose after-call work has ended by ``now``."""
        if now is not None:
            limit = timedelta(seconds=self.wrapup_limit)
            self.wrapping = {k: v for k, v in self.wrapping.items() if v[1] + limit >= now}
        for item in [self.items[i] for i in self.closed]:
            if item.contact.closed_at < horizon:  # type: ignore[operator]
                self._unindex(item)
                del self.items[item.id]
        for operator in self.operators.values():
            before = [i for i, (ts, _, _) in enumerate(operator.statuses) if ts < horizon]
            if len(before) > 1:  # keep the last change before the horizon: it is in force there
                del operator.statuses[: before[-1]]

    # -- operators ------------------------------------------------------------------------------

    def operator(self, operator_id: str) -> OperatorLive:
        if operator_id not in self.operators:
            # first seen in an event: the directory names it by its id, as ingest does
            self.operators[operator_id] = OperatorLive(id=operator_id, name=operator_id)
        return self.operators[operator_id]

    def put_status(self, operator_id: str, status: StatusState) -> bool:
        """The operator's folded status; False when it came late (before the last change
        known): then the history must be read again (``set_statuses``)."""
        operator = self.operator(operator_id)
        operator.status, operator.status_since = status.status, status.status_since
        self.version += 1
        if status.last_ts is None:
            return True
        change = (status.last_ts, status.last_event_id, status.status)
        if operator.statuses and operator.statuses[-1][:2] >= change[:2]:
            return operator.statuses[-1] == change
        operator.statuses.append(change)
        return True

    def set_statuses(self, operator_id: str, changes: Iterable[StatusChange]) -> None:
        self.operator(operator_id).statuses = sorted(changes)
        self.version += 1

    # -- what the KPIs read ---------------------------------------------------------------------

    def contacts(self) -> list[Contact]:
        return [item.contact for item in self.items.values()]

    def agents(self) -> list[Agent]:
        return [operator.agent() for operator in self.operators.values()]

    def rules(self) -> Rules:
        return Rules(
            groups={gid: g.rules for gid, g in self.groups.items()},
            wrapup_limit=self.wrapup_limit,
        )

    def contacts_of_operators(self, operator_ids: Iterable[str]) -> list[Contact]:
        return [self.items[i].contact for o in operator_ids for i in self.by_operator.get(o, ())]

    def busy(self, now: datetime) -> dict[str, Busy]:
        """What each operator holding something is doing at ``now``: open chats and answered
        calls from the buckets, after-call work from the calls closed lately."""
        chats: Counter[str] = Counter()
        calls: set[str] = set()
        for bucket, n in self.counts.items():
            if bucket.operator_id is None:
                continue
            if bucket.medium == "chat":
                chats[bucket.operator_id] += n
            elif bucket.medium == "call" and bucket.accepted:
                calls.add(bucket.operator_id)
        limit = timedelta(seconds=self.wrapup_limit)
        wrapping = {o for o, closed in self.wrapping.values() if closed <= now <= closed + limit}
        return {
            o: Busy(chats[o], o in calls, o in wrapping and o not in calls)
            for o in chats.keys() | calls | wrapping
        }
