"""What a supervisor (or an operator) does to conversations: each action becomes an event.

Close, force-close as spam, transfer, take for myself, pin, unpin, review. Every action is an
event with the acting user as ``actor``, submitted through the single writer, so it shows in
the history and the audit and is replayed like any other. An action on a closed conversation
changes nothing and says so.

Checking that a conversation is still active and submitting the event happen under a lock per
conversation, so two people acting at once in one process get one success and one "closed
already". Across processes the fold keeps the state consistent anyway: a close is final, and
routing events after it change nothing.
"""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.conversations.access import Scope
from dozor.conversations.models import Conversation
from dozor.directory.models import Group
from dozor.events import contract as c
from dozor.events.writer import Writer
from dozor.lib.labels import N_
from dozor.operators.models import Operator

ONE_TICK = timedelta(microseconds=1)  # the finest time both databases keep
ACTIONS = ("close", "spam", "transfer", "take", "pin", "unpin", "review")
BULK_ACTIONS = ("close", "spam", "transfer")
ON_CLOSED_TOO = frozenset({"review"})  # a closed conversation can still be rated

# code -> (HTTP status, English message; the page translates it)
ERRORS: dict[str, tuple[int, str]] = {
    "not_found": (404, N_("Conversation %(id)s was not found.")),
    "forbidden": (403, N_("You may not do this to conversation No. %(number)s.")),
    "not_active": (409, N_("Conversation No. %(number)s is closed already: nothing was changed.")),
    "no_operator": (
        409,
        N_("Your user is not linked to an operator, so you cannot take conversations."),
    ),
    "already_yours": (409, N_("Conversation No. %(number)s is yours already.")),
    "not_pinned": (409, N_("Conversation No. %(number)s is not pinned.")),
    "no_target": (422, N_("Choose an operator or a group to transfer to.")),
    "no_pin_target": (422, N_("Choose an operator to pin the conversation to.")),
    "unknown_operator": (422, N_("There is no operator %(target)s.")),
    "unknown_group": (422, N_("There is no group %(target)s.")),
    "empty_review": (422, N_("Give a rating or a comment.")),
}
HTTP_ERRORS = {
    404: "Not there, or not yours to see.",
    403: "Your role may not do this.",
    409: "Closed already, or nothing to change: nothing was changed.",
    422: "A bad argument (an unknown operator or group, nothing to transfer to…).",
}
DONE: dict[str, str] = {
    "close": N_("Conversation No. %(number)s is closed."),
    "spam": N_("Conversation No. %(number)s is closed as spam."),
    "transfer": N_("Conversation No. %(number)s is transferred."),
    "take": N_("Conversation No. %(number)s is yours now."),
    "pin": N_("Conversation No. %(number)s is pinned."),
    "unpin": N_("Conversation No. %(number)s is unpinned."),
    "review": N_("Your review of conversation No. %(number)s is saved."),
}


@dataclass(frozen=True)
class Order:
    """One action and its arguments."""

    action: str
    to_operator_id: str | None = None
    to_group_id: str | None = None
    operator_id: str | None = None  # pin to
    rating: int | None = None
    comment: str | None = None


@dataclass
class Outcome:
    conversation_id: str
    code: str  # "done" or a key of ERRORS
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code == "done"

    @property
    def status(self) -> int:
        return 200 if self.ok else ERRORS[self.code][0]

    def message(self, action: str) -> str:
        """The English message; pages translate ``template`` with ``params`` instead."""
        return self.template(action) % self.params

    def template(self, action: str) -> str:
        return DONE[action] if self.ok else ERRORS[self.code][1]


class ActionError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def events_for(order: Order, row: Any, *, scope: Scope, now: datetime) -> list[c.Event]:
    """The events that carry out ``order`` on the conversation ``row`` (pure).

    Raises ``ActionError`` when it may not or cannot be done. The event is stamped after the
    conversation's last event (should the integrations' clocks run ahead of ours), so it folds
    after everything already known: an event of the same instant could sort before them."""
    number = {"number": row.number}
    if not scope.may(order.action):
        raise ActionError("forbidden", **number)
    if row.closed_at is not None and order.action not in ON_CLOSED_TOO:
        raise ActionError("not_active", **number)
    base = {
        "id": f"ui-{uuid.uuid4()}",
        "ts": max(now, row.changed_at + ONE_TICK),
        "conversation_id": row.id,
        "actor": scope.actor,
    }
    data = _fields(order, row, scope, number)
    return [c.event_adapter.validate_python({**base, **data})]


def _fields(order: Order, row: Any, scope: Scope, number: dict[str, Any]) -> dict[str, Any]:
    action = order.action
    if action in ("close", "spam"):
        data: dict[str, Any] = {"type": "conversation.closed", "by": "system"}
        if scope.is_operator and scope.linked_operator_id is not None:
            data.update(by="operator", operator_id=scope.linked_operator_id)
        if action == "spam":
            data.update(spam=True, reason="spam")
        return data
    if action == "transfer":
        if order.to_operator_id is None and order.to_group_id is None:
            raise ActionError("no_target")
        targets = {"to_operator_id": order.to_operator_id, "to_group_id": order.to_group_id}
        return {"type": "conversation.transferred", **{k: v for k, v in targets.items() if v}}
    if action == "take":
        mine = scope.linked_operator_id
        if mine is None:
            raise ActionError("no_operator")
        if row.operator_id == mine:
            raise ActionError("already_yours", **number)
        if row.operator_id is None:
            return {"type": "conversation.accepted", "operator_id": mine}
        return {"type": "conversation.transferred", "to_operator_id": mine}
    if action == "pin":
        if order.operator_id is None:
            raise ActionError("no_pin_target")
        return {"type": "conversation.pinned", "operator_id": order.operator_id}
    if action == "unpin":
        if row.pinned_operator_id is None:
            raise ActionError("not_pinned", **number)
        return {"type": "conversation.pinned", "operator_id": None}
    if order.rating is None and not order.comment:
        raise ActionError("empty_review")
    review = {"rating": order.rating, "comment": order.comment or None}
    return {"type": "conversation.reviewed", **{k: v for k, v in review.items() if v}}


class Locks:
    """One asyncio lock per conversation id, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: defaultdict[str, int] = defaultdict(int)

    @asynccontextmanager
    async def hold(self, keys: Iterable[str]) -> AsyncIterator[None]:
        ordered = sorted(set(keys))  # always in one order: two bulk actions cannot deadlock
        for key in ordered:
            self._users[key] += 1
        taken: list[str] = []
        try:
            for key in ordered:
                await self._locks.setdefault(key, asyncio.Lock()).acquire()
                taken.append(key)
            yield
        finally:
            for key in taken:
                self._locks[key].release()
            for key in ordered:
                self._users[key] -= 1
                if not self._users[key]:
                    del self._users[key]
                    self._locks.pop(key, None)


async def _check_targets(session: AsyncSession, order: Order) -> None:
    for model, target, code in (
        (Operator, order.to_operator_id, "unknown_operator"),
        (Operator, order.operator_id, "unknown_operator"),
        (Group, order.to_group_id, "unknown_group"),
    ):
        if target is not None and await session.get(model, target) is None:
            raise ActionError(code, target=target)


async def perform(
    sessions: async_sessionmaker[AsyncSession],
    writer: Writer,
    locks: Locks,
    *,
    order: Order,
    conversation_ids: list[str],
    scope: Scope,
    now: datetime,
) -> list[Outcome]:
    """Carry out ``order`` on each conversation; one batch of events, one commit.

    1. Lock the conversations (in one order).
    2. Read them afresh, within the caller's scope (others are "not found").
    3. Build each one's events, or its reason for refusing.
    4. Submit the events together and answer once they are committed."""
    ids = list(dict.fromkeys(conversation_ids))
    async with locks.hold(ids):
        async with sessions() as session:
            try:
                await _check_targets(session, order)
            except ActionError as error:
                return [Outcome(cid, error.code, error.params) for cid in ids]
            rows = await session.execute(
                select(Conversation.__table__).where(Conversation.id.in_(ids), scope.condition())
            )
            found = {row.id: row for row in rows}
        outcomes, events = [], []
        for cid in ids:
            row = found.get(cid)
            if row is None:
                outcomes.append(Outcome(cid, "not_found", {"id": cid}))
                continue
            try:
                events += events_for(order, row, scope=scope, now=now)
            except ActionError as error:
                outcomes.append(Outcome(cid, error.code, error.params))
                continue
            outcomes.append(Outcome(cid, "done", {"number": row.number}))
        if events:
            await writer.submit(events)
    return outcomes


def locks_of(state: Any) -> Locks:
    """The app's locks, made on first use."""
    if getattr(state, "conversation_locks", None) is None:
        state.conversation_locks = Locks()
    return state.conversation_locks
