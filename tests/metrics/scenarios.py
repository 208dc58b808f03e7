"""Small contact-center scenes for the KPI tests: conversations as ``Script``s, read as records."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from dozor.events import contract as c
from dozor.metrics.records import Agent, Contact, agent, contact_as_of
from dozor.metrics.windows import Window
from tests.factories import T0, Script, status

CHANNELS = {"call": "phone", "chat": "web", "email": "mail"}
TEN_MINUTES = Window(T0, T0 + timedelta(minutes=10))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def inbound(
    cid: str,
    seconds: float = 0,
    *,
    medium: str = "call",
    group: str | None = "sales",
    **fields: Any,
) -> Script:
    """A contact arriving at ``seconds``; with a group it is queued at once."""
    return Script(cid).at(
        seconds,
        "conversation.opened",
        channel_id=CHANNELS[medium],
        medium=medium,
        direction="inbound",
        group_id=group,
        **fields,
    )


def outbound(cid: str, seconds: float = 0, **fields: Any) -> Script:
    return Script(cid).at(
        seconds,
        "conversation.opened",
        channel_id="phone",
        medium="call",
        direction="outbound",
        **fields,
    )


def contacts(scripts: Iterable[Script], end: datetime = TEN_MINUTES.end) -> list[Contact]:
    """The conversations as they stood at ``end``."""
    found = (contact_as_of(_conversation_events(s), end) for s in scripts)
    return [x for x in found if x is not None]


def _conversation_events(script: Script) -> list[c.ConversationEvent]:
    return [e for e in script.events if not isinstance(e, c.OperatorStatus)]


def operator(
    operator_id: str,
    *changes: tuple[float, str],
    groups: Iterable[str] = (),
    chat_capacity: int = 3,
) -> Agent:
    """An operator whose status changes at the given seconds, e.g. ``(-60, "online")``."""
    events = [status(operator_id, t, value, n) for n, (t, value) in enumerate(changes)]
    return agent(
        operator_id,
        events=events,  # type: ignore[arg-type]
        groups=groups,
        chat_capacity=chat_capacity,
    )
