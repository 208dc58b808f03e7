"""What each block of the console shows, computed from the live state for one view. Pure.

Counts come from the live state's buckets of open conversations (kept up to date with every
change), so a block costs in proportion to the groups and operators shown, not to the
conversations; only the conversation list walks the conversations.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from dozor.console.view import View
from dozor.live.state import Busy, Item, LiveState, OperatorLive

STATES = ("new", "unanswered", "answered")
STATUS_ORDER = {"online": 0, "away": 1, "offline": 2}
MOST_ROWS = 300  # operators listed at once; past that the page says how many are left out
LIST_LENGTH = 100


@dataclass
class Tally:
    """Open conversations and how many of them are overdue, per work state."""

    total: int = 0
    overdue: int = 0
    by_state: Counter[str] = field(default_factory=Counter)
    overdue_by_state: Counter[str] = field(default_factory=Counter)

    def add(self, work_state: str, overdue: bool, n: int) -> None:
        self.total += n
        self.by_state[work_state] += n
        if overdue:
            self.overdue += n
            self.overdue_by_state[work_state] += n

    @property
    def in_work(self) -> int:
        return self.by_state["unanswered"] + self.by_state["answered"]


@dataclass(frozen=True)
class Tallies:
    all: Tally
    groups: dict[str | None, Tally]
    operators: dict[str, Tally]
    group_operators: dict[tuple[str | None, str], Tally]


def tallies(state: LiveState, view: View, operators: Iterable[str] = ()) -> Tallies:
    """The open conversations this view takes, by group; by operator and group × operator
    only for ``operators`` (the rows shown): a center has far more operators than groups."""
    everything = Tally()
    groups: defaultdict[str | None, Tally] = defaultdict(Tally)
    # the buckets without operators are enough unless the view chose some
    coarse = state.counts if view.operators else state.group_counts
    for bucket, n in coarse.items():
        if view.takes(bucket):
            everything.add(bucket.work_state, bucket.overdue, n)
            groups[bucket.group_id].add(bucket.work_state, bucket.overdue, n)
    per_operator: defaultdict[str, Tally] = defaultdict(Tally)
    pairs: defaultdict[tuple[str | None, str], Tally] = defaultdict(Tally)
    if wanted := set(operators):
        for bucket, n in state.counts.items():
            if bucket.operator_id in wanted and view.takes(bucket):
                args = (bucket.work_state, bucket.overdue, n)
                per_operator[bucket.operator_id].add(*args)  # type: ignore[index]
                pairs[(bucket.group_id, bucket.operator_id)].add(*args)  # type: ignore[index]
    return Tallies(everything, groups, per_operator, pairs)


@dataclass(frozen=True)
class GroupRow:
    id: str | None
    name: str
    online: int
    total: int
    tally: Tally


@dataclass(frozen=True)
class OperatorRow:
    operator: OperatorLive
    tally: Tally
    activity: Busy
    free: bool

    @property
    def load_pct(self) -> float | None:
        capacity = self.operator.chat_capacity
        return 100 * self.activity.open_chats / capacity if capacity else None


@dataclass(frozen=True)
class LoadRow:
    group: GroupRow
    in_work: int
    capacity: int
    free_operators: int
    free_slots: int
    strained: bool

    @property
    def load_pct(self) -> float | None:
        return 100 * self.in_work / self.capacity if self.capacity else None


@dataclass(frozen=True)
class Console:
    """Everything the operators, in-work and load blocks draw."""

    online: int
    total: int
    tally: Tally
    tallies: Tallies
    groups: list[GroupRow]
    loads: list[LoadRow]
    expanded: list[OperatorRow]
    left_out: int  # operators of the expanded group not listed (past ``MOST_ROWS``)


def strained(*, new: int, free_slots: int, overdue_waiting: int) -> bool:
    """A group is not coping when more new conversations wait than its online operators have
    free places for, or when new or unanswered ones are already overdue (seed 000)."""
    return new > free_slots or overdue_waiting > 0


def console(state: LiveState, view: View, now: datetime) -> Console:
    people = [o for o in state.operators.values() if view.sees_operator(o.groups)]
    opened = _members(people, view)
    counted = tallies(state, view, [o.id for o in opened])
    doing = state.busy(now)
    by_group: defaultdict[str | None, list[OperatorLive]] = defaultdict(list)
    for operator in people:
        for member_of in operator.groups:
            by_group[member_of].append(operator)
    rows, loads = [], []
    shown: list[str | None] = list(view.shown_groups(state.groups))
    if view.visible is None and not view.groups and None in counted.groups:
        shown.append(None)  # conversations in no group: an admin sees them too
    for group_id in shown:
        members = by_group[group_id]
        online = [o for o in members if o.status == "online"]
        name = state.groups[group_id].name if group_id is not None else ""
        row = GroupRow(group_id, name, len(online), len(members), counted.groups[group_id])
        rows.append(row)
        loads.append(_load(row, online, doing))
    expanded = _expanded(opened, counted, doing)
    return Console(
        online=sum(o.status == "online" for o in people),
        total=len(people),
        tally=counted.all,
        tallies=counted,
        groups=rows,
        loads=loads,
        expanded=expanded[:MOST_ROWS],
        left_out=max(len(expanded) - MOST_ROWS, 0),
    )


def _load(row: GroupRow, online: list[OperatorLive], doing: dict[str, Busy]) -> LoadRow:
    idle = Busy()
    free = [o for o in online if doing.get(o.id, idle).free(o.chat_capacity)]
    slots = sum(max(o.chat_capacity - doing.get(o.id, idle).open_chats, 0) for o in free)
    tally = row.tally
    waiting_overdue = tally.overdue_by_state["new"] + tally.overdue_by_state["unanswered"]
    return LoadRow(
        group=row,
        in_work=tally.in_work,
        capacity=sum(o.chat_capacity for o in online),
        free_operators=len(free),
        free_slots=slots,
        strained=strained(
            new=tally.by_state["new"], free_slots=slots, overdue_waiting=waiting_overdue
        ),
    )


def _members(people: list[OperatorLive], view: View) -> list[OperatorLive]:
    """The operators of the group opened (``*``: everyone in sight), online ones first."""
    if view.expand is None:
        return []
    members = [o for o in people if view.expand == "*" or view.expand in o.groups]
    members.sort(key=lambda o: (STATUS_ORDER.get(o.status, 3), o.name, o.id))
    return members


def _expanded(
    members: list[OperatorLive], counted: Tallies, doing: dict[str, Busy]
) -> list[OperatorRow]:
    idle = Busy()
    return [
        OperatorRow(
            operator=o,
            tally=counted.operators.get(o.id, Tally()),
            activity=doing.get(o.id, idle),
            free=o.status == "online" and doing.get(o.id, idle).free(o.chat_capacity),
        )
        for o in members
    ]


def listed(state: LiveState, view: View) -> tuple[list[Item], int]:
    """The conversations of the view's list, overdue first, then the longest in their state;
    at most ``LIST_LENGTH`` of them, and how many there are."""
    if view.listing is None:
        return [], 0
    if view.list_operator is not None:
        candidates: Iterable[str] = state.by_operator.get(view.list_operator, ())
    elif view.list_group is not None:
        candidates = state.open_by_group.get(view.list_group, ())
    else:
        candidates = state.items
    found = [item for i in candidates if view.lists(item := state.items[i])]
    found.sort(key=lambda i: (not i.overdue, i.since or i.contact.created_at, i.id))
    return found[:LIST_LENGTH], len(found)
