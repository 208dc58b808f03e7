"""Conversation queries: one conversation with its messages, and how the API shows it."""

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.conversations import overdue
from dozor.conversations.columns import DATES, DURATIONS
from dozor.conversations.models import Conversation
from dozor.conversations.state import FIELDS, ConversationState
from dozor.events.models import StoredEvent
from dozor.live.targets import SlaRules

PLAIN = (
    "id",
    "channel_id",
    "medium",
    "direction",
    "group_id",
    "operator_id",
    "topic",
    "status",
    "detailed_status",
    "work_state",
    "spam",
    "pinned_operator_id",
    "crm_ref",
    "page_url",
    "form_filled",
    "history_requested",
    "client_rating",
    "supervisor_rating",
    "supervisor_comment",
)


def state_of(row: Conversation | Row[Any]) -> ConversationState:
    return ConversationState(**{name: getattr(row, name) for name in FIELDS})


def as_dict(number: int, state: ConversationState, now: datetime, sla: SlaRules) -> dict[str, Any]:
    """The conversation as the API and the pages show it: DESIGN.md's keys at the top level,
    overdue by the targets and business hours of ``sla``."""
    data: dict[str, Any] = {"number": number}
    data.update({name: getattr(state, name) for name in PLAIN})
    data["client"] = {
        "id": state.client_id,
        "name": state.client_name,
        "phone": state.client_phone,
        "email": state.client_email,
    }
    data["overdue"] = overdue.is_overdue(state, now, sla)
    data.update({name: getattr(state, name) for name in DATES})
    data.update({name: getattr(state, name) for name in DURATIONS})
    return data


async def get(session: AsyncSession, conversation_id: str) -> Conversation | None:
    return await session.scalar(select(Conversation).where(Conversation.id == conversation_id))


async def messages(session: AsyncSession, conversation_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(StoredEvent.ts, StoredEvent.payload)
        .where(
            StoredEvent.conversation_id == conversation_id, StoredEvent.type == "message.created"
        )
        .order_by(StoredEvent.ts, StoredEvent.id)
    )
    return [
        {
            "id": row.payload["message_id"],
            "ts": row.ts,
            "author": row.payload["author"],
            "operator_id": row.payload.get("operator_id"),
            "text": row.payload.get("text"),
        }
        for row in rows
    ]
