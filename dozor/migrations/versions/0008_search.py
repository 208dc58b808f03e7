"""search: indexed free text over the clients' names, phones and e-mails and the message texts

PostgreSQL: the ``pg_trgm`` extension and GIN trigram indexes, which ``ILIKE '%…%'`` uses: on
the three client fields of ``conversations`` and on the text of the ``message.created`` events.

SQLite: FTS5 tables with the trigram tokenizer, ``message_search`` over the message texts (its
content read through the view ``message_texts``) and ``client_search`` over the client's fields
of ``conversations``, kept up to date by triggers (no Python on the write path) and filled here
with what is already stored.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLIENT_FIELDS = ("client_name", "client_phone", "client_email")
MESSAGE = "type = 'message.created'"
_CLIENT_INSERT = (
    "INSERT INTO client_search(rowid, client_name, client_phone, client_email)"
    " VALUES ({row}.number, {row}.client_name, {row}.client_phone, {row}.client_email)"
)
_CLIENT_DELETE = (
    "INSERT INTO client_search(client_search, rowid, client_name, client_phone, client_email)"
    " VALUES ('delete', old.number, old.client_name, old.client_phone, old.client_email)"
)
SQLITE_UP = (
    "CREATE VIEW message_texts AS SELECT seq, json_extract(payload, '$.text') AS text"
    f" FROM events WHERE {MESSAGE}",
    # external content (the view): no copy of the texts; trigrams need the positions (detail
    # full) for substring phrases, not the sizes (columnsize 0) that ranking would
    "CREATE VIRTUAL TABLE message_search USING fts5(text, content='message_texts',"
    " content_rowid='seq', tokenize='trigram', columnsize=0)",
    "CREATE TRIGGER events_message_search AFTER INSERT ON events"
    f" WHEN new.{MESSAGE} BEGIN"
    " INSERT INTO message_search(rowid, text)"
    " VALUES (new.seq, json_extract(new.payload, '$.text'));"
    " END",
    "INSERT INTO message_search(message_search) VALUES ('rebuild')",
    "CREATE VIRTUAL TABLE client_search USING fts5(client_name, client_phone, client_email,"
    " content='conversations', content_rowid='number', tokenize='trigram', columnsize=0)",
    f"CREATE TRIGGER conversations_client_search_insert AFTER INSERT ON conversations BEGIN"
    f" {_CLIENT_INSERT.format(row='new')}; END",
    # the fold rewrites every column of a conversation at each event: only a change of the
    # client's fields touches the index
    "CREATE TRIGGER conversations_client_search_update AFTER UPDATE OF"
    f" {', '.join(CLIENT_FIELDS)} ON conversations WHEN"
    f" {' OR '.join(f'old.{f} IS NOT new.{f}' for f in CLIENT_FIELDS)} BEGIN"
    f" {_CLIENT_DELETE}; {_CLIENT_INSERT.format(row='new')}; END",
    "CREATE TRIGGER conversations_client_search_delete AFTER DELETE ON conversations BEGIN"
    f" {_CLIENT_DELETE}; END",
    "INSERT INTO client_search(client_search) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER conversations_client_search_delete",
    "DROP TRIGGER conversations_client_search_update",
    "DROP TRIGGER conversations_client_search_insert",
    "DROP TABLE client_search",
    "DROP TRIGGER events_message_search",
    "DROP TABLE message_search",
    "DROP VIEW message_texts",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for statement in SQLITE_UP:
            op.execute(statement)
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name in CLIENT_FIELDS:
        op.create_index(
            f"ix_conversations_{name}_trgm",
            "conversations",
            [name],
            postgresql_using="gin",
            postgresql_ops={name: "gin_trgm_ops"},
        )
    op.create_index(
        "ix_events_message_text",
        "events",
        [sa.text("(payload ->> 'text') gin_trgm_ops")],
        postgresql_using="gin",
        postgresql_where=sa.text(MESSAGE),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for statement in SQLITE_DOWN:
            op.execute(statement)
        return
    op.drop_index("ix_events_message_text", table_name="events")
    for name in reversed(CLIENT_FIELDS):
        op.drop_index(f"ix_conversations_{name}_trgm", table_name="conversations")
