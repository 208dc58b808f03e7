"""The conversations projection: one row per conversation, the fold of its events."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from dozor.conversations.state import ACTIVE_DETAILED
from dozor.db import Base, UTCDateTime

Id = String(200)
ACTIVE = "detailed_status IN ({})".format(", ".join(f"'{s}'" for s in ACTIVE_DETAILED))


def _where(condition: str) -> dict[str, Any]:
    return {"postgresql_where": text(condition), "sqlite_where": text(condition)}


class Conversation(Base):
    """Every field of ``ConversationState`` plus the sequential ``number`` shown to people."""

    __tablename__ = "conversations"

    number: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(Id, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel_id: Mapped[str | None] = mapped_column(Id)
    medium: Mapped[str | None] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(10))
    personal: Mapped[bool] = mapped_column(Boolean)
    group_id: Mapped[str | None] = mapped_column(Id)
    operator_id: Mapped[str | None] = mapped_column(Id)
    client_id: Mapped[str | None] = mapped_column(Id)
    client_name: Mapped[str | None] = mapped_column(String(500))
    client_phone: Mapped[str | None] = mapped_column(String(100))
    client_email: Mapped[str | None] = mapped_column(String(320))
    topic: Mapped[str | None] = mapped_column(Id)
    page_url: Mapped[str | None] = mapped_column(String(2000))
    crm_ref: Mapped[str | None] = mapped_column(String(500))
    form_filled: Mapped[bool] = mapped_column(Boolean)
    history_requested: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10))
    detailed_status: Mapped[str] = mapped_column(String(20))
    work_state: Mapped[str] = mapped_column(String(12))
    work_state_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    spam: Mapped[bool] = mapped_column(Boolean)
    pinned_operator_id: Mapped[str | None] = mapped_column(Id)
    client_rating: Mapped[int | None] = mapped_column(Integer)
    supervisor_rating: Mapped[int | None] = mapped_column(Integer)
    supervisor_comment: Mapped[str | None] = mapped_column(Text)
    close_reason: Mapped[str | None] = mapped_column(String(500))
    closed_by: Mapped[str | None] = mapped_column(String(10))
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    operator_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wrapup_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_client_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_bot_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    run_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_total: Mapped[float | None] = mapped_column(Float)
    response_count: Mapped[int] = mapped_column(Integer)
    response_max: Mapped[float | None] = mapped_column(Float)
    answered_once: Mapped[bool] = mapped_column(Boolean)
    awaiting_reply: Mapped[bool] = mapped_column(Boolean)
    client_spoke_since_take: Mapped[bool] = mapped_column(Boolean)
    hold_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_seconds: Mapped[float] = mapped_column(Float)
    transfers: Mapped[int] = mapped_column(Integer)
    messages: Mapped[int] = mapped_column(Integer)
    queue_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_queue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue_group_id: Mapped[str | None] = mapped_column(Id)
    accepted_operator_id: Mapped[str | None] = mapped_column(Id)
    last_ts: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_rank: Mapped[int] = mapped_column(Integer)
    last_event_id: Mapped[str] = mapped_column(Id)

    __table_args__ = (
        Index("ix_conversations_created_at", "created_at"),
        Index("ix_conversations_operator_id_status", "operator_id", "status"),
        Index("ix_conversations_status_group_id", "status", "group_id"),
        # the dialog list's keyset pages walk (column, number) in order; the KPIs read the
        # conversations closed lately through the closed_at one
        Index("ix_conversations_group_id_number", "group_id", "number"),
        Index("ix_conversations_operator_id_number", "operator_id", "number"),
        Index("ix_conversations_channel_id_number", "channel_id", "number"),
        Index("ix_conversations_changed_at_number", "changed_at", "number"),
        Index("ix_conversations_closed_at_number", "closed_at", "number"),
        Index("ix_conversations_work_state_since", "work_state", "work_state_since"),
        Index("ix_conversations_active_number", "number", **_where(ACTIVE)),
        Index(
            "ix_conversations_pinned_operator_id",
            "pinned_operator_id",
            **_where("pinned_operator_id IS NOT NULL"),
        ),
        # "contains" searches of the client (free text included): trigram indexes, which
        # PostgreSQL's ILIKE '%…%' uses; SQLite scans these columns
        *(
            Index(
                f"ix_conversations_{name}_trgm",
                name,
                postgresql_using="gin",
                postgresql_ops={name: "gin_trgm_ops"},
            ).ddl_if(dialect="postgresql")
            for name in ("client_name", "client_phone", "client_email")
        ),
    )
