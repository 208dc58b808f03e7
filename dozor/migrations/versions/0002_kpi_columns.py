"""kpi columns: the contact's queue on conversations, service level settings on groups

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dozor.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # rows folded before this revision keep nulls here until their conversation folds again
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("queue_since", dozor.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("left_queue_at", dozor.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("queue_group_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("accepted_operator_id", sa.String(length=200), nullable=True))

    # server defaults fill the groups that exist; new rows get theirs from the model
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sl_threshold", sa.Integer(), nullable=False, server_default="20")
        )
        batch_op.add_column(
            sa.Column(
                "sl_variant",
                sa.String(length=24),
                nullable=False,
                server_default="abandons_missed",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("sl_variant")
        batch_op.drop_column("sl_threshold")

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("accepted_operator_id")
        batch_op.drop_column("queue_group_id")
        batch_op.drop_column("left_queue_at")
        batch_op.drop_column("queue_since")
