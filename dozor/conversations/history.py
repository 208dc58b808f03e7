"""A conversation's history, read from its events: messages, and a system line for every
other event (queued, offered, accepted, transferred, hold, closing, closed, rated, reviewed,
pinned…), with who did it when a person did. The lines are pure: events and names in, lines
out; the page translates their texts."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.auth.models import User
from dozor.directory import service as directory_service
from dozor.directory.models import Channel, Group
from dozor.events import contract as c
from dozor.events.ingest import STORED_COLUMNS, from_stored
from dozor.events.models import StoredEvent
from dozor.lib.labels import N_
from dozor.operators.models import Operator

Names = dict[str, dict[str, str]]


@dataclass
class Line:
    ts: datetime
    event_id: str
    event_type: str
    kind: str  # "message" or "system"
    template: str = ""  # an English msgid with %(name)s fields, for system lines
    params: dict[str, Any] = field(default_factory=dict)
    author: str | None = None  # a message's: client, operator, bot, system
    who: str | None = None  # the name shown beside a message
    text: str | None = None  # a message's text, or a note under a system line
    actor: str | None = None  # the user who did it, by name


def _name(names: Names, kind: str, key: str | None) -> str:
    if key is None:
        return "—"
    return names.get(kind, {}).get(key, key)


def _transferred(e: c.ConversationTransferred, names: Names) -> tuple[str, dict[str, Any]]:
    operator = _name(names, "operator", e.to_operator_id)
    group = _name(names, "group", e.to_group_id)
    if e.to_operator_id and e.to_group_id:
        return N_("Transferred to %(operator)s in the line %(group)s."), {
            "operator": operator,
            "group": group,
        }
    if e.to_operator_id:
        return N_("Transferred to %(operator)s."), {"operator": operator}
    return N_("Transferred to the line %(group)s."), {"group": group}


def _closed(e: c.ConversationClosed, names: Names) -> tuple[str, dict[str, Any]]:
    if e.spam:
        return N_("Closed as spam (forced close)."), {}
    if e.by == "operator":
        return N_("Closed by the operator %(operator)s."), {
            "operator": _name(names, "operator", e.operator_id)
        }
    if e.by == "client":
        return N_("Closed by the client."), {}
    return N_("Closed."), {}


def _system(e: Any, names: Names) -> tuple[str, dict[str, Any], str | None]:
    """The text of an event other than a message, its fields and a note to show under it."""
    operator = {"operator": _name(names, "operator", getattr(e, "operator_id", None))}
    kind = e.type
    if kind == "conversation.opened":
        params = {"channel": _name(names, "channel", e.channel_id)}
        if e.group_id:
            params["group"] = _name(names, "group", e.group_id)
            return N_("Opened on %(channel)s, in the queue of %(group)s."), params, None
        return N_("Opened on %(channel)s."), params, None
    if kind == "conversation.queued":
        group = {"group": _name(names, "group", e.group_id)}
        return N_("Sent to the queue of %(group)s."), group, None
    simple = {
        "conversation.offered": N_("Offered to %(operator)s."),
        "conversation.declined": N_("%(operator)s did not take it."),
        "conversation.accepted": N_("%(operator)s took it into work."),
        "conversation.wrapup_done": N_("%(operator)s finished the after-call work."),
    }
    if kind in simple:
        return simple[kind], operator, None
    if kind == "conversation.transferred":
        return (*_transferred(e, names), None)
    if kind == "conversation.hold":
        return (N_("Put on hold.") if e.on else N_("Taken off hold.")), {}, None
    if kind == "conversation.closing":
        return N_("Closing: waiting for the client's vote or after an auto-reply."), {}, None
    if kind == "conversation.closed":
        return (*_closed(e, names), e.reason if not e.spam else None)
    if kind == "conversation.rated":
        return N_("The client rated it %(score)s of 5."), {"score": e.score}, None
    if kind == "conversation.reviewed":
        if e.rating is not None:
            return N_("Reviewed: rated %(rating)s of 5."), {"rating": e.rating}, e.comment
        return N_("Reviewed."), {}, e.comment
    if kind == "conversation.pinned":
        if e.operator_id is None:
            return N_("Unpinned."), {}, None
        return N_("Pinned to %(operator)s."), operator, None
    changed = e.model_dump(exclude={"id", "type", "ts", "conversation_id", "actor"})
    note = "; ".join(f"{k}: {v}" for k, v in changed.items() if v is not None)
    return N_("Details changed."), {}, note or None


def lines(events: list[Any], names: Names) -> list[Line]:
    """The history of one conversation, oldest first."""
    found = []
    for e in sorted(events, key=c.sort_key):
        actor = _name(names, "user", e.actor) if e.actor else None
        line = Line(ts=e.ts, event_id=e.id, event_type=e.type, kind="system", actor=actor)
        if isinstance(e, c.MessageCreated):
            line.kind, line.author, line.text = "message", e.author, e.text
            line.template = N_("Wrote a message.")
            if e.author == "operator":
                line.who = _name(names, "operator", e.operator_id) if e.operator_id else None
        else:
            line.template, line.params, line.text = _system(e, names)
        found.append(line)
    return found


async def events_of(session: AsyncSession, conversation_id: str) -> list[Any]:
    rows = await session.execute(
        select(*STORED_COLUMNS).where(StoredEvent.conversation_id == conversation_id)
    )
    return [from_stored(row) for row in rows]


async def names_for(session: AsyncSession, events: list[Any]) -> Names:
    """The names of the operators, groups, channels and users the events mention."""
    wanted: dict[str, set[str]] = {"operator": set(), "group": set(), "channel": set()}
    actors: set[str] = set()
    for e in events:
        for attr in ("operator_id", "to_operator_id"):
            if value := getattr(e, attr, None):
                wanted["operator"].add(value)
        for attr in ("group_id", "to_group_id"):
            if value := getattr(e, attr, None):
                wanted["group"].add(value)
        if value := getattr(e, "channel_id", None):
            wanted["channel"].add(value)
        if e.actor:
            actors.add(e.actor)
    models = {"operator": Operator, "group": Group, "channel": Channel}
    names: Names = {
        kind: await directory_service.names(session, models[kind], ids)
        for kind, ids in wanted.items()
    }
    rows = await session.execute(
        select(User.username, User.name).where(User.username.in_(sorted(actors)))
    )
    names["user"] = {row.username: row.name for row in rows}
    return names
