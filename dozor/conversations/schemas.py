"""The JSON shapes of the conversations API (the OpenAPI document shows them)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dozor.events.contract import Id, Score, Text


class ClientOut(BaseModel):
    id: str | None
    name: str | None
    phone: str | None
    email: str | None


class MessageOut(BaseModel):
    id: str
    ts: datetime
    author: Literal["client", "operator", "bot", "system"]
    operator_id: str | None
    text: str | None


class ConversationOut(BaseModel):
    id: str
    number: int
    channel_id: str | None
    medium: Literal["chat", "call", "email"] | None
    direction: Literal["inbound", "outbound"]
    group_id: str | None
    operator_id: str | None
    client: ClientOut
    topic: str | None
    status: Literal["waiting", "answered", "closed"]
    detailed_status: Literal[
        "new",
        "queued",
        "in_work",
        "waiting",
        "waiting_again",
        "answered",
        "closing",
        "closed",
        "spam",
    ]
    work_state: Literal["new", "unanswered", "answered", "closed"]
    overdue: bool
    spam: bool
    pinned_operator_id: str | None
    crm_ref: str | None
    page_url: str | None
    form_filled: bool
    history_requested: bool
    client_rating: int | None
    supervisor_rating: int | None
    supervisor_comment: str | None
    created_at: datetime
    queued_at: datetime | None
    first_answer_at: datetime | None
    accepted_at: datetime | None
    last_message_at: datetime | None
    operator_closed_at: datetime | None
    closed_at: datetime | None
    changed_at: datetime
    wait_first_answer: float | None
    time_to_accept: float | None
    time_to_operator_close: float | None
    duration: float | None
    first_message_response: float | None
    bot_time: float | None
    response_total: float | None
    response_avg: float | None
    response_max: float | None


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: last.")


class DurationStats(BaseModel):
    avg: float | None
    max: float | None


class Summary(BaseModel):
    count: int
    durations: dict[str, DurationStats] = Field(
        description="For each duration column: its average and maximum over the conversations "
        "of the filtered list where it is defined (seconds)."
    )


class ActionIn(BaseModel):
    """Arguments of an action: `transfer` takes `to_operator_id` and/or `to_group_id`, `pin`
    takes `operator_id`, `review` a `rating` and/or a `comment`; the others none."""

    model_config = ConfigDict(extra="forbid")

    to_operator_id: Id | None = None
    to_group_id: Id | None = None
    operator_id: Id | None = None
    rating: Score | None = None
    comment: Text | None = None


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Id] = Field(min_length=1, max_length=500, description="Conversation ids.")
    to_operator_id: Id | None = None
    to_group_id: Id | None = None


class ActionOut(BaseModel):
    conversation_id: str
    action: str
    outcome: Literal[
        "done",
        "not_found",
        "forbidden",
        "not_active",
        "no_operator",
        "already_yours",
        "not_pinned",
        "no_target",
        "no_pin_target",
        "unknown_operator",
        "unknown_group",
        "empty_review",
    ]
    message: str


class BulkOut(BaseModel):
    results: list[ActionOut]
