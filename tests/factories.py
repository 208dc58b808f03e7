"""Small builders of contract events for tests: ``Script`` numbers ids and moves time."""

from datetime import UTC, datetime, timedelta
from typing import Any

from dozor.events import contract as c

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Script:
    """Events of one conversation, written in the order they happen."""

    def __init__(self, conversation_id: str = "c1", *, start: datetime = T0) -> None:
        self.conversation_id = conversation_id
        self.start = start
        self.events: list[c.Event] = []

    def at(self, seconds: float, type: str, **fields: Any) -> "Script":
        data = {
            "id": f"{self.conversation_id}-{len(self.events)}",
            "type": type,
            "ts": self.start + timedelta(seconds=seconds),
            **fields,
        }
        if type != "operator.status":
            data.setdefault("conversation_id", self.conversation_id)
        self.events.append(c.event_adapter.validate_python(data, strict=False))
        return self

    def message(self, seconds: float, author: str, **fields: Any) -> "Script":
        number = sum(1 for e in self.events if e.type == "message.created")
        return self.at(seconds, "message.created", message_id=f"m{number}", author=author, **fields)


def status(operator_id: str, seconds: float, value: str, n: int, **fields: Any) -> c.Event:
    return c.event_adapter.validate_python(
        {
            "id": f"{operator_id}-status-{n}",
            "type": "operator.status",
            "ts": T0 + timedelta(seconds=seconds),
            "operator_id": operator_id,
            "status": value,
            **fields,
        },
        strict=False,
    )
