"""AMI events as Dozor events (docs/asterisk.md), with the little memory a live stream needs.

Conversations are named as from queue_log (``<channel>-<Uniqueid>@<Queue>``), so both sources
describe the same calls. Three things need memory:

- ``QueueCallerLeave`` is raised whenever a caller leaves a queue — also when answered, just
  *before* ``AgentConnect``. A leave that no connect or abandon explains within ``grace``
  seconds is a caller who left without an answer (a key pressed, the queue's timeout option).
- ``QueueMemberStatus`` repeats on every device change: a status is sent only when it changes.
- A member removed from one queue is still online while in another.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dozor.connectors.asterisk.agents import operator_id
from dozor.connectors.asterisk.ami_protocol import Message
from dozor.connectors.asterisk.emit import Emitter, clip, digest
from dozor.connectors.asterisk.mapping import conversation_id
from dozor.events import contract as c

# device states (Status) of a member: in a call, and unable to take one
IN_CALL = {"2", "3", "6", "7", "8"}  # in use, busy, ringing, ring in use, on hold
UNAVAILABLE = {"4", "5"}  # invalid, unavailable


@dataclass(frozen=True)
class OpenCall:
    """A conversation of this channel Dozor holds open: checked against the PBX on resync."""

    id: str
    accepted: bool
    operator_id: str | None


def _number(text: str | None, scale: float = 1.0) -> float:
    try:
        return max(float(text or 0) * scale, 0.0)
    except ValueError:
        return 0.0


def member_of(message: Message) -> str | None:
    # events say MemberName/Interface; QueueStatus's QueueMember says Name/Location
    for key in ("MemberName", "Name", "Interface", "Location"):
        if value := message.get(key):
            return operator_id(value)
    return None


def member_status(message: Message) -> tuple[str, str | None]:
    if message.get("Status") in UNAVAILABLE:
        return "offline", None
    if message.get("Paused") == "1":
        return "away", message.get("PausedReason") or message.get("Reason") or None
    return "online", None


@dataclass
class AmiMapper:
    channel: str
    grace: float = 2.0
    _statuses: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    _queues: dict[str, set[str]] = field(default_factory=dict)
    _leaving: dict[str, tuple[Message, datetime, float]] = field(default_factory=dict)
    _explained: set[str] = field(default_factory=set)

    def event(self, message: Message, *, now: datetime, monotonic: float) -> list[c.Event]:
        """The events of one AMI event; ``now`` stamps it when it carries no ``Timestamp``."""
        ts = self._ts(message, now)
        e = Emitter(f"{self.channel}-ami-{self._key(message, ts)}")
        kind = message.get("Event", "")
        if kind.startswith("QueueMember"):
            self._member(e, message, ts, kind)
        elif (queue := message.get("Queue")) and (uniqueid := message.get("Uniqueid")):
            e.conversation_id = conversation_id(self.channel, uniqueid, queue)
            self._call(e, message, ts, kind, monotonic)
        return e.events

    def expired(self, *, monotonic: float) -> list[c.Event]:
        """Leaves no connect explained within ``grace``: closed when the caller left."""
        events: list[c.Event] = []
        for conversation, (message, ts, deadline) in list(self._leaving.items()):
            if deadline <= monotonic:
                del self._leaving[conversation]
                events += self._left(conversation, message, ts)
        return events

    def resync(
        self, members: list[Message], entries: list[Message], calls: list[OpenCall], now: datetime
    ) -> list[c.Event]:
        """Bring Dozor to what ``QueueStatus`` shows after a (re)connection.

        1. Each member's status, from all its queues. 2. Callers waiting now that Dozor does not
        know of. 3. Open calls the PBX no longer has: gone from the queue (at their leave, if
        seen), or talked with a member who is no longer in a call."""
        e = Emitter(f"{self.channel}-ami-resync-{digest(now.isoformat())}")
        by_member: dict[str, list[Message]] = {}
        for message in members:
            if (member := member_of(message)) is not None:
                by_member.setdefault(member, []).append(message)
        self._queues = {m: {x.get("Queue", "") for x in ms} for m, ms in by_member.items()}
        for member, messages in by_member.items():
            statuses = [member_status(m) for m in messages]
            best = min(statuses, key=lambda s: ("online", "away", "offline").index(s[0]))
            self._status(e, now, member, *best)
        for member in set(self._statuses) - set(by_member):  # removed while disconnected
            self._status(e, now, member, "offline", None)
        busy = {m for m, ms in by_member.items() if any(_in_call(x) for x in ms)}
        known = {call.id for call in calls}
        waiting = set()
        for entry in entries:
            e.conversation_id = conversation_id(self.channel, entry["Uniqueid"], entry["Queue"])
            waiting.add(e.conversation_id)
            if e.conversation_id not in known:
                since = now - timedelta(seconds=_number(entry.get("Wait")))
                self._joined(e, entry, since)
        for call in calls:
            e.conversation_id = call.id
            if not call.accepted and call.id not in waiting:
                if call.id in self._leaving:
                    message, ts, _ = self._leaving.pop(call.id)
                    e.events += self._left(call.id, message, ts)
                else:
                    reason = "left the queue while Dozor was disconnected"
                    e.conversation("conversation.closed", now, by="system", reason=reason)
            elif call.accepted and call.operator_id not in busy:
                reason = "ended while Dozor was disconnected"
                e.conversation(
                    "conversation.closed",
                    now,
                    by="system",
                    operator_id=call.operator_id,
                    reason=reason,
                )
        self._leaving.clear()
        self._explained.clear()
        return e.events

    # -- calls ---------------------------------------------------------------------------------

    def _call(self, e: Emitter, m: Message, ts: datetime, kind: str, monotonic: float) -> None:
        conversation = e.conversation_id or ""
        agent = member_of(m)
        if kind == "QueueCallerJoin":
            self._joined(e, m, ts)
        elif kind == "QueueCallerAbandon":
            # raised for hang-ups and for the queue's timeout and leavewhenempty alike
            self._explain(conversation)
            e.conversation("conversation.closed", ts, by="client", reason="abandon")
        elif kind == "QueueCallerLeave":
            if conversation in self._explained:
                self._explained.discard(conversation)
            else:
                self._leaving[conversation] = (m, ts, monotonic + self.grace)
        elif agent is None:
            return
        elif kind == "AgentRingNoAnswer":
            rang = timedelta(seconds=_number(m.get("RingTime"), 0.001))  # milliseconds here
            e.conversation("conversation.offered", ts - rang, operator_id=agent)
            e.conversation("conversation.declined", ts, operator_id=agent)
        elif kind == "AgentConnect":
            self._explain(conversation)
            rang = timedelta(seconds=_number(m.get("RingTime")))  # and seconds here
            e.conversation("conversation.offered", ts - rang, operator_id=agent)
            e.conversation("conversation.accepted", ts, operator_id=agent)
        elif kind == "AgentComplete":
            reason = m.get("Reason", "").lower()
            if reason == "transfer":
                e.conversation("conversation.transferred", ts)
            by = "client" if reason == "caller" else "operator"
            e.conversation(
                "conversation.closed",
                ts,
                by=by,
                operator_id=agent,
                reason="transfer" if reason == "transfer" else None,
            )
        elif kind == "AgentDump":
            e.conversation("conversation.declined", ts, operator_id=agent)

    def _explain(self, conversation: str) -> None:
        """Its leave (before or after this event) is no loss."""
        if self._leaving.pop(conversation, None) is None:
            self._explained.add(conversation)

    def _joined(self, e: Emitter, m: Message, ts: datetime) -> None:
        phone = clip(m.get("CallerIDNum"), 100)
        known = phone is not None and any(ch.isdigit() for ch in phone)
        e.conversation(
            "conversation.opened",
            ts,
            channel_id=self.channel,
            medium="call",
            direction="inbound",
            client=c.Client(phone=phone) if known else None,
        )
        e.conversation("conversation.queued", ts, group_id=clip(m["Queue"], 200))

    def _left(self, conversation: str, message: Message, ts: datetime) -> list[c.Event]:
        e = Emitter(f"{self.channel}-ami-{self._key(message, ts)}", conversation)
        e.conversation("conversation.closed", ts, name="left", by="client", reason="left the queue")
        return e.events

    # -- members -------------------------------------------------------------------------------

    def _member(self, e: Emitter, m: Message, ts: datetime, kind: str) -> None:
        if (member := member_of(m)) is None:
            return
        queues = self._queues.setdefault(member, set())
        if kind == "QueueMemberRemoved":
            queues.discard(m.get("Queue", ""))
            if not queues:
                self._status(e, ts, member, "offline", None)
            return
        queues.add(m.get("Queue", ""))
        self._status(e, ts, member, *member_status(m))

    def _status(self, e: Emitter, ts: datetime, member: str, status: str, why: str | None) -> None:
        if self._statuses.get(member) != (status, why):
            self._statuses[member] = (status, why)
            e.status(ts, member, status, why)

    # -- ids and times -------------------------------------------------------------------------

    @staticmethod
    def _ts(message: Message, now: datetime) -> datetime:
        # present when manager.conf says timestampevents = yes
        try:
            return datetime.fromtimestamp(float(message["Timestamp"]), UTC)
        except (KeyError, ValueError, OverflowError, OSError):
            return now

    @staticmethod
    def _key(message: Message, ts: datetime) -> str:
        fields = sorted((k, v) for k, v in message.items() if k != "ActionID")
        return digest(ts.isoformat() + "".join(f"|{k}={v}" for k, v in fields))


def _in_call(message: Message) -> bool:
    return message.get("InCall") == "1" or message.get("Status") in IN_CALL
