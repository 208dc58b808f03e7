"""connector offsets: where each connector stands in its source

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dozor.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connector_offsets",
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("identity", sa.String(length=200), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", dozor.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_connector_offsets")),
    )


def downgrade() -> None:
    op.drop_table("connector_offsets")
