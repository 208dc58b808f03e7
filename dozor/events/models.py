"""The event log: every fact Dozor knows, in the order it was committed."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from dozor.db import Base, UTCDateTime


class StoredEvent(Base):
    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    conversation_id: Mapped[str | None] = mapped_column(String(200))
    operator_id: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_events_conversation_id_ts", "conversation_id", "ts"),
        Index(
            "ix_events_operator_status",
            "operator_id",
            "ts",
            postgresql_where=text("type = 'operator.status'"),
            sqlite_where=text("type = 'operator.status'"),
        ),
    )
