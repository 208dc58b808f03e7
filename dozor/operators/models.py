"""Operators and the groups they work in."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dozor.db import Base, UTCDateTime


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    chat_capacity: Mapped[int] = mapped_column(Integer, default=3)
    # the fold of the operator's status events (operators/state.py)
    status: Mapped[str] = mapped_column(String(10), default="offline")
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_reason: Mapped[str | None] = mapped_column(String(200))
    last_ts: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_event_id: Mapped[str] = mapped_column(String(200), default="")


class OperatorGroup(Base):
    __tablename__ = "operator_groups"

    operator_id: Mapped[str] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[str] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
