"""A call described whole (a CDR row, a line of a call-center export) as Dozor events.

Where queue_log tells a call as it happens, a call record tells it afterwards, in one row: when
it arrived, entered and left the queue, was answered and ended, by whom. The rules
(docs/asterisk.md, "Call-detail records"):

- opened at the earliest time of the record (real exports have clocks a second apart);
- inbound: queued when it entered the queue; accepted when the outcome says an operator took it
  and names one — at the answer time, else when it left the queue, and never before it entered;
  a call answered without queueing is queued in its group at the answer (a wait of 0) so that it
  counts for its group; closed when it ended;
- inbound, not taken: closed when it left the queue (what followed was no longer the queue's),
  else when it ended; by the client when the outcome says the caller gave up;
- outbound: opened with its group, accepted when answered, closed when it ended — with the
  operator named even when nobody answered;
- the record does not say who hung up an answered call: it is closed ``by: system``, with the
  source's outcome as the reason.
"""

from dataclasses import dataclass
from datetime import datetime

from dozor.connectors.asterisk.emit import Emitter, clip
from dozor.events import contract as c


@dataclass(frozen=True)
class CallRecord:
    id: str
    direction: str  # inbound | outbound
    arrival: datetime
    ivr_end: datetime | None = None
    queue: str | None = None
    queue_start: datetime | None = None
    queue_end: datetime | None = None
    answer: datetime | None = None
    end: datetime | None = None
    agent: str | None = None  # an operator id
    answered: bool = False  # the outcome says an operator took the call
    abandoned: bool = False  # the outcome says the caller gave up
    outcome: str | None = None
    client_phone: str | None = None
    client_id: str | None = None


def call_events(call: CallRecord, *, channel: str) -> list[c.Event]:
    conversation = f"{channel}-{call.id}"[:200]
    e = Emitter(conversation, conversation)
    moments = (call.arrival, call.ivr_end, call.queue_start, call.queue_end, call.answer, call.end)
    opened = min(m for m in moments if m is not None)
    group = clip(call.queue, 200)
    client = c.Client(phone=clip(call.client_phone, 100), id=clip(call.client_id, 200))
    inbound = call.direction == "inbound"
    e.conversation(
        "conversation.opened",
        opened,
        name="opened",
        channel_id=channel,
        medium="call",
        direction=call.direction,
        group_id=None if inbound else group,
        client=client if client.phone or client.id else None,
    )
    queued = call.queue_start if inbound and group and call.queue_start else None
    if queued is not None:
        e.conversation("conversation.queued", queued, name="queued", group_id=group)
    reason = clip(call.outcome, 500)
    if call.answered and call.agent:
        taken = call.answer or call.queue_end or call.ivr_end or opened
        taken = max(taken, queued or opened)
        if inbound and queued is None and group:
            e.conversation("conversation.queued", taken, name="queued", group_id=group)
        e.conversation("conversation.accepted", taken, name="accepted", operator_id=call.agent)
        ended = max(call.end or taken, taken)
        e.conversation(
            "conversation.closed",
            ended,
            name="closed",
            by="system",
            operator_id=call.agent,
            reason=reason,
        )
        return e.events
    ended = (call.queue_end if queued else None) or call.end or call.ivr_end or opened
    e.conversation(
        "conversation.closed",
        max(ended, queued or opened),
        name="closed",
        by="client" if call.abandoned else "system",
        operator_id=None if inbound else call.agent,
        reason=reason,
    )
    return e.events
