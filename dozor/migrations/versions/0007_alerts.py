"""alerts: rules, states, log, deliveries

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dozor.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("scope_ids", sa.JSON(), nullable=False),
        sa.Column("window", sa.String(length=10), nullable=False),
        sa.Column("worse", sa.String(length=6), nullable=False),
        sa.Column("yellow", sa.Float(), nullable=True),
        sa.Column("red", sa.Float(), nullable=True),
        sa.Column("hysteresis", sa.Float(), nullable=False),
        sa.Column("min_duration", sa.Integer(), nullable=False),
        sa.Column("repeat_every", sa.Integer(), nullable=False),
        sa.Column("email_user_ids", sa.JSON(), nullable=False),
        sa.Column("email_addresses", sa.JSON(), nullable=False),
        sa.Column("webhook_url", sa.String(length=2000), nullable=True),
        sa.Column("webhook_secret", sa.String(length=200), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", dozor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dozor.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_alert_rules_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules")),
    )
    op.create_table(
        "alert_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("rule_name", sa.String(length=200), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("window", sa.String(length=10), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("scope_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("zone_from", sa.String(length=6), nullable=False),
        sa.Column("zone_to", sa.String(length=6), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("since", dozor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("at", dozor.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["alert_rules.id"],
            name=op.f("fk_alert_log_rule_id_alert_rules"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_log")),
    )
    with op.batch_alter_table("alert_log", schema=None) as batch_op:
        batch_op.create_index("ix_alert_log_at", ["at"], unique=False)
        batch_op.create_index("ix_alert_log_rule_id_at", ["rule_id", "at"], unique=False)

    op.create_table(
        "alert_states",
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.String(length=200), nullable=False),
        sa.Column("zone", sa.String(length=6), nullable=False),
        sa.Column("since", dozor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("pending_zone", sa.String(length=6), nullable=True),
        sa.Column("pending_since", dozor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("notified_at", dozor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", dozor.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["alert_rules.id"],
            name=op.f("fk_alert_states_rule_id_alert_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rule_id", "scope_id", name=op.f("pk_alert_states")),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=2000), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", dozor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", dozor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", dozor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", dozor.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"],
            ["alert_log.id"],
            name=op.f("fk_alert_deliveries_log_id_alert_log"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_alert_deliveries_log_id", ["log_id"], unique=False)
        batch_op.create_index(
            "ix_alert_deliveries_status_next_at", ["status", "next_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_deliveries_status_next_at")
        batch_op.drop_index("ix_alert_deliveries_log_id")

    op.drop_table("alert_deliveries")
    op.drop_table("alert_states")
    with op.batch_alter_table("alert_log", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_log_rule_id_at")
        batch_op.drop_index("ix_alert_log_at")

    op.drop_table("alert_log")
    op.drop_table("alert_rules")
