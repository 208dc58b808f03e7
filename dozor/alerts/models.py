"""Alert rules, the zone each rule is in per scope, what fired, and the deliveries it owes.

The evaluator commits a rule's new zone, the ``alert_log`` row saying what happened and the
``alert_deliveries`` it owes in one transaction: a notification is decided exactly once. The
delivery worker claims a delivery (``status`` sending, ``lease_until``), sends it and marks it
sent, or schedules the next attempt (``next_at``) with exponential backoff.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dozor.db import Base, UTCDateTime

ZONES = ("ok", "yellow", "red")
KINDS = ("yellow", "red", "recovered", "repeat")  # what an alert_log row says happened
CHANNELS = ("email", "webhook")
STATUSES = ("pending", "sending", "sent", "failed")


class AlertRule(Base):
    """An indicator watched in a scope over a window, its yellow and red levels, and who is
    told how: nobody (colour only), e-mail to users and addresses, a webhook."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    indicator: Mapped[str] = mapped_column(String(40))  # a key of console.indicators
    scope: Mapped[str] = mapped_column(String(10))  # all / group / operator
    # the groups or operators watched, each on its own (a zone per id); empty for "all"
    scope_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    window: Mapped[str] = mapped_column(String(10))  # a key of metrics.windows.WINDOWS
    worse: Mapped[str] = mapped_column(String(6))  # higher / lower
    yellow: Mapped[float | None] = mapped_column(Float)
    red: Mapped[float | None] = mapped_column(Float)
    # a zone is left only once the value is back past its level by this much
    hysteresis: Mapped[float] = mapped_column(Float, default=0.0)
    # seconds a new zone must hold before it is entered (or left)
    min_duration: Mapped[int] = mapped_column(Integer, default=0)
    # seconds between repeated notifications while red; 0: never repeat
    repeat_every: Mapped[int] = mapped_column(Integer, default=900)
    email_user_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    email_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))  # HMAC-SHA256 key
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlertState(Base):
    """The zone of one rule for one scope id ("" for the company), and the zone waiting for
    its minimum duration to be entered."""

    __tablename__ = "alert_states"

    rule_id: Mapped[int] = mapped_column(
        ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True
    )
    scope_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    zone: Mapped[str] = mapped_column(String(6))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float | None] = mapped_column(Float)
    pending_zone: Mapped[str | None] = mapped_column(String(6))
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlertLog(Base):
    """One thing that fired: a zone entered, a recovery, or a repetition while red. The rule's
    name, indicator and levels are copied: the log outlives edits and deletions of the rule."""

    __tablename__ = "alert_log"
    __table_args__ = (
        Index("ix_alert_log_at", "at"),
        Index("ix_alert_log_rule_id_at", "rule_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rules.id", ondelete="SET NULL"))
    rule_name: Mapped[str] = mapped_column(String(200))
    indicator: Mapped[str] = mapped_column(String(40))
    window: Mapped[str] = mapped_column(String(10))
    scope: Mapped[str] = mapped_column(String(10))
    scope_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # yellow / red / recovered / repeat
    zone_from: Mapped[str] = mapped_column(String(6))
    zone_to: Mapped[str] = mapped_column(String(6))
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)  # the level crossed (or left)
    since: Mapped[datetime] = mapped_column(UTCDateTime)  # when the zone now held began
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlertDelivery(Base):
    """One notification owed to one recipient: an e-mail address or a webhook URL."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        Index("ix_alert_deliveries_status_next_at", "status", "next_at"),
        Index("ix_alert_deliveries_log_id", "log_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("alert_log.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))  # email / webhook
    target: Mapped[str] = mapped_column(String(2000))  # the address or the URL
    language: Mapped[str] = mapped_column(String(2))  # of the e-mail's text
    # the webhook's JSON body, fixed when the alert is decided: every retry sends the same
    # bytes under the same signature
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
