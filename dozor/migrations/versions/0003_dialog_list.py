"""dialog list: users' preferences and saved filters; indexes for the list's sorts and filters

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dozor.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "detailed_status IN ('new', 'queued', 'in_work', 'waiting', 'waiting_again', 'answered')"
# (name, columns, partial-index condition): keyset pages walk (column, number) in order
INDEXES: list[tuple[str, list[str], str | None]] = [
    ("ix_conversations_group_id_number", ["group_id", "number"], None),
    ("ix_conversations_operator_id_number", ["operator_id", "number"], None),
    ("ix_conversations_channel_id_number", ["channel_id", "number"], None),
    ("ix_conversations_changed_at_number", ["changed_at", "number"], None),
    ("ix_conversations_closed_at_number", ["closed_at", "number"], None),
    ("ix_conversations_work_state_since", ["work_state", "work_state_since"], None),
    ("ix_conversations_active_number", ["number"], ACTIVE),
    (
        "ix_conversations_pinned_operator_id",
        ["pinned_operator_id"],
        "pinned_operator_id IS NOT NULL",
    ),
]


def upgrade() -> None:
    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_user_preferences")),
    )
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", dozor.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_saved_filters_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        sa.UniqueConstraint(
            "user_id", "page", "name", name=op.f("uq_saved_filters_user_id_page_name")
        ),
    )
    for name, columns, where in INDEXES:
        condition = {} if where is None else _where(where)
        op.create_index(name, "conversations", columns, unique=False, **condition)


def _where(condition: str) -> dict[str, sa.TextClause]:
    return {"postgresql_where": sa.text(condition), "sqlite_where": sa.text(condition)}


def downgrade() -> None:
    for name, _columns, _where_clause in reversed(INDEXES):
        op.drop_index(name, table_name="conversations")
    op.drop_table("saved_filters")
    op.drop_table("user_preferences")
