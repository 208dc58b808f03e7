"""message_texts: PostgreSQL's message index, keyed by the conversation's number

The texts of the ``message.created`` events, with their conversation's number, in a narrow
table with a trigram index, which replaces the trigram index on the events' payload, and a BRIN
index on the number: the dialog list can then ask for the matches on a range of numbers, newest
first, instead of every match (docs/decisions.md, "The message index"). Filled here with what
is already stored. SQLite keeps its full-text table (0008): nothing changes there.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "type = 'message.created'"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "message_texts",
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("number", "seq", name=op.f("pk_message_texts")),
    )
    op.execute(
        "INSERT INTO message_texts (number, seq, text)"
        " SELECT c.number, e.seq, e.payload ->> 'text' FROM events AS e"
        " JOIN conversations AS c ON c.id = e.conversation_id"
        f" WHERE e.{MESSAGE} AND e.payload ->> 'text' IS NOT NULL"
    )
    op.create_index("ix_message_texts_number", "message_texts", ["number"], postgresql_using="brin")
    op.create_index(
        "ix_message_texts_text",
        "message_texts",
        ["text"],
        postgresql_using="gin",
        postgresql_ops={"text": "gin_trgm_ops"},
    )
    op.drop_index("ix_events_message_text", table_name="events")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_events_message_text",
        "events",
        [sa.text("(payload ->> 'text') gin_trgm_ops")],
        postgresql_using="gin",
        postgresql_where=sa.text(MESSAGE),
    )
    op.drop_table("message_texts")
