"""The event log: every fact Dozor knows, in the order it was committed.

The texts of the ``message.created`` events are searched by substring. On PostgreSQL they are
copied, with their conversation's number, into ``message_texts`` (below), whose trigram index
finds them, whose key (number, seq) walks them conversation by conversation, newest first, and
whose BRIN index on the number keeps to a window of numbers cheaply; the write path fills it in
the same statement as the events. On SQLite through the FTS5 table
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


# the ``message.created`` events (SQLite's search reads their texts from the payload)
IS_MESSAGE: ColumnElement[bool] = StoredEvent.type == literal_column("'message.created'")


class MessageText(Base):
    """PostgreSQL only: the text of each ``message.created`` event with a text, under its
    conversation's number (the dialog list's order), narrow enough for a trigram index to be
    checked on a range of numbers (docs/decisions.md, "The message index")."""

    __tablename__ = "message_texts"
    __table_args__ = (
        # a page's window of numbers: the rows lie in the order they came, nearly the numbers'
        Index("ix_message_texts_number", "number", postgresql_using="brin"),
        Index(
            "ix_message_texts_text",
            "text",
            postgresql_using="gin",
            postgresql_ops={"text": "gin_trgm_ops"},
        ),
        {"info": {"only": "postgresql"}},
    )

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
