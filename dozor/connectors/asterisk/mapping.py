"""queue_log records as Dozor events: a pure function of one record (docs/asterisk.md).

Each visit of a call to a queue is one conversation, ``<channel>-<callid>@<queue>``: a call that
times out of one queue and enters another is two, as in Asterisk's own queue statistics, and
every line maps on its own, in any order, with no memory of the lines before it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from dozor.connectors.asterisk.agents import operator_id
from dozor.connectors.asterisk.emit import Emitter, clip
from dozor.connectors.asterisk.queue_log import Record
from dozor.events import contract as c


@dataclass(frozen=True)
class Skip:
    """A record that makes no event; ``reason`` is what the import counts it under."""

    reason: str


def conversation_id(channel: str, callid: str, queue: str) -> str:
    return f"{channel}-{callid}@{queue}"[:200]


def _seconds(text: str, scale: float = 1.0) -> float:
    try:
        return max(float(text) * scale, 0.0)
    except ValueError:
        return 0.0


# -- calls -----------------------------------------------------------------------------------


def _enterqueue(e: Emitter, r: Record, channel: str, agent: str | None) -> None:
    # data2 is the caller id: a number, or words such as "anonymous" that name no phone
    phone = clip(r.arg(2), 100)
    known = phone is not None and any(ch.isdigit() for ch in phone)
    e.conversation(
        "conversation.opened",
        r.ts,
        channel_id=channel,
        medium="call",
        direction="inbound",
        client=c.Client(phone=phone) if known else None,
    )
    e.conversation("conversation.queued", r.ts, group_id=clip(r.queue, 200))


def _ring_no_answer(e: Emitter, r: Record, channel: str, agent: str | None) -> None:
    rang = timedelta(seconds=_seconds(r.arg(1), 0.001))  # milliseconds
    e.conversation("conversation.offered", r.ts - rang, operator_id=agent)
    e.conversation("conversation.declined", r.ts, operator_id=agent)


def _ring_canceled(e: Emitter, r: Record, channel: str, agent: str | None) -> None:
    # the caller hung up or another member answered first: rung, but no refusal of this one's
    rang = timedelta(seconds=_seconds(r.arg(1), 0.001))
    e.conversation("conversation.offered", r.ts - rang, operator_id=agent)


def _connect(e: Emitter, r: Record, channel: str, agent: str | None) -> None:
    # data1 hold time (the wait, already given by ENTERQUEUE), data3 ring time in seconds
    e.conversation(
        "conversation.offered", r.ts - timedelta(seconds=_seconds(r.arg(3))), operator_id=agent
    )
    e.conversation("conversation.accepted", r.ts, operator_id=agent)


def _closer(by: str, reason: Callable[[Record], str | None] | None = None) -> Callable[..., None]:
    def close(e: Emitter, r: Record, channel: str, agent: str | None) -> None:
        # the operator is named only when one took the call: an ABANDON may carry the member
        # who was about to answer, but the call is lost all the same
        e.conversation(
            "conversation.closed",
            r.ts,
            by=by,
            operator_id=agent if reason is None else None,
            reason=clip(reason(r), 500) if reason else None,
        )

    return close


def _transfer(describe: Callable[[Record], str]) -> Callable[..., None]:
    def transfer(e: Emitter, r: Record, channel: str, agent: str | None) -> None:
        # the queue's part ends here: Asterisk logs no COMPLETE after a transfer
        e.conversation("conversation.transferred", r.ts)
        e.conversation(
            "conversation.closed",
            r.ts,
            by="operator",
            operator_id=agent,
            reason=clip(describe(r), 500),
        )

    return transfer


def _agent_dump(e: Emitter, r: Record, channel: str, agent: str | None) -> None:
    e.conversation("conversation.declined", r.ts, operator_id=agent)


def _exit_key(r: Record) -> str:
    return f"key {r.arg(1)}"


CALL_EVENTS: dict[str, tuple[Callable[..., None], bool]] = {
    # event: (handler, whether it needs an agent)
    "ENTERQUEUE": (_enterqueue, False),
    "RINGNOANSWER": (_ring_no_answer, True),
    "RINGCANCELED": (_ring_canceled, True),
    "CONNECT": (_connect, True),
    "COMPLETEAGENT": (_closer("operator"), True),
    "COMPLETECALLER": (_closer("client"), True),
    "ABANDON": (_closer("client", lambda r: "abandon"), False),
    "EXITEMPTY": (_closer("system", lambda r: "exitempty"), False),
    "EXITWITHTIMEOUT": (_closer("system", lambda r: "timeout"), False),
    "EXITWITHKEY": (_closer("client", _exit_key), False),
    "TRANSFER": (_transfer(lambda r: f"transfer to {r.arg(1)}@{r.arg(2)}"), True),
    "BLINDTRANSFER": (_transfer(lambda r: f"blind transfer to {r.arg(1)}@{r.arg(2)}"), True),
    "ATTENDEDTRANSFER": (
        _transfer(lambda r: f"attended transfer ({r.arg(1)} {r.arg(2)})".strip()),
        True,
    ),
    "AGENTDUMP": (_agent_dump, True),
}

# -- operators ---------------------------------------------------------------------------------

STATUS_EVENTS: dict[str, tuple[str, Callable[[Record], str | None]]] = {
    "AGENTLOGIN": ("online", lambda r: None),
    "AGENTCALLBACKLOGIN": ("online", lambda r: None),
    "ADDMEMBER": ("online", lambda r: None),
    "UNPAUSE": ("online", lambda r: None),
    "UNPAUSEALL": ("online", lambda r: None),
    "PAUSE": ("away", lambda r: r.arg(1) or None),
    "PAUSEALL": ("away", lambda r: r.arg(1) or None),
    "AGENTLOGOFF": ("offline", lambda r: None),
    "AGENTCALLBACKLOGOFF": ("offline", lambda r: r.arg(3) or None),
    "REMOVEMEMBER": ("offline", lambda r: None),
}


def map_record(record: Record, *, channel: str) -> list[c.Event] | Skip:
    """The events one queue_log record means, or why it means none."""
    emitter = Emitter(f"{channel}-{record.key}")
    agent = operator_id(record.agent)
    if record.event in STATUS_EVENTS:
        if agent is None:
            return Skip(f"{record.event} without an agent")
        status, reason = STATUS_EVENTS[record.event]
        emitter.status(record.ts, agent, status, reason(record))
        return emitter.events
    if record.event not in CALL_EVENTS:
        return Skip(record.event)  # QUEUESTART, CONFIGRELOAD, DID, INFO… and unknown ones
    handler, needs_agent = CALL_EVENTS[record.event]
    if record.callid.upper() in ("", "NONE") or record.queue.upper() in ("", "NONE"):
        return Skip(f"{record.event} without a call")
    if needs_agent and agent is None:
        return Skip(f"{record.event} without an agent")
    emitter.conversation_id = conversation_id(channel, record.callid, record.queue)
    handler(emitter, record, channel, agent)
    return emitter.events
