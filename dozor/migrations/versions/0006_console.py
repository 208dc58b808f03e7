"""console: SLA targets, business hours, KPI thresholds, console preferences

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_targets",
        sa.Column("group_id", sa.String(length=200), nullable=False),
        sa.Column("medium", sa.String(length=10), nullable=False),
        sa.Column("new", sa.Float(), nullable=True),
        sa.Column("unanswered", sa.Float(), nullable=True),
        sa.Column("answered", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_sla_targets_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "medium", name=op.f("pk_sla_targets")),
    )
    op.create_table(
        "business_hours",
        sa.Column("group_id", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_business_hours_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_business_hours")),
    )
    op.create_table(
        "thresholds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kpi", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("scope_id", sa.String(length=200), nullable=False),
        sa.Column("warning", sa.Float(), nullable=False),
        sa.Column("critical", sa.Float(), nullable=False),
        sa.Column("worse", sa.String(length=6), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thresholds")),
        sa.UniqueConstraint(
            "kpi", "scope", "scope_id", name=op.f("uq_thresholds_kpi_scope_scope_id")
        ),
    )
    op.create_table(
        "console_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_console_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_console_preferences")),
    )


def downgrade() -> None:
    op.drop_table("console_preferences")
    op.drop_table("thresholds")
    op.drop_table("business_hours")
    op.drop_table("sla_targets")
