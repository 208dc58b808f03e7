"""JSON API of conversations."""

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from dozor.auth.deps import CallerDep
from dozor.conversations import service
from dozor.deps import ClockDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["conversations"])


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


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
async def get_conversation(
    conversation_id: str, session: SessionDep, clock: ClockDep, _caller: CallerDep
) -> Any:
    """One conversation: every column of the dialog list, and its messages."""
    row = await service.get(session, conversation_id)
    if row is None:
        raise HTTPException(404, f"no conversation {conversation_id!r}")
    data = service.as_dict(row.number, service.state_of(row), clock.now())
    data["messages"] = await service.messages(session, conversation_id)
    return data
