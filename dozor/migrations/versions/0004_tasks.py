"""tasks: kinds, tasks, comments, notifications; users get an e-mail address

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dozor.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = dozor.db.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))

    kinds = op.create_table(
        "task_kinds",
        sa.Column("id", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_kinds")),
    )
    op.bulk_insert(kinds, [{"id": "assignment", "name": "Assignment"}])

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kind_id", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("due_time", sa.Time(), nullable=True),
        sa.Column("due_at", Moment(timezone=True), nullable=True),
        sa.Column("remind_at", Moment(timezone=True), nullable=True),
        sa.Column("assignee_user_id", sa.Integer(), nullable=True),
        sa.Column("assignee_group_id", sa.String(length=200), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("link_type", sa.String(length=12), nullable=True),
        sa.Column("link_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.Column("updated_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kind_id"], ["task_kinds.id"], name=op.f("fk_tasks_kind_id_task_kinds")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_user_id"],
            ["users.id"],
            name=op.f("fk_tasks_assignee_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["assignee_group_id"],
            ["groups.id"],
            name=op.f("fk_tasks_assignee_group_id_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_tasks_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tasks_assignee_user_id_status", ["assignee_user_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_tasks_assignee_group_id_status", ["assignee_group_id", "status"], unique=False
        )
        batch_op.create_index("ix_tasks_author_id_status", ["author_id", "status"], unique=False)
        batch_op.create_index("ix_tasks_due_at", ["due_at"], unique=False)
        batch_op.create_index("ix_tasks_link_type_link_id", ["link_type", "link_id"], unique=False)

    op.create_table(
        "task_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status_from", sa.String(length=12), nullable=True),
        sa.Column("status_to", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_comments_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_task_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_comments")),
    )
    with op.batch_alter_table("task_comments", schema=None) as batch_op:
        batch_op.create_index("ix_task_comments_task_id_id", ["task_id", "id"], unique=False)

    op.create_table(
        "task_notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("due_at", Moment(timezone=True), nullable=False),
        sa.Column("claimed_at", Moment(timezone=True), nullable=True),
        sa.Column("sent_at", Moment(timezone=True), nullable=True),
        sa.Column("read_at", Moment(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_notifications_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_task_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_notifications")),
        sa.UniqueConstraint(
            "task_id",
            "user_id",
            "kind",
            "channel",
            "due_at",
            name=op.f("uq_task_notifications_task_id_user_id_kind_channel_due_at"),
        ),
    )
    with op.batch_alter_table("task_notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_notifications_sent_at_due_at", ["sent_at", "due_at"], unique=False
        )
        batch_op.create_index(
            "ix_task_notifications_user_id_channel_sent_at",
            ["user_id", "channel", "sent_at"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("task_notifications")
    op.drop_table("task_comments")
    op.drop_table("tasks")
    op.drop_table("task_kinds")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
