"""What a group commit reads before it decides anything, and what it writes once it has: the
two shapes that ``ingest`` exchanges with the statements of ``portable`` and ``pg``.

Everything in between (which events are new, which batches are rejected, the folds) is Python
over these, so a group costs the database one read and one write, whatever it holds.
"""

from dataclasses import dataclass, field
from datetime import datetime

from dozor.conversations.state import ConversationState
from dozor.events import contract as c
from dozor.operators.state import StatusState


@dataclass
class Wanted:
    """The keys a group asks the database about."""

    event_ids: list[str]
    channel_ids: list[str]  # the channels it opens conversations on: their media
    conversation_ids: list[str]
    operator_ids: list[str]  # the operators whose status it changes


@dataclass
class Stored:
    """What the database holds of ``Wanted``."""

    event_ids: set[str]
    media: dict[str, str]
    conversations: dict[str, ConversationState]
    operators: dict[str, StatusState]


@dataclass
class Changes:
    """What a group writes: its new events, the conversations first seen (``new``, inserted)
    and the stored ones it changed (``stored``, overwritten), each once, and the operators'
    statuses it changed."""

    events: list[c.Event] = field(default_factory=list)
    received_at: datetime | None = None
    new: list[ConversationState] = field(default_factory=list)
    stored: list[ConversationState] = field(default_factory=list)
    operators: dict[str, StatusState] = field(default_factory=dict)
