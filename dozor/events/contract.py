"""The event contract v1: one pydantic model per event type, validated strictly from JSON.

Extra fields are ignored (a newer contract may add optional ones); unknown types are not.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

# PostgreSQL cannot store NUL in text: refuse it here rather than fail the whole commit (a
# pattern is checked inside pydantic-core, far cheaper than a Python validator per string)
Str = Annotated[str, Field(pattern=r"^[^\x00]*$")]
Id = Annotated[Str, Field(min_length=1, max_length=200)]
Text = Annotated[Str, Field(max_length=100_000)]
Score = Annotated[int, Field(ge=1, le=5)]
Medium = Literal["chat", "call", "email"]


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Client(_Model):
    id: Id | None = None
    name: Annotated[Str, Field(max_length=500)] | None = None
    phone: Annotated[Str, Field(max_length=100)] | None = None
    email: Annotated[Str, Field(max_length=320)] | None = None


class _Event(_Model):
    id: Id = Field(description="Unique per source; the idempotency key.")
    ts: AwareDatetime = Field(description="When it happened: RFC 3339 with an offset.")


class _ConversationEvent(_Event):
    conversation_id: Id
    actor: Id | None = Field(
        default=None, description="The user who made it happen (a supervisor's action in Dozor)."
    )


class OperatorStatus(_Event):
    type: Literal["operator.status"]
    operator_id: Id
    status: Literal["online", "away", "offline"]
    reason: Annotated[Str, Field(max_length=200)] | None = None


class ConversationOpened(_ConversationEvent):
    type: Literal["conversation.opened"]
    channel_id: Id
    medium: Medium | None = Field(
        default=None, description="Needed when the channel is not known yet."
    )
    direction: Literal["inbound", "outbound"]
    group_id: Id | None = None
    client: Client | None = None
    topic: Id | None = None
    page_url: Annotated[Str, Field(max_length=2000)] | None = None
    crm_ref: Annotated[Str, Field(max_length=500)] | None = None
    personal: bool = Field(default=False, description="A direct call to an operator's number.")


class ConversationQueued(_ConversationEvent):
    type: Literal["conversation.queued"]
    group_id: Id


class ConversationOffered(_ConversationEvent):
    type: Literal["conversation.offered"]
    operator_id: Id


class ConversationDeclined(_ConversationEvent):
    type: Literal["conversation.declined"]
    operator_id: Id


class ConversationAccepted(_ConversationEvent):
    type: Literal["conversation.accepted"]
    operator_id: Id


class ConversationTransferred(_ConversationEvent):
    type: Literal["conversation.transferred"]
    to_operator_id: Id | None = None
    to_group_id: Id | None = None


class MessageCreated(_ConversationEvent):
    type: Literal["message.created"]
    message_id: Id
    author: Literal["client", "operator", "bot", "system"]
    operator_id: Id | None = None
    text: Text | None = None


class ConversationHold(_ConversationEvent):
    type: Literal["conversation.hold"]
    on: bool


class ConversationClosing(_ConversationEvent):
    type: Literal["conversation.closing"]


class ConversationClosed(_ConversationEvent):
    type: Literal["conversation.closed"]
    by: Literal["operator", "client", "system"]
    operator_id: Id | None = None
    spam: bool = False
    reason: Annotated[Str, Field(max_length=500)] | None = None


class ConversationWrapupDone(_ConversationEvent):
    type: Literal["conversation.wrapup_done"]
    operator_id: Id


class ConversationRated(_ConversationEvent):
    type: Literal["conversation.rated"]
    score: Score


class ConversationReviewed(_ConversationEvent):
    type: Literal["conversation.reviewed"]
    rating: Score | None = None
    comment: Text | None = None
    actor: Id


class ConversationPinned(_ConversationEvent):
    type: Literal["conversation.pinned"]
    operator_id: Id | None


class ConversationUpdated(_ConversationEvent):
    type: Literal["conversation.updated"]
    topic: Id | None = None
    crm_ref: Annotated[Str, Field(max_length=500)] | None = None
    form_filled: bool | None = None
    history_requested: bool | None = None
    client: Client | None = None


ConversationEvent = (
    ConversationOpened
    | ConversationQueued
    | ConversationOffered
    | ConversationDeclined
    | ConversationAccepted
    | ConversationTransferred
    | MessageCreated
    | ConversationHold
    | ConversationClosing
    | ConversationClosed
    | ConversationWrapupDone
    | ConversationRated
    | ConversationReviewed
    | ConversationPinned
    | ConversationUpdated
)
Event = Annotated[OperatorStatus | ConversationEvent, Field(discriminator="type")]

EVENT_TYPES: tuple[str, ...] = (
    "operator.status",
    "conversation.opened",
    "conversation.queued",
    "conversation.offered",
    "conversation.declined",
    "conversation.accepted",
    "conversation.transferred",
    "message.created",
    "conversation.hold",
    "conversation.closing",
    "conversation.closed",
    "conversation.wrapup_done",
    "conversation.rated",
    "conversation.reviewed",
    "conversation.pinned",
    "conversation.updated",
)
# Events of one instant are folded in this causal order, then by id: arrival order never matters.
TYPE_RANK = {name: rank for rank, name in enumerate(EVENT_TYPES)}

event_adapter: TypeAdapter[Event] = TypeAdapter(Event)
batch_adapter: TypeAdapter[Event | list[Event]] = TypeAdapter(Event | list[Event])


def sort_key(event: OperatorStatus | ConversationEvent) -> tuple[datetime, int, str]:
    return (event.ts, TYPE_RANK[event.type], event.id)


def explain(error: Any, *, loc: tuple[Any, ...]) -> dict[str, str]:
    """One pydantic error as the integrator reads it: the field and the reason."""
    field = ".".join(str(p) for p in loc if p not in TYPE_RANK) or "type"
    if error["type"] == "union_tag_invalid":
        reason = f"unknown type {error['ctx']['tag']!r}"
    elif error["type"] == "union_tag_not_found":
        reason = "missing field 'type'"
    elif error["type"] == "string_pattern_mismatch":  # the only pattern: no NUL
        reason = "must not contain the NUL character"
    elif error["type"] == "timezone_aware":
        reason = "time must carry an offset (RFC 3339, e.g. 2026-01-31T10:00:00+03:00)"
    else:
        reason = str(error["msg"])
    return {"field": field, "reason": reason}
