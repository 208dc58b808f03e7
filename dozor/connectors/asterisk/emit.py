"""Contract events of one source record, with ids derived from the record.

A record (a queue_log line, an AMI event, a CDR row) gives the same ids every time it is read, so
reading it again adds nothing: the writer drops ids it has stored.
"""

import hashlib
from datetime import datetime
from typing import Any

from dozor.events import contract as c

_MODELS: dict[str, type[Any]] = {
    "operator.status": c.OperatorStatus,
    "conversation.opened": c.ConversationOpened,
    "conversation.queued": c.ConversationQueued,
    "conversation.offered": c.ConversationOffered,
    "conversation.declined": c.ConversationDeclined,
    "conversation.accepted": c.ConversationAccepted,
    "conversation.transferred": c.ConversationTransferred,
    "conversation.closed": c.ConversationClosed,
}


def digest(text: str) -> str:
    """80 bits of the record's text: ids stay short, and a collision needs ~10¹² records."""
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def clip(value: str | None, limit: int) -> str | None:
    """Outside data within the contract's limits: a too-long field must not reject a batch."""
    if value is None:
        return None
    value = value.replace("\x00", "").strip()
    return value[:limit] or None


class Emitter:
    """Builds the events of one record: ids ``<prefix>-<n>`` (or ``<prefix>-<name>``)."""

    def __init__(self, prefix: str, conversation_id: str | None = None) -> None:
        self.prefix = prefix
        self.conversation_id = conversation_id
        self.events: list[c.Event] = []

    def conversation(
        self, type: str, ts: datetime, *, name: str | None = None, **fields: Any
    ) -> c.Event:
        assert self.conversation_id is not None
        return self._add(type, ts, name, conversation_id=self.conversation_id, **fields)

    def status(
        self, ts: datetime, operator_id: str, status: str, reason: str | None = None
    ) -> c.Event:
        return self._add(
            "operator.status",
            ts,
            None,
            operator_id=operator_id,
            status=status,
            reason=clip(reason, 200),
        )

    def _add(self, type: str, ts: datetime, name: str | None, **fields: Any) -> c.Event:
        suffix = name if name is not None else str(len(self.events))
        event = _MODELS[type](id=f"{self.prefix}-{suffix}", type=type, ts=ts, **fields)
        self.events.append(event)
        return event
