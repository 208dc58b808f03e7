"""KPI thresholds (the yellow and red zones of seed 003) and each user's console choices."""

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dozor.db import Base


class Threshold(Base):
    """One indicator's zones for a scope: the company (``all``), a group or an operator."""

    __tablename__ = "thresholds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kpi: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(10))  # all / group / operator
    scope_id: Mapped[str] = mapped_column(String(200), default="")
    warning: Mapped[float] = mapped_column(Float)
    critical: Mapped[float] = mapped_column(Float)
    worse: Mapped[str] = mapped_column(String(6))  # higher / lower: which way is worse

    __table_args__ = (UniqueConstraint("kpi", "scope", "scope_id"),)


class ConsolePreference(Base):
    """What a user watches on the KPI panel: indicators, groups, operators, window."""

    __tablename__ = "console_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
