"""The event log: every fact Dozor knows, in the order it was committed.

The texts of the ``message.created`` events are searched by substring: on PostgreSQL through a
GIN trigram index on ``payload ->> 'text'`` (declared below), on SQLite through the FTS5 table
``message_search``, which migration 0008 creates with its trigger (the models cannot declare a
virtual table).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

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


# literal key and type, not bound parameters, so that a prepared statement's generic plan still
# matches the index's expression and its partial condition
MESSAGE_TEXT: ColumnElement[str] = StoredEvent.payload.op("->>", return_type=Text)(
    literal_column("'text'")
)
IS_MESSAGE: ColumnElement[bool] = StoredEvent.type == literal_column("'message.created'")

Index(
    "ix_events_message_text",
    MESSAGE_TEXT.label("message_text"),
    postgresql_using="gin",
    postgresql_ops={"message_text": "gin_trgm_ops"},
    postgresql_where=text("type = 'message.created'"),
).ddl_if(dialect="postgresql")
