"""What an admin sets for overdue: targets per group and medium, business hours per group."""

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dozor.db import Base


class SlaTarget(Base):
    """Seconds allowed in each work state; a null: no target. No row: DESIGN.md's defaults."""

    __tablename__ = "sla_targets"

    group_id: Mapped[str] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    medium: Mapped[str] = mapped_column(String(10), primary_key=True)
    new: Mapped[float | None] = mapped_column(Float)
    unanswered: Mapped[float | None] = mapped_column(Float)
    answered: Mapped[float | None] = mapped_column(Float)


class BusinessHours(Base):
    """A group's open hours as a spec (``dozor/live/hours.py``); no row: always open."""

    __tablename__ = "business_hours"

    group_id: Mapped[str] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    spec: Mapped[str] = mapped_column(Text)
