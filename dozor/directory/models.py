"""Groups (lines / queues), channels and topics: the directory every event refers to."""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dozor.db import Base

MEDIUMS = ("chat", "call", "email")
KINDS = ("web-chat", "telegram", "vk", "whatsapp", "phone", "email", "other")


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_abandon: Mapped[int] = mapped_column(Integer, default=5)
    # service level: answered within this many seconds, and how abandons count (dozor/metrics)
    sl_threshold: Mapped[int] = mapped_column(Integer, default=20)
    sl_variant: Mapped[str] = mapped_column(String(24), default="abandons_missed")


class Channel(Base):
    __tablename__ = "channels"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    medium: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
